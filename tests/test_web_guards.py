"""The web app against other sites and floods: Host and Origin allow-lists, header and body timeouts, a burst
of 200 connections, and jobs whose whole pipeline stays under their memory and result-size limits."""

from __future__ import annotations

import concurrent.futures as cf
import http.client
import socket
import threading
import time

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from stakes.models import ModelSpec
from stakes.models import base as model_base
from stakes.web import Limits, create_app
from stakes.web.guards import host_name
from stakes.web.jobs import public_error
from stakes.web.server import uvicorn_config

from .web_fixtures import SMALL_YAML, make_client, run_and_wait, upload


# -- Host and Origin -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "name"), [("127.0.0.1:8000", "127.0.0.1"), ("[::1]:8000", "::1"),
                                             ("LOCALHOST.", "localhost"), ("http://evil.example:80", "evil.example")])
def test_host_name(value, name):
    assert host_name(value) == name


def test_foreign_host_is_refused_on_loopback():
    with make_client() as c:
        assert c.get("/api/runs").status_code == 200
        r = c.get("/api/runs", headers={"Host": "evil.example"})
        assert r.status_code == 421 and "--allow-host" in r.json()["detail"]
        assert c.get("/", headers={"Host": "evil.example:8000"}).status_code == 421
        assert c.get("/api/runs", headers={"Host": "localhost:8000"}).status_code == 200


def test_allowed_hosts_are_configurable():
    with make_client(allowed_hosts=["stakes.lan"]) as c:
        assert c.get("/api/runs", headers={"Host": "stakes.lan:8000"}).status_code == 200
        assert c.get("/api/runs").status_code == 421  # 127.0.0.1 no longer listed
    with make_client(allowed_hosts=["*"]) as c:
        assert c.get("/api/runs", headers={"Host": "anything.example"}).status_code == 200


def test_cross_site_upload_is_refused():
    with make_client() as c:
        evil = {"Origin": "https://evil.example"}
        r = c.post("/api/scenarios/upload", headers=evil,
                   files={"file": ("s.yaml", SMALL_YAML.encode(), "application/octet-stream")})
        assert r.status_code == 403 and "other sites" in r.json()["detail"]
        r = c.post("/api/scenarios/upload", headers={"Sec-Fetch-Site": "cross-site"},
                   files={"file": ("s.yaml", SMALL_YAML.encode(), "application/octet-stream")})
        assert r.status_code == 403
        r = c.post("/api/scenarios/upload", headers={"Origin": "null"},
                   files={"file": ("s.yaml", SMALL_YAML.encode(), "application/octet-stream")})
        assert r.status_code == 403
        assert c.get("/api/runs", headers=evil).status_code == 200  # reads are not state changes
        r = c.post("/api/scenarios/upload", headers={"Origin": "http://127.0.0.1:8000"},
                   files={"file": ("s.yaml", SMALL_YAML.encode(), "application/octet-stream")})
        assert r.status_code == 201
        assert c.get("/api/scenarios").json()  # only the same-site upload is there
        assert len(c.get("/api/scenarios").json()) == 1


def test_token_servers_accept_any_host_by_default():
    with make_client(token="tok-12345678") as c:
        r = c.get("/api/models", headers={"Host": "stakes.example", "Authorization": "Bearer tok-12345678"})
        assert r.status_code == 200


