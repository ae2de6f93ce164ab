"""The web app's JSON API and pages, in-process (FastAPI TestClient): the happy path and every abuse case."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
from fastapi.testclient import TestClient

from stakes.forecast import forecast
from stakes.io.yaml_io import loads_yaml
from stakes.models import base as model_base
from stakes.models.base import ModelSpec
from stakes.web import Limits, create_app
from stakes.web.jobs import JobManager
from tests.web_fixtures import (
    SMALL_YAML,
    XSS,
    XSS_YAML,
    BrokenStore,
    many_actors_csv,
    run_and_wait,
    upload,
    weighted_mean,
)


def _client(**kwargs) -> TestClient:
    limits = kwargs.pop("limits", None)
    return TestClient(create_app(limits=limits, start_method="fork", **kwargs))


@pytest.fixture
def client():
    with _client() as c:
        yield c


# -- listing, upload, download -------------------------------------------------------------------------
def test_lists_models_and_builtins(client):
    ids = {m["id"] for m in client.get("/api/models").json()}
    assert {"mean", "weighted-mean", "weighted-median"} <= ids
    from stakes.scenarios import builtin_names

    assert client.get("/api/builtins").json() == builtin_names()


def test_upload_yaml_round_trips_through_download(client):
    r = upload(client, SMALL_YAML)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["version"] == 1 and body["n_actors"] == 3 and r.headers["ETag"] == f'"{body["id"]}-1"'
    assert [e["id"] for e in client.get("/api/scenarios").json()] == [body["id"]]
    yaml_text = client.get(f"/api/scenarios/{body['id']}/scenario.yaml").text
    assert loads_yaml(yaml_text) == loads_yaml(SMALL_YAML)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_upload_csv_and_xlsx(client, tmp_path: Path, suffix: str):
    pytest.importorskip("openpyxl")
    from stakes.io import save_scenario

    path = tmp_path / f"s{suffix}"
    save_scenario(loads_yaml(SMALL_YAML), path)
    r = upload(client, path.read_bytes(), name=f"talks{suffix}")
    assert r.status_code == 201, r.text
    assert r.json()["n_actors"] == 3 and r.json()["n_issues"] == 2


def test_builtin_copy_and_unknown_builtin(client):
    from stakes.scenarios import builtin_names, builtin_text

    for name in builtin_names():
        try:
            builtin_text(name)
        except FileNotFoundError:  # the built-in file is written by another part of the project
            continue
        assert client.post("/api/scenarios/builtin", json={"name": name}).status_code == 201
    r = client.post("/api/scenarios/builtin", json={"name": "../../etc/passwd"})
    assert r.status_code == 404 and "no built-in scenario" in r.json()["detail"]


# -- malformed and huge input -----------------------------------------------------------------------------
def test_malformed_upload_names_file_and_row(client):
    r = upload(client, "title: x\nactors: [\n", name="broken.yaml")
    assert r.status_code == 422
    assert "broken.yaml" in r.json()["detail"] and "YAML" in r.json()["detail"]
    r = upload(client, SMALL_YAML.replace("salience: 90", "salience: 190"), name="high.yaml")
    assert r.status_code == 422 and "salience" in r.json()["detail"] and "high.yaml" in r.json()["detail"]
    r = upload(client, b"\x00\x01binary", name="x.exe")
    assert r.status_code == 422 and "unsupported file type" in r.json()["detail"]
    r = upload(client, b"   ", name="empty.yaml")
    assert r.status_code == 422 and "empty" in r.json()["detail"]
    assert client.get("/api/scenarios").json() == []  # nothing stored


def test_huge_upload_is_refused_before_parsing():
    with _client(limits=Limits(max_upload_bytes=5_000)) as c:
        r = upload(c, SMALL_YAML + "#" * 10_000)
        assert r.status_code == 413 and "5,000 bytes" in r.json()["detail"]
        # a body without Content-Length (chunked) is counted as it arrives

        def chunks():
            for _ in range(20):
                yield b"x" * 1_000

        r = c.post("/api/scenarios", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert c.get("/api/scenarios").json() == []


def test_ten_thousand_actors_are_refused_with_the_limit_named(client):
    r = upload(client, many_actors_csv(10_000), name="crowd.csv")
    assert r.status_code == 413
    detail = r.json()["detail"]
    assert "10000 actors" in detail and "max_actors" in detail and "command line" in detail
    assert client.get("/api/scenarios").json() == []


def test_path_like_names_never_reach_the_filesystem(client):
    r = upload(client, SMALL_YAML, name="../../etc/passwd.yaml")
    assert r.status_code == 201 and r.json()["origin"] == "upload passwd.yaml"
    r = upload(client, SMALL_YAML, name="../../etc/passwd")
    assert r.status_code == 422 and "unsupported file type" in r.json()["detail"]
    for url in ("/api/scenarios/..%2F..%2Fetc%2Fpasswd", "/api/scenarios/../../etc/passwd",
                "/s/..%2F..%2Fetc%2Fpasswd", "/api/runs/..%2F..%2Fetc%2Fpasswd/results.csv",
                "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/api/scenarios/0123456789abcdef"):
        r = client.get(url)
        assert r.status_code in (404, 422), url
        assert "root:" not in r.text


def test_html_in_names_is_escaped_on_every_page(client):
    sid = upload(client, XSS_YAML, name="xss.yaml").json()["id"]
    job = run_and_wait(client, sid, models=["weighted-mean"])
    assert job["status"] == "done", job
    for url in ("/", f"/s/{sid}", f"/runs/{job['run_id']}", "/compare"):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page, url
    assert "&lt;script&gt;alert(" in client.get(f"/s/{sid}").text
    report = client.get(f"/api/runs/{job['run_id']}/report.html").text
    assert "<script>alert(" not in report and "<img src=x onerror" not in report
    # the JSON API returns the names as data; the page's JavaScript writes them with textContent
    assert client.get(f"/api/runs/{job['run_id']}").json()["actors"][0]["name"] == XSS
    js = client.get("/static/app.js").text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js
    assert "script-src 'self'" in client.get("/").headers["Content-Security-Policy"]


# -- editing and concurrency ------------------------------------------------------------------------------
def test_table_edit_stale_version_gets_409_and_changes_nothing(client):
    sid = upload(client, SMALL_YAML).json()["id"]
    edit = {"version": 1, "cells": [{"actor": "us", "issue": "border", "salience": 90}]}
    first = client.patch(f"/api/scenarios/{sid}/table", json=edit)
    assert first.status_code == 200 and first.json()["version"] == 2
    second = client.patch(f"/api/scenarios/{sid}/table",
                          json={"version": 1, "cells": [{"actor": "us", "issue": "border", "salience": 5}]})
    assert second.status_code == 409 and "version 1" in second.json()["detail"]
    r = client.put(f"/api/scenarios/{sid}", headers={"If-Match": '"whatever-1"'},
                   json={"version": 2, "scenario": first.json()["scenario"]})
    assert r.status_code == 409
    now = client.get(f"/api/scenarios/{sid}").json()
    assert now["version"] == 2
    assert [s["salience"] for s in now["scenario"]["stances"] if s["actor"] == "us" and s["issue"] == "border"] == [90]


def test_invalid_edits_are_refused_whole(client):
    sid = upload(client, SMALL_YAML).json()["id"]
    before = client.get(f"/api/scenarios/{sid}").json()
    bad = [
        {"version": 1, "cells": [{"actor": "us", "issue": "aid", "position": 5},
                                  {"actor": "us", "issue": "aid", "position": 50}]},  # outside 0..10
        {"version": 1, "cells": [{"actor": "nobody", "issue": "aid", "salience": 5}]},
        {"version": 1, "cells": [{"actor": "us", "issue": "aid", "salience": 101}]},
        {"version": 1, "actors": [{"id": "us", "capability": -1}]},
    ]
    for edit in bad:
        r = client.patch(f"/api/scenarios/{sid}/table", json=edit)
        assert r.status_code == 422, (edit, r.text)
    assert "position 50" in client.patch(f"/api/scenarios/{sid}/table", json=bad[0]).json()["detail"]
    assert client.get(f"/api/scenarios/{sid}").json() == before


# -- running --------------------------------------------------------------------------------------------
def test_forecast_job_matches_the_core_and_follows_an_edit(client):
    sid = upload(client, SMALL_YAML).json()["id"]
    job = run_and_wait(client, sid, models=["weighted-mean", "weighted-median"])
    assert job["status"] == "done" and job["progress"] == 1.0, job
    run = client.get(f"/api/runs/{job['run_id']}").json()
    got = pd.DataFrame(run["results"]).sort_values(["variant", "model", "issue"]).reset_index(drop=True)
    want = forecast(loads_yaml(SMALL_YAML), models=["weighted-mean", "weighted-median"]).frame()
    want = want.sort_values(["variant", "model", "issue"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[["variant", "model", "issue", "value"]],
                                  want[["variant", "model", "issue", "value"]])
    assert run["verdicts"][0]["thesis"] == "t1"
    # edit the US salience on the border, run again: the compromise forecast moves to the hand-computed value
    edit = {"version": 1, "cells": [{"actor": "us", "issue": "border", "salience": 100}]}
    assert client.patch(f"/api/scenarios/{sid}/table", json=edit).status_code == 200
    job2 = run_and_wait(client, sid, models=["weighted-mean"], variants=["baseline"], version=2)
    rows = client.get(f"/api/runs/{job2['run_id']}").json()["results"]
    border = next(r["value"] for r in rows if r["issue"] == "border")
    assert border == pytest.approx(weighted_mean([(30, 90, 0), (50, 80, 100), (80, 100, 40)]))
    assert border != pytest.approx(weighted_mean([(30, 90, 0), (50, 80, 100), (80, 40, 40)]))
    # a run against a version that is no longer current is refused
    assert client.post(f"/api/scenarios/{sid}/runs", json={"version": 1}).status_code == 409


def test_downloads_and_side_by_side(client):
    sid = upload(client, SMALL_YAML).json()["id"]
    run_id = run_and_wait(client, sid, models=["weighted-mean"])["run_id"]
    run = client.get(f"/api/runs/{run_id}").json()
    csv = pd.read_csv(io.StringIO(client.get(f"/api/runs/{run_id}/results.csv").text))
    assert len(csv) == len(run["results"]) == 2 * 2  # variants × issues
    pytest.importorskip("pyarrow")
    pq = pd.read_parquet(io.BytesIO(client.get(f"/api/runs/{run_id}/results.parquet").content))
    assert list(pq["value"]) == pytest.approx(list(csv["value"]))
    report = client.get(f"/api/runs/{run_id}/report.html?download=true")
    assert report.status_code == 200 and "attachment" in report.headers["Content-Disposition"]
    assert "Small talks" in report.text and "sandbox" in report.headers["Content-Security-Policy"]
    cmp = client.get("/api/compare", params={"a": run_id, "b": run_id, "variant_b": "us-out"}).json()
    for row in cmp["rows"]:
        a = next(r["value"] for r in run["results"] if r["variant"] == "baseline" and r["issue"] == row["issue"])
        b = next(r["value"] for r in run["results"] if r["variant"] == "us-out" and r["issue"] == row["issue"])
        assert (row["a"], row["b"], row["difference"]) == pytest.approx((a, b, b - a))
    r = client.get("/api/compare", params={"a": run_id, "b": run_id, "variant_b": "nope"})
    assert r.status_code == 422 and "no variant 'nope'" in r.json()["detail"]
    reopened = client.post(f"/api/runs/{run_id}/scenario")
    assert reopened.status_code == 201 and reopened.json()["id"] != sid
    assert loads_yaml(client.get(f"/api/scenarios/{reopened.json()['id']}/scenario.yaml").text) == \
        loads_yaml(SMALL_YAML)


def test_simulation_job_is_reproducible(client):
    from stakes.simulate import simulate

    sid = upload(client, SMALL_YAML.replace("seed: 7", "seed: 7\nuncertainty: {default: {position: 5}}")).json()["id"]
    job = run_and_wait(client, sid, kind="simulation", runs=64, models=["weighted-mean"], variants=["baseline"])
    assert job["status"] == "done", job
    got = pd.DataFrame(client.get(f"/api/runs/{job['run_id']}").json()["results"])
    sc = loads_yaml(SMALL_YAML.replace("seed: 7", "seed: 7\nuncertainty: {default: {position: 5}}"))
    want = simulate(sc, 64, models=["weighted-mean"], variants=["baseline"]).summary()
    assert list(got["mean"]) == pytest.approx(list(want["mean"]))


def test_bad_run_requests(client):
    sid = upload(client, SMALL_YAML).json()["id"]
    for body, words in (({"models": ["nope"]}, "unknown model"), ({"variants": ["nope"]}, "unknown variant"),
                        ({"kind": "simulation", "runs": 5_000_000}, "max_sim_runs"),
                        ({"kind": "fly"}, "invalid request")):
        r = client.post(f"/api/scenarios/{sid}/runs", json=body)
        assert r.status_code == 422 and words in r.json()["detail"], (body, r.text)


def _spin(arrays, **_):
    while True:  # a model that never converges
        time.sleep(0.01)


def test_a_run_that_never_converges_is_stopped_at_the_time_limit(monkeypatch):
    monkeypatch.setitem(model_base._REGISTRY, "test-spin", ModelSpec("test-spin", "spin", "never ends", "-", _spin))
    with _client(limits=Limits(job_seconds=1.0)) as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        job = run_and_wait(c, sid, models=["test-spin"])
        assert job["status"] == "timed_out" and "job_seconds" in job["message"]
        assert job["run_id"] is None and c.get("/api/runs").json() == []
        assert c.get("/healthz").json()["status"] == "ok"  # the server goes on


def _never_ends(payload, progress):
    while True:
        progress(0.5, "spinning")
        time.sleep(0.02)


def test_queue_limit_and_cancel():
    manager = JobManager(Limits(max_running=1, max_queued=1), start_method="fork")
    try:
        running = manager.submit("forecast", _never_ends, {})
        queued = manager.submit("forecast", _never_ends, {})
        from stakes.web.limits import LimitError

        with pytest.raises(LimitError, match="max_queued") as err:
            manager.submit("forecast", _never_ends, {})
        assert err.value.status == 429
        for job in (queued, running):
            manager.cancel(job.id)
        assert manager.wait(running.id, 10).status == "cancelled"
        assert manager.wait(queued.id, 10).status == "cancelled"
    finally:
        manager.shutdown()


# -- token ----------------------------------------------------------------------------------------------
def test_token_is_required_when_set():
    with _client(token="tok-12345678") as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/api/models")
        assert r.status_code == 401 and "token" in r.json()["detail"]
        assert c.get("/api/models", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/models", headers={"Authorization": "Bearer tok-12345678"}).status_code == 200
        page = c.get("/?token=tok-12345678")
        assert page.status_code == 200 and "HttpOnly" in page.headers["set-cookie"]
        assert c.get("/api/models").status_code == 200  # the cookie now carries it


# -- the run store ---------------------------------------------------------------------------------------
def _boom(arrays, **_):
    raise RuntimeError("model crashed")


def test_runs_survive_a_restart_and_failures_store_nothing(tmp_path: Path, monkeypatch):
    pytest.importorskip("sqlalchemy")
    from stakes.store import RunStore

    monkeypatch.setitem(model_base._REGISTRY, "test-boom", ModelSpec("test-boom", "boom", "fails", "-", _boom))
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with TestClient(create_app(db_url=url, start_method="fork")) as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        failed = run_and_wait(c, sid, models=["test-boom"])
        assert failed["status"] == "failed" and "model crashed" in failed["error"]
        job = run_and_wait(c, sid, models=["weighted-mean"])
        assert job["status"] == "done" and job["run_id"].startswith("s")
        before = c.get(f"/api/runs/{job['run_id']}").json()
    with RunStore(url) as store:
        listed = store.list()
        assert list(listed["status"]) == ["finished"] and list(listed["seed"]) == [7]
        # runs other commands recorded: one without seed or lists, one of a kind the app does not show
        frame = pd.DataFrame({"variant": ["baseline"], "model": ["mean"], "issue": ["border"], "value": [1.0]})
        other = store.record("forecast", loads_yaml(SMALL_YAML), {"forecast": frame}, seed=None)
        store.record("sensitivity", loads_yaml(SMALL_YAML), {"drivers": frame})
    # a new server on the same store lists the run with its seed and version, and serves it
    with TestClient(create_app(db_url=url, start_method="fork")) as c:
        runs = c.get("/api/runs").json()
        assert [(r["id"], r["seed"]) for r in runs] == [(job["run_id"], 7), (f"s{other}", None)]
        assert runs[0]["version"] and c.get(f"/api/runs/s{other}").json()["models"] == ["mean"]
        after = c.get(f"/api/runs/{job['run_id']}").json()
        assert after["results"] == before["results"] and after["verdicts"] == before["verdicts"]
        report = c.get(f"/api/runs/{job['run_id']}/report.html")
        assert report.status_code == 200 and "Small talks" in report.text
        index = c.get("/").text
        # the run is listed; its scenario is offered for editing through the newest run made with it
        assert job["run_id"] in index and f'data-run="s{other}"' in index


def test_a_run_that_cannot_be_stored_is_reported_failed_and_not_shown():
    pytest.importorskip("sqlalchemy")
    with TestClient(create_app(store=BrokenStore(), start_method="fork")) as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        job = run_and_wait(c, sid, models=["weighted-mean"])
        assert job["status"] == "failed" and "disk full" in job["error"] and job["run_id"] is None
        assert c.get("/api/runs").json() == []


# -- stakes serve ---------------------------------------------------------------------------------------
def test_serve_binds_localhost_without_token_and_elsewhere_with_one(monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from stakes.cli import app
    from stakes.cli.serve import is_local

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: calls.append({"app": application, **kw}))
    monkeypatch.setenv("STAKES_DB", "off")
    runner = CliRunner()
    out = runner.invoke(app, ["serve", "--port", "8123"])
    assert out.exit_code == 0, out.output
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8123
    assert "no token needed" in out.output and calls[-1]["app"].state.ctx.token is None
    out = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert out.exit_code == 0, out.output
    token = calls[-1]["app"].state.ctx.token
    assert token and len(token) >= 16 and f"?token={token}" in out.output and "token required" in out.output
    with TestClient(calls[-1]["app"]) as c:
        assert c.get("/api/scenarios").status_code == 401
    assert is_local("::1") and is_local("127.0.0.2") and not is_local("192.168.1.4")
    assert runner.invoke(app, ["serve", "--token", "short"]).exit_code != 0


def test_pages_load_nothing_from_the_network(client):
    import re

    sid = upload(client, SMALL_YAML).json()["id"]
    run_id = run_and_wait(client, sid, models=["weighted-mean"])["run_id"]
    for url in ("/", f"/s/{sid}", f"/runs/{run_id}", "/compare", "/docs", f"/api/runs/{run_id}/report.html"):
        r = client.get(url)
        assert r.status_code == 200, url
        external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", r.text)
        assert external == [], (url, external)
    assert "/api/scenarios/{sid}/table" in client.get("/docs").text


def test_archives_and_yaml_that_expand_are_refused(client, tmp_path: Path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * 60_000_000)
    assert bomb.stat().st_size < 1_000_000
    r = upload(client, bomb.read_bytes(), name="bomb.xlsx")
    assert r.status_code == 413 and "expands to" in r.json()["detail"]
    r = upload(client, b"PK\x03\x04 not really a zip", name="fake.xlsx")
    assert r.status_code == 422 and "fake.xlsx" in r.json()["detail"]
    laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    laughs += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]" for k in range(1, 9)]
    text = SMALL_YAML.replace("seed: 7\n", "seed: 7\nparameters:\n  weighted-mean:\n" +
                              "".join(f"    {line}\n" for line in laughs))
    r = upload(client, text, name="laughs.yaml")
    assert r.status_code == 413 and "anchors" in r.json()["detail"]
    assert client.get("/api/scenarios").json() == []
