"""The command line as a user runs it: output contract, exit codes, no tracebacks."""

from __future__ import annotations

import json

import pytest

from .conftest import run_cli


@pytest.fixture
def small_file(tmp_path, small):
    from stakes.io import save_scenario

    path = tmp_path / "small.yaml"
    save_scenario(small, path)
    return path


def test_forecast_json_contract(small_file):
    proc = run_cli("forecast", str(small_file), "--model", "weighted-mean", "--model", "nash", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["scenario"]["id"] == "small"
    variants = {f["variant"] for f in data["forecasts"]}
    assert variants == {"baseline", "us-out", "us-out-hu-up"}
    row = next(f for f in data["forecasts"] if f["variant"] == "baseline" and f["model"] == "weighted-mean"
               and f["issue"] == "territory")
    w = [30 * 1.0, 60 * 0.9, 100 * 0.6, 5 * 0.4]
    x = [0, 100, 20, 70]
    assert row["value"] == pytest.approx(sum(a * b for a, b in zip(w, x, strict=True)) / sum(w))
    theses = {t["id"]: t for t in data["theses"]}
    assert theses["t-below"]["holds"] is True and theses["t-below"]["claim"] == "territory below 60"
    assert set(theses["t-closer"]) >= {"id", "variant", "holds", "claim"}


def test_forecast_table_shows_anchor_labels(small_file):
    proc = run_cli("forecast", str(small_file), "--model", "weighted-mean")
    assert proc.returncode == 0, proc.stderr
    assert "1991 borders" in proc.stdout and "Theses" in proc.stdout


def test_forecast_csv(small_file):
    proc = run_cli("forecast", str(small_file), "-m", "mean", "--variant", "baseline", "--format", "csv")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == "variant,model,issue,value,n_rounds,actor"
    assert len(proc.stdout.splitlines()) == 3


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--model", "nope"], "unknown model 'nope'"),
        (["--model", "mean", "--variant", "nope"], "unknown variant 'nope'"),
    ],
)
def test_bad_options_exit_2(small_file, args, needle):
    proc = run_cli("forecast", str(small_file), *args)
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr


def test_bad_file_exit_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("title: t\nissues: [{id: x, name: X}]\nactors: [{id: a, name: A, capability: -3}]\nstances: []\n")
    proc = run_cli("forecast", str(path))
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr and "capability" in proc.stderr and "'a'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_scenario_check_and_convert(small_file, tmp_path):
    assert run_cli("scenario", "check", str(small_file)).returncode == 0
    out = tmp_path / "small.csv"
    proc = run_cli("scenario", "convert", str(small_file), str(out))
    assert proc.returncode == 0 and out.read_text().startswith("actor,issue,position,salience,capability")
    assert run_cli("scenario", "check", str(out)).returncode == 0


def test_models_lists_every_model():
    proc = run_cli("models")
    assert proc.returncode == 0
    for model in ("mean", "weighted-mean", "weighted-median", "nash"):
        assert model in proc.stdout


def test_forecast_builtin_end_to_end():
    """The README's main job: the built-in scenario, every variant, every thesis judged."""
    from stakes import builtin_scenario
    from stakes.models import get_model

    sc = builtin_scenario()
    proc = run_cli("forecast", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["scenario"]["id"] == sc.id
    expected_variants = {"baseline", *(v.id for v in sc.variants)}
    assert {f["variant"] for f in data["forecasts"]} == expected_variants
    assert {f["model"] for f in data["forecasts"]} == set(sc.default_models)
    for f in data["forecasts"]:
        issue = sc.issue(f["issue"])
        assert issue.scale_min <= f["value"] <= issue.scale_max
        if get_model(f["model"]).dynamic:  # a model that runs in rounds reports the forecast of each round
            assert len(f["rounds"]) >= 2
        else:
            assert f["rounds"] is None
    assert [t["id"] for t in data["theses"]] == [t.id for t in sc.theses]  # side theses judged too
    assert all(t["holds"] in (True, False, None) for t in data["theses"])
    assert {t["model"] for t in data["theses"] if t["id"] in {s.id for s in sc.theses if s.kind == "side"}} == {
        "landscape"}
