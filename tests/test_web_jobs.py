"""The web app's jobs, token, run store and `stakes serve`, in-process (FastAPI TestClient)."""

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
    BrokenStore,
    make_client,
    run_and_wait,
    upload,
    weighted_mean,
)


@pytest.fixture
def client():
    with make_client() as c:
        yield c


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
    with make_client(limits=Limits(job_seconds=1.0)) as c:
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
    with make_client(token="tok-12345678") as c:
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
    with TestClient(create_app(db_url=url, start_method="fork"), base_url="http://127.0.0.1") as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        failed = run_and_wait(c, sid, models=["test-boom"])
        assert failed["status"] == "failed" and "model crashed" in failed["error"]
        job = run_and_wait(c, sid, models=["weighted-mean"])
        assert job["status"] == "done" and job["run_id"].startswith("s")
        before = c.get(f"/api/runs/{job['run_id']}").json()
    with RunStore(url) as store:
        listed = store.list()
        assert list(listed["status"]) == ["finished"] and list(listed["seed"]) == [7]
        # runs other commands recorded: one without seed or lists, one without the table of its kind
        frame = pd.DataFrame({"variant": ["baseline"], "model": ["mean"], "issue": ["border"], "value": [1.0]})
        other = store.record("forecast", loads_yaml(SMALL_YAML), {"forecast": frame}, seed=None)
        odd = store.record("sensitivity", loads_yaml(SMALL_YAML), {"drivers": frame})
    # a new server on the same store lists the runs with their seeds and versions, and serves them
    with TestClient(create_app(db_url=url, start_method="fork"), base_url="http://127.0.0.1") as c:
        runs = c.get("/api/runs").json()
        assert [(r["id"], r["seed"]) for r in runs] == [(job["run_id"], 7), (f"s{other}", None), (f"s{odd}", None)]
        assert c.get(f"/api/runs/s{odd}").json()["results"] == []  # no 'sensitivity' table: nothing to show
        assert runs[0]["version"] and c.get(f"/api/runs/s{other}").json()["models"] == ["mean"]
        after = c.get(f"/api/runs/{job['run_id']}").json()
        assert after["results"] == before["results"] and after["verdicts"] == before["verdicts"]
        report = c.get(f"/api/runs/{job['run_id']}/report.html")
        assert report.status_code == 200 and "Small talks" in report.text
        index = c.get("/").text
        # the run is listed; its scenario is offered for editing through the newest run made with it
        assert job["run_id"] in index and f'data-run="s{odd}"' in index


def test_a_run_that_cannot_be_stored_is_reported_failed_and_not_shown():
    pytest.importorskip("sqlalchemy")
    with TestClient(create_app(store=BrokenStore(), start_method="fork"), base_url="http://127.0.0.1") as c:
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
    with TestClient(calls[-1]["app"], base_url="http://127.0.0.1") as c:
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
