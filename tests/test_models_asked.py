"""A command runs only the models asked for; theses whose model was not run say so."""

from __future__ import annotations

import math

from stakes import forecast, simulate
from stakes.io.yaml_io import scenario_from_dict

from .conftest import run_main, small_scenario_dict


def _scenario():
    data = small_scenario_dict()
    data["theses"][0]["model"] = "bdm"
    data["theses"].append({"id": "t-side", "kind": "side", "claim": "US sides with Ukraine", "actors": ["us"],
                           "with_actor": "ua"})
    return scenario_from_dict(data)


def test_forecast_with_named_models_runs_no_other_model_nor_landscape():
    result = forecast(_scenario(), models=["weighted-mean"], variants=["baseline", "us-out"])
    assert {m for _v, m in result.results} == {"weighted-mean"}
    verdicts = {v.thesis: v for v in result.verdicts()}
    assert verdicts["t-below"].holds is None and verdicts["t-below"].detail.startswith("not run: model 'bdm'")
    assert verdicts["t-side"].holds is None and verdicts["t-side"].detail.startswith("not run: landscape")
    assert verdicts["t-closer"].holds is not None
    # without named models, the side thesis is judged by landscape theory
    assert forecast(_scenario(), variants=["baseline"]).verdicts()[-1].holds is not None


def test_simulate_judges_only_theses_of_the_models_run():
    res = simulate(_scenario(), 20, models=["weighted-mean"], variants=["baseline", "us-out"], sides=False)
    assert set(res.runs["model"].unique()) == {"weighted-mean"}
    table = res.thesis_table().set_index("thesis")
    assert math.isnan(table.loc["t-below", "probability"]) and table.loc["t-below", "model"] == "bdm"
    assert not math.isnan(table.loc["t-closer", "probability"])
    assert "t-side" not in table.index


def test_simulate_cli_says_not_run(monkeypatch, capsys, tmp_path):
    from stakes.io import save_scenario

    path = tmp_path / "s.yaml"
    save_scenario(_scenario(), path)
    code, out, err = run_main(monkeypatch, capsys, "simulate", str(path), "--runs", "20", "-m", "weighted-mean")
    assert code == 0, err
    assert "not run" in out and "side theses: not run" in out