# -- real server: timeouts and bursts --------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve():
    servers = []

    def start(limits: Limits | None = None, header_seconds: float = 10.0) -> int:
        import uvicorn

        port = _free_port()
        srv = uvicorn.Server(uvicorn_config(create_app(limits=limits, start_method="fork"), "127.0.0.1", port,
                                            header_seconds=header_seconds, lifespan="on"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        end = time.monotonic() + 30
        while not srv.started:
            assert time.monotonic() < end and thread.is_alive(), "the server did not start"
            time.sleep(0.05)
        servers.append((srv, thread))
        return port

    yield start
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(timeout=10)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def test_slow_body_gets_408(serve):
    port = serve(Limits(body_seconds=1.0))
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(b"POST /api/scenarios/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n"
                     b"Content-Type: multipart/form-data; boundary=x\r\n\r\n--x\r\n")
        answer = _read_all(sock)  # the rest of the body never comes
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_slow_headers_are_cut(serve):
    port = serve(header_seconds=1.0)
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finish
        answer = _read_all(sock)
    assert answer == b""  # closed without an answer, long before the socket's own 20 s


def _get(port: int, path: str) -> tuple[int, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("retry-after")
    finally:
        conn.close()


def _burst(port: int, n: int, path: str) -> list[tuple[int, str | None]]:
    with cf.ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda _: _get(port, path), range(n)))


def test_burst_of_200_connections_gets_no_5xx(serve):
    port = serve()
    answers = _burst(port, 200, "/api/models")
    statuses = [s for s, _ in answers]
    assert not [s for s in statuses if s >= 500]
    assert statuses.count(200) == 200


def test_burst_past_the_in_flight_limit_gets_429_with_retry_after(serve):
    port = serve(Limits(max_in_flight=2))
    answers = _burst(port, 200, "/api/runs")
    assert not [s for s, _ in answers if s >= 500]
    assert {s for s, _ in answers} <= {200, 429}
    assert all(retry == "1" for s, retry in answers if s == 429)


# -- jobs: pipeline inside the limits, errors without internals ------------------------------------------
def _hog(arrays, **_):
    block = np.ones((40_000, 10_000))  # 3.2 GB
    return model_base.ModelResult("test-hog", forecast=block[:1, : arrays.n_issues])


def _boom(arrays, **_):
    raise RuntimeError("failed in /srv/secret/path.py line 3")


def test_job_out_of_memory_fails_cleanly_and_the_server_goes_on(monkeypatch):
    monkeypatch.setitem(model_base._REGISTRY, "test-hog", ModelSpec("test-hog", "hog", "eats memory", "-", _hog))
    with make_client(limits=Limits(job_memory_bytes=1_500_000_000)) as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        job = run_and_wait(c, sid, models=["test-hog"])
        assert job["status"] == "failed" and "out of memory" in job["error"]
        assert run_and_wait(c, sid, models=["weighted-mean"])["status"] == "done"


def test_result_larger_than_the_limit_is_refused_in_the_job():
    with make_client(limits=Limits(max_result_bytes=2_000)) as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        job = run_and_wait(c, sid, models=["weighted-mean"])
        assert job["status"] == "failed" and "max_result_bytes" in job["error"]


def test_job_errors_carry_no_traceback_or_paths(monkeypatch):
    monkeypatch.setitem(model_base._REGISTRY, "test-boom", ModelSpec("test-boom", "boom", "fails", "-", _boom))
    with make_client() as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        job = run_and_wait(c, sid, models=["test-boom"])
        assert job["status"] == "failed"
        assert job["error"] == "RuntimeError: failed in <path> line 3"


def test_public_error_hides_paths():
    assert public_error(FileNotFoundError(2, "No such file", "/home/u/x.db")) == \
        "FileNotFoundError: [Errno 2] No such file: '<path>'"


# -- uploads scanned before parsing; degenerate runs -----------------------------------------------------
def test_upload_with_a_huge_cell_is_refused_before_parsing():
    with make_client() as c:
        text = "actor,issue,position,salience,capability\n" + f"a,i,{'1' * 140_000},50,1\n"
        r = upload(c, text, name="big.csv")
        assert r.status_code == 422 and "line 2" in r.json()["detail"]


def test_upload_with_too_many_lines_is_refused_before_parsing():
    with make_client(limits=Limits(max_stances=10, max_actors=5, max_issues=2)) as c:
        text = "actor,issue,position,salience,capability\n" + "a,i,1,50,1\n" * 2000
        r = upload(c, text, name="many.csv")
        assert r.status_code == 413 and "max_stances" in r.json()["detail"]


def test_web_run_of_a_variant_removing_every_actor_fails_with_a_message():
    text = SMALL_YAML.replace("theses:", "  - id: nobody\n    name: Nobody\n    changes: [{op: remove_actor, "
                              "actor: ua}, {op: remove_actor, actor: ru}, {op: remove_actor, actor: us}]\ntheses:")
    with make_client() as c:
        sid = upload(c, text).json()["id"]
        job = run_and_wait(c, sid, models=["weighted-mean"], variants=["nobody"])
        assert job["status"] == "failed" and "removes every actor" in job["error"]
        assert "Traceback" not in job["error"]
        assert run_and_wait(c, sid, models=["weighted-mean"], variants=["baseline"])["status"] == "done"
