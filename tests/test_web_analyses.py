"""Alignment (landscape theory) and sensitivity (Sobol) as web jobs: results on the API and the run page,
recorded in the run store with the same tables as `stakes align` / `stakes sensitivity --db`, refused
early (422/409) when the input or the work is wrong."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
import yaml

pytest.importorskip("fastapi")

from stakes.web import Limits
from stakes.web.limits import LimitError
from tests.test_alignment_scenario import BASE
from tests.web_fixtures import SMALL_YAML, make_client, upload, wait_job


def _analyse(c, sid: str, **body) -> dict:
    r = c.post(f"/api/scenarios/{sid}/analyses", json=body)
    assert r.status_code == 202, r.text
    job = wait_job(c, r.json()["id"], timeout=120)
    assert job["status"] == "done", job
    return c.get(f"/api/runs/{job['run_id']}").json()


def _cli(monkeypatch, *args: str) -> None:
    from stakes.cli import main

    monkeypatch.setattr(sys, "argv", ["stakes", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    assert not exc.value.code


def test_alignment_job_shows_and_stores_what_the_command_line_stores(tmp_path, monkeypatch, capsys):
    pytest.importorskip("sqlalchemy")
    from stakes.store import RunStore

    text = yaml.safe_dump(BASE)
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with make_client(db_url=url) as c:
        sid = upload(c, text, "europe.yaml").json()["id"]
        run = _analyse(c, sid, kind="alignment", runs=40)
        assert run["kind"] == "alignment" and run["models"] == ["landscape"] and run["runs"] == 40
        assert run["variants"] == ["baseline", "hun-pivots", "no-pol", "hun-big"]
        sides = {(r["variant"], r["actor"]): r["side"] for r in run["results"]}
        assert sides[("baseline", "fra")] == sides[("baseline", "pol")]  # thesis fra-pol holds
        assert {(v["thesis"], v["variant"], v["holds"]) for v in run["verdicts"]} >= {
            ("fra-pol", "baseline", True), ("hun-not-ukr", "hun-pivots", False), ("pol-gone", "no-pol", None)}
        assert all(0 <= v["probability"] <= 1 for v in run["verdicts"] if v["holds"] is not None)
        assert [i["variant"] for i in run["info"]] == run["variants"] and run["info"][0]["engine"] == "exact"
        page = c.get(f"/runs/{run['id']}").text
        assert 'data-run="' + run["id"] + '"' in page and "alignment" in page
        report = c.get(f"/api/runs/{run['id']}/report.html")
        assert report.status_code == 200 and "fra-pol" in report.text
    path = tmp_path / "europe.yaml"
    path.write_text(text, encoding="utf-8")
    _cli(monkeypatch, "align", str(path), "--runs", "40", "--db", url, "--format", "json")
    with RunStore(url) as store:
        listed = store.list()
        assert list(listed["kind"]) == ["alignment", "alignment"]
        web_id, cli_id = sorted(int(i) for i in listed["id"])
        assert store.get(web_id).options["source"] == "web"
        web, cli = store.tables(web_id), store.tables(cli_id)
    assert set(web) == set(cli) >= {"alignment", "alignment_summary", "side_theses", "side_verdicts"}
    for name in cli:
        pd.testing.assert_frame_equal(web[name], cli[name], check_dtype=False)


def test_sensitivity_job_shows_and_stores_what_the_command_line_stores(tmp_path, monkeypatch):
    pytest.importorskip("sqlalchemy")
    pytest.importorskip("SALib")
    from stakes.store import RunStore

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with make_client(db_url=url) as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        run = _analyse(c, sid, kind="sensitivity", model="weighted-mean", samples=256, position_sd=10)
        assert run["kind"] == "sensitivity" and run["models"] == ["weighted-mean"] and run["variants"] == ["baseline"]
        assert run["info"] == [{"variant": "baseline", "model": "weighted-mean", "samples": 256,
                                "evaluations": 256 * (3 + 2), "seed": 7}]  # 3 position factors
        border = {r["actor"]: r["ST"] for r in run["results"] if r["issue"] == "border"}
        # the weighted mean is linear in each position: every actor's share is real and the shares add up to 1
        assert min(border.values()) > 0.05 and abs(sum(border.values()) - 1) < 0.15  # additive: ΣST ≈ 1
        report = c.get(f"/api/runs/{run['id']}/report.html")
        assert report.status_code == 200 and "ua" in report.text
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_YAML, encoding="utf-8")
    _cli(monkeypatch, "sensitivity", str(path), "-m", "weighted-mean", "--samples", "256", "--position-sd", "10",
         "--db", url, "--format", "json")
    with RunStore(url) as store:
        web_id, cli_id = sorted(int(i) for i in store.list()["id"])
        assert store.get(web_id).options["samples"] == store.get(cli_id).options["samples"] == 256
        web, cli = store.tables(web_id), store.tables(cli_id)
    assert set(web) == set(cli) == {"sensitivity", "sensitivity_info"}
    for name in cli:
        pd.testing.assert_frame_equal(web[name], cli[name], check_dtype=False)


def test_analyses_are_refused_early_with_a_reason():
    with make_client(limits=Limits(max_work=1e5)) as c:
        sid = upload(c, SMALL_YAML).json()["id"]
        url = f"/api/scenarios/{sid}/analyses"
        r = c.post(url, json={"kind": "sensitivity"})
        assert r.status_code == 422 and "nothing is uncertain" in r.json()["detail"]
        r = c.post(url, json={"kind": "sensitivity", "position_sd": 10, "samples": 4096})
        assert r.status_code == 422 and "max_work" in r.json()["detail"]
        r = c.post(url, json={"kind": "sensitivity", "position_sd": 10, "model": "oracle"})
        assert r.status_code == 422 and "unknown model 'oracle'" in r.json()["detail"]
        r = c.post(url, json={"kind": "alignment", "variants": ["nope"]})
        assert r.status_code == 422 and "unknown variant 'nope'" in r.json()["detail"]
        r = c.post(url, json={"kind": "alignment", "runs": 20_000})
        assert r.status_code == 422 and "max_work" in r.json()["detail"]
        r = c.post(url, json={"kind": "sensitivity", "position_sd": 1000})
        assert r.status_code == 422 and "position_sd" in r.json()["detail"]
        r = c.post(url, json={"kind": "alignment", "version": 5})
        assert r.status_code == 409
        r = c.post(url, json={"kind": "forecast"})
        assert r.status_code == 422 and "body.kind" in r.json()["detail"]
        assert c.get("/api/jobs").json() == []  # nothing was started


def test_alignment_work_grows_with_the_configurations_the_engine_visits():
    from stakes.scenarios import builtin_scenario
    from stakes.web.limits import alignment_work, check_alignment_work

    # the exact engine visits 2^(n−1) configurations: five more actors, 32× the configurations
    assert alignment_work(24, 2, 1, 10) / alignment_work(19, 2, 1, 10) > 30
    # past the exact limit the heuristic's restarts × n² take over
    assert alignment_work(80, 2, 1, 10) / alignment_work(40, 2, 1, 10) == pytest.approx(4)
    assert alignment_work(30, 2, 3, 100) == 3 * alignment_work(30, 2, 1, 100)
    # a small landscape costs at least its weights, as a model step does (actors² × issues)
    assert alignment_work(4, 2, 1, 1000) >= 1001 * 4**2 * 2
    seed = builtin_scenario("ukraine-2024-07")
    check_alignment_work(seed, 1 + len(seed.variants), 100, Limits())  # the report's alignment: accepted
    with pytest.raises(LimitError, match="max_work"):  # 2,000 exact landscapes of 2^23 configurations: refused
        check_alignment_work(_scenario_with_actors(24), 1, 2_000, Limits())


def _scenario_with_actors(n: int):
    from stakes.scenario import Scenario

    return Scenario.model_validate({
        "id": "big", "title": "big", "issues": [{"id": "i", "name": "I", "scale_min": 0, "scale_max": 100}],
        "actors": [{"id": f"a{k}", "name": f"A{k}", "capability": 1 + k} for k in range(n)],
        "stances": [{"actor": f"a{k}", "issue": "i", "position": 4 * k, "salience": 50} for k in range(n)]})
