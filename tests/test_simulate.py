"""stakes.simulate and `stakes simulate`: per-run reference, thesis probabilities, JSON contract, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stakes.arrays import compile_scenario
from stakes.errors import OptionError
from stakes.forecast import forecast
from stakes.io import save_scenario
from stakes.models import run_model
from stakes.scenario import Scenario
from stakes.simulate import simulate
from stakes.uncertainty import perturb
from stakes.variants import apply_variant

from .conftest import run_main

MODELS = ["weighted-mean", "weighted-median"]


def scenario(uncertain: bool = True) -> Scenario:
    return Scenario.model_validate({
        "title": "sim test", "seed": 11, "models": MODELS,
        "issues": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y", "scale_min": -1, "scale_max": 1}],
        "actors": [{"id": "a", "name": "A", "capability": 50}, {"id": "b", "name": "B", "capability": 30},
                   {"id": "c", "name": "C", "capability": 20}],
        "stances": [{"actor": "a", "issue": "x", "position": 10, "salience": 80},
                    {"actor": "b", "issue": "x", "position": 90, "salience": 50},
                    {"actor": "c", "issue": "x", "position": 50, "salience": 100},
                    {"actor": "a", "issue": "y", "position": 1, "salience": 60},
                    {"actor": "b", "issue": "y", "position": -1, "salience": 40}],
        "variants": [{"id": "no-b", "name": "B leaves", "changes": [{"op": "remove_actor", "actor": "b"}]},
                     {"id": "c-up", "name": "C grows", "changes": [{"op": "scale_capability", "actor": "c",
                                                                     "value": 3}]}],
        "theses": [
            {"id": "low", "claim": "x ends below 40", "kind": "threshold", "issue": "x", "op": "<", "value": 40},
            {"id": "near-a", "claim": "x closer to A than B", "kind": "closer", "issue": "x", "actor": "a",
             "other": "b", "variant": "c-up", "model": "weighted-median"},
            {"id": "gone", "claim": "closer to B", "kind": "closer", "issue": "x", "actor": "b", "other": "c",
             "variant": "no-b"},
            {"id": "side", "claim": "sides", "kind": "side", "actors": ["a"], "with_actor": "b"}],
        "uncertainty": {"default": {"position": 15, "salience": 10, "capability": 0.3} if uncertain else {}},
    })


def test_matches_per_run_reference() -> None:
    sc = scenario()
    res = simulate(sc, 300, chunk_size=64)
    for variant in ("baseline", "no-b", "c-up"):
        vs = apply_variant(sc, variant)
        arr = compile_scenario(vs)
        for r in (0, 1, 63, 64, 299):  # one run at a time: the slow path
            one = perturb(vs, arr, 1, start=r, base=sc)
            for m in MODELS:
                got = res.runs[(res.runs.variant == variant) & (res.runs.model == m) & (res.runs.run == r)]
                np.testing.assert_allclose(got["value"].to_numpy(), run_model(m, one).forecast[0])


def test_summary_and_theses_from_runs() -> None:
    sc = scenario()
    res = simulate(sc, 2000)
    assert len(res.runs) == 2000 * 3 * 2 * 2
    s = res.summary().set_index(["variant", "issue", "model"])
    x = res.runs[(res.runs.variant == "baseline") & (res.runs.issue == "x") & (res.runs.model == "weighted-mean")]
    row = s.loc[("baseline", "x", "weighted-mean")]
    assert row["mean"] == pytest.approx(x.value.mean())
    assert row["q05"] == pytest.approx(np.quantile(x.value, 0.05))
    assert row["q95"] == pytest.approx(np.quantile(x.value, 0.95))
    t = res.thesis_table().set_index("thesis")
    assert set(t.index) == {"low", "near-a", "gone", "side"}
    # side theses are judged by landscape theory on the same seed
    from stakes.alignment import side_probabilities

    assert t.loc["side", "model"] == "landscape"
    assert t.loc["side", "probability"] == side_probabilities(sc, "baseline", 2000, seed=11).theses["side"]
    assert "side" not in set(simulate(sc, 10, sides=False).thesis_table().thesis)
    assert t.loc["low", "model"] == "weighted-mean" and t.loc["low", "runs"] == 2000
    assert t.loc["low", "probability"] == pytest.approx((x.value < 40).mean())
    assert np.isnan(t.loc["gone", "probability"])  # b was removed: not applicable
    # closer thesis: judged against each run's own perturbed positions
    vs = apply_variant(sc, "c-up")
    batch = perturb(vs, compile_scenario(vs), 2000, base=sc)
    f = res.runs[(res.runs.variant == "c-up") & (res.runs.issue == "x") & (res.runs.model == "weighted-median")]
    f = f.sort_values("run")["value"].to_numpy()
    expect = np.abs(f - batch.position[:, 0, 0]) < np.abs(f - batch.position[:, 1, 0])
    assert t.loc["near-a", "probability"] == pytest.approx(expect.mean())
    hist = res.histograms(bins=10)
    sums = hist.groupby(["variant", "issue", "model"])["count"].sum()
    assert (sums == 2000).all()


def test_no_uncertainty_equals_forecast() -> None:
    sc = scenario(uncertain=False)
    res = simulate(sc, 5)
    point = forecast(sc, models=MODELS).frame().set_index(["variant", "model", "issue"])["value"]
    s = res.summary()
    for row in s.itertuples():
        assert row.q05 == pytest.approx(point[(row.variant, row.model, row.issue)])
        assert row.q95 == pytest.approx(row.q05)
    verdicts = {v.thesis: v.holds for v in forecast(sc, models=MODELS).verdicts()}
    for row in res.thesis_table().itertuples():
        if row.model == "landscape":
            continue
        expect = verdicts[row.thesis]
        assert (np.isnan(row.probability) if expect is None else row.probability == float(expect))


def test_seed_changes_draws() -> None:
    sc = scenario()
    a, b = simulate(sc, 50, seed=1), simulate(sc, 50, seed=2)
    assert not np.allclose(a.runs.value, b.runs.value)
    assert simulate(sc, 50, seed=1).runs.equals(a.runs)


def test_runs_frame_to_parquet(tmp_path: Path) -> None:
    res = simulate(scenario(), 20)
    res.runs.to_parquet(tmp_path / "r.parquet")
    back = pd.read_parquet(tmp_path / "r.parquet")
    assert list(back.columns) == ["run", "variant", "model", "issue", "value"]
    np.testing.assert_array_equal(back.value, res.runs.value)


@pytest.mark.parametrize("kwargs", [{"runs": 0}, {"runs": -3}, {"runs": 10, "chunk_size": 0},
                                    {"runs": 10, "models": ["nope"]}, {"runs": 10, "seed": -1}])
def test_bad_options(kwargs: dict) -> None:
    with pytest.raises(OptionError):
        simulate(scenario(), **kwargs)


# -- the command line -----------------------------------------------------------------------------------------


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    save_scenario(scenario(), path)
    return path


def test_cli_json_contract(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                           scenario_file: Path) -> None:
    code, out, _ = run_main(monkeypatch, capsys, "simulate", str(scenario_file), "--runs", "300", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"runs", "seed", "forecasts", "theses"}
    assert payload["runs"] == 300 and payload["seed"] == 11
    assert len(payload["forecasts"]) == 3 * 2 * 2
    assert all(set(f) == {"variant", "issue", "model", "mean", "q05", "q50", "q95"} for f in payload["forecasts"])
    assert {(t["id"], t["variant"]) for t in payload["theses"]} == {("low", "baseline"), ("near-a", "c-up"),
                                                                    ("gone", "no-b"), ("side", "baseline")}
    assert all(set(t) == {"id", "variant", "probability"} for t in payload["theses"])
    ref = simulate(scenario(), 300)
    assert payload["forecasts"] == ref.payload()["forecasts"]


def test_cli_table_and_tidy_csv(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    save_scenario(scenario(), path)
    code, out, err = run_main(monkeypatch, capsys, "simulate", str(path), "--runs", "50", "--model", "weighted-mean",
                         "--position-sd", "5")
    assert code == 0, err
    assert "weighted-mean" in out and "50 runs" in out


@pytest.mark.parametrize("args, message", [
    (["--runs", "0"], "--runs must be"),
    (["--position-sd", "-5"], "--position-sd must be"),
    (["--capability-sd", "1e9"], "--capability-sd must be"),
    (["--salience-sd", "nan"], "--salience-sd must be"),
    (["--variant", "nope"], "unknown variant"),
    (["--workers", "-2"], "--workers"),
    (["--scheduler", "tcp://127.0.0.1:9", "--timeout", "1"], "cannot reach the Dask scheduler"),
])
def test_cli_bad_input_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                              scenario_file: Path, args: list[str], message: str) -> None:
    code, _, err = run_main(monkeypatch, capsys, "simulate", str(scenario_file), "--runs", "10", *args)
    assert code == 2
    assert message in " ".join(err.split()) and "Traceback" not in err


def test_cli_unwritable_out(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                            scenario_file: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = run_main(monkeypatch, capsys, "simulate", str(scenario_file), "--runs", "10", "--out",
                       str(blocker / "out"))
    assert code == 2 and "cannot write to the output folder" in " ".join(err.split())


def test_cli_full_disk(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                       scenario_file: Path, tmp_path: Path) -> None:
    def full(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_bytes(b"PAR1")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "out"
    code, _, err = run_main(monkeypatch, capsys, "simulate", str(scenario_file), "--runs", "10", "--out", str(out))
    assert code == 2 and "No space left on device" in err
    assert not [p for p in out.rglob("*") if p.is_file() and p.name not in ("manifest.json", "scenario.yaml")]
