"""``stakes report [SCENARIO|RUN-ID] -o report.html`` as a user runs it."""

from __future__ import annotations

import pytest

from stakes.io import save_scenario
from stakes.io.yaml_io import scenario_from_dict
from stakes.store import RunStore

from .test_report import rich_dict
from .test_store_cli import db, run_cli  # noqa: F401  (fixtures)


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "rich.yaml"
    save_scenario(scenario_from_dict(rich_dict()), path)
    return path


def test_report_of_a_scenario_with_everything_and_its_stored_runs(db, run_cli, scenario_file, tmp_path):  # noqa: F811
    out = tmp_path / "report.html"
    done = run_cli("report", str(scenario_file), "-o", str(out), "--runs", "50", "--sobol", "8",
                   "--align-runs", "20", "--record")
    assert done.returncode == 0, done.stderr
    assert "stored as runs 1, 2, 3, 4" in done.stdout
    html = out.read_text(encoding="utf-8")
    assert "not computed" not in html  # every section and every thesis probability was computed
    assert "50 perturbed runs" in html
    with RunStore(db) as store:
        runs = store.list()
    assert sorted(runs.kind) == ["alignment", "forecast", "sensitivity", "simulation"]
    assert (runs.status == "finished").all() and (runs.seed == 7).all()

    sim_id = int(runs[runs.kind == "simulation"].id.iloc[0])
    again = tmp_path / "stored.html"
    done = run_cli("report", str(sim_id), "-o", str(again))
    assert done.returncode == 0, done.stderr
    stored = again.read_text(encoding="utf-8")
    assert f"stored run {sim_id} (simulation" in stored and "50 perturbed runs" in stored
    assert "Sensitivity analysis not computed" in stored  # only what that run holds (and the forecast)


def test_report_errors_exit_2(db, run_cli, small, tmp_path):  # noqa: F811
    with RunStore(db) as store, pytest.raises(RuntimeError), store.recording("forecast", small):
        raise RuntimeError("boom")
    out = tmp_path / "r.html"
    for args, message in ((["report", "1", "-o", str(out)], "run 1 is failed (RuntimeError: boom)"),
                          (["report", "999", "-o", str(out)], "no run with id 999"),
                          (["report", "--runs", "-1", "-o", str(out)], "must be 0 or more"),
                          (["report", str(tmp_path / "missing.yaml"), "-o", str(out)], "no such file")):
        done = run_cli(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr
    assert not out.exists()
