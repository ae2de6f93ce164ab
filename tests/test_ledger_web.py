"""The ledger in the browser app: "Record this forecast" on a run's page, and the ledger page with grades."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3

import pytest

from stakes.ledger import Outcome

from .web_fixtures import SMALL_YAML, XSS, make_client, run_and_wait, upload

pytest.importorskip("sqlalchemy")


def test_record_a_run_then_see_it_graded_on_the_ledger_page(tmp_path):
    from stakes.store import RunStore
    from stakes.store.ledger import LedgerStore, grade_ledger

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with make_client(db_url=url) as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        job = run_and_wait(c, sid, models=["weighted-mean"])
        run_id = job["run_id"]
        page = c.get(f"/runs/{run_id}").text
        assert "Record this forecast" in page and f'action="/runs/{run_id}/ledger"' in page
        r = c.post(f"/runs/{run_id}/ledger", data={"note": XSS}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ledger?added=1-4"  # 2 variants × 2 issues
        frame = {(row["variant"], row["issue"]): row["value"] for row in c.get(f"/api/runs/{run_id}").json()["results"]}
        with RunStore(url) as store:
            ledger = LedgerStore(store)
            entries = ledger.entries()
            assert {(e.content["variant"], e.content["issue"]): e.content["value"] for e in entries} == frame
            assert {e.content["note"] for e in entries} == {XSS} and ledger.verify().ok
            grade_ledger(ledger, [Outcome("small-talks", "baseline", "border", 40.0, dt.date(2030, 1, 1), "s",
                                          "o.csv", 2)])
        page = c.get("/ledger").text
        assert "Chain intact: 4 entries" in page and XSS not in page and "&lt;script&gt;" in page
        graded = [row for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S) if "sealed" in row]
        assert len(graded) == 1 and "border" in graded[0] and "40.00" in graded[0]
        assert page.count("not graded") == 3
        with sqlite3.connect(tmp_path / "runs.db") as conn:
            conn.execute("UPDATE stakes_ledger_entries SET value = -1 WHERE id = 2")
        assert "Chain broken at entry 2" in c.get("/ledger").text


def test_without_a_store_the_ledger_is_unavailable():
    with make_client() as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        run_id = run_and_wait(c, sid, models=["weighted-mean"])["run_id"]
        r = c.post(f"/runs/{run_id}/ledger", data={"note": ""}, follow_redirects=False)
        assert r.status_code == 409 and "needs a run store" in r.json()["detail"]
        assert "needs a run store" in c.get("/ledger").text
        assert c.post("/runs/no-such/ledger", data={}).status_code == 409


def test_an_unknown_run_is_404_and_a_simulation_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with make_client(db_url=url) as c:
        assert c.post("/runs/rnosuchrun/ledger", data={}).status_code == 404
        sid = upload(c, SMALL_YAML).json()["id"]
        sim = run_and_wait(c, sid, kind="simulation", runs=20, models=["weighted-mean"])
        r = c.post(f"/runs/{sim['run_id']}/ledger", data={})
        assert r.status_code == 422 and "only forecasts" in r.json()["detail"]


def test_a_recorded_ensemble_run_keeps_its_predictive_quantiles(tmp_path):
    from stakes.forecast import forecast
    from stakes.io.yaml_io import loads_yaml
    from stakes.ledger import forecast_entries
    from stakes.store import RunStore
    from stakes.store.ledger import LedgerStore

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with make_client(db_url=url, start_method="forkserver") as c:  # the ensemble runs BDM's parallel kernel
        sid = upload(c, SMALL_YAML).json()["id"]
        job = run_and_wait(c, sid, models=["ensemble", "weighted-mean"])
        assert job["run_id"], json.dumps(job)[:3000]
        run_id = job["run_id"]
        assert c.post(f"/runs/{run_id}/ledger", follow_redirects=False).status_code == 303
    with RunStore(url) as store:
        entries = LedgerStore(store).entries()
    stored = {(e.content["variant"], e.content["model"], e.content["issue"]): e.content["quantiles"] for e in entries}
    direct = forecast_entries(forecast(loads_yaml(SMALL_YAML), models=["ensemble", "weighted-mean"]))
    expected = {(e["variant"], e["model"], e["issue"]): e["quantiles"] for e in direct.contents}
    assert stored == expected  # the ensemble's 19 quantiles (the CLI's, to the bit); None for a point model
    assert any(q is not None and len(q) == 19 for q in stored.values()) and any(q is None for q in stored.values())
