"""Hostile numbers and degenerate scenarios: refused with a located message, never NaN, never a traceback."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml

from stakes.arrays import compile_scenario
from stakes.errors import ScenarioError
from stakes.forecast import forecast
from stakes.io.yaml_io import scenario_from_dict
from stakes.models import ModelResult
from stakes.models.base import check_finite
from stakes.strict_json import dumps, finite_or_none

from .conftest import run_main, small_scenario_dict


def _refuse(data: dict, *fragments: str) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, file="x.yaml")
    for frag in fragments:
        assert frag in str(info.value)


@pytest.mark.parametrize("value", [1e308, 1e16, float("inf"), float("nan")])
def test_overflowing_actor_capability_is_refused_naming_the_actor(value):
    d = small_scenario_dict()
    d["actors"][1]["capability"] = value
    _refuse(d, "actor 'ru'", "capability")


@pytest.mark.parametrize("value", [1e308, float("inf")])
def test_overflowing_stance_capability_is_refused(value):
    d = small_scenario_dict()
    d["stances"][2]["capability"] = value
    _refuse(d, "actor 'us'", "issue 'territory'", "capability")


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e300])
def test_a_thesis_threshold_must_be_a_finite_number(value):
    d = small_scenario_dict()
    d["theses"][0]["value"] = value
    _refuse(d, "theses.0", "field 'value'")


def test_overflowing_scale_is_refused():
    d = small_scenario_dict()
    d["issues"][1].update(scale_min=-1e308, scale_max=1e308)
    _refuse(d, "issue 'aid'", "scale_min")


def test_variant_scaling_capability_past_the_bound_is_refused(small_dict):
    small_dict["variants"].append({"id": "huge", "name": "H", "changes": [
        {"op": "scale_capability", "actor": "us", "value": 1e14}]})
    sc = scenario_from_dict(small_dict)
    with pytest.raises(ScenarioError, match="too large"):
        forecast(sc, models=["weighted-mean"], variants=["huge"])


def test_largest_accepted_magnitudes_give_finite_forecasts_in_every_model():
    d = small_scenario_dict()
    d["actors"][0]["capability"] = 1e15
    d["actors"][1]["capability"] = 1e-300
    d["issues"][1].update(scale_min=-1e15, scale_max=1e15)
    d["stances"][4]["position"], d["stances"][5]["position"] = 1e15, -1e15
    sc = scenario_from_dict(d)
    from stakes.models import list_models

    res = forecast(sc, models=[m.id for m in list_models()], variants=["baseline"])
    assert np.isfinite(res.frame().value).all()


@pytest.mark.parametrize("field", ["capability", "salience"])
def test_all_weight_zero_on_an_issue_is_a_clear_error(field):
    d = small_scenario_dict()
    if field == "capability":
        for a in d["actors"]:
            a["capability"] = 0
    else:
        for s in d["stances"]:
            if s["issue"] == "aid":
                s["salience"] = 0
    sc = scenario_from_dict(d)
    with pytest.raises(ScenarioError, match="no actor has any weight") as info:
        forecast(sc, models=["exchange"], variants=["baseline"])
    assert "issue '" in str(info.value)


def test_variant_removing_every_actor_is_a_clear_error(small_dict):
    small_dict["variants"].append({"id": "empty", "name": "E", "changes": [
        {"op": "remove_actor", "actor": a["id"]} for a in small_dict["actors"]]})
    sc = scenario_from_dict(small_dict)
    with pytest.raises(ScenarioError, match="removes every actor") as info:
        forecast(sc, models=["weighted-mean"])
    assert "empty" in str(info.value)


def test_cli_variant_removing_every_actor_exits_2(tmp_path, monkeypatch, capsys, small_dict):
    small_dict["variants"].append({"id": "empty", "name": "E", "changes": [
        {"op": "remove_actor", "actor": a["id"]} for a in small_dict["actors"]]})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small_dict))
    code, _out, err = run_main(monkeypatch, capsys, "forecast", str(path), "--format", "json")
    assert code == 2
    assert "removes every actor" in err and "Traceback" not in err


def test_check_finite_refuses_nan_naming_model_and_issue(small):
    arrays = compile_scenario(small)
    bad = ModelResult(model="m", forecast=np.array([[1.0, np.inf]]))
    with pytest.raises(ScenarioError, match="model 'm' on variant 'v'") as info:
        check_finite(bad, arrays, "v")
    assert "issue 'aid'" in str(info.value)
    good = ModelResult(model="m", forecast=np.array([[1.0, 2.0]]))
    assert check_finite(good, arrays) is good


def test_strict_json_writes_null_for_non_finite():
    value = {"a": [1.0, float("nan")], "b": np.float64("inf"), "c": (np.int64(3),)}
    assert finite_or_none(value) == {"a": [1.0, None], "b": None, "c": [3]}
    text = dumps(value)
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_forecast_json_is_strict(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "forecast", "--format", "json", "-v", "baseline",
                            "-m", "weighted-mean")
    assert code == 0
    payload = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert all(math.isfinite(f["value"]) for f in payload["forecasts"])


def test_error_messages_print_literally(tmp_path, monkeypatch, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("title: t\nissues: [{id: 'root:x:0:0', name: I}]\nactors: [{id: a, name: A, capability: 1}]\n"
                    "stances: [{actor: a, issue: i, position: 10, salience: 50}]\n")
    code, _, err = run_main(monkeypatch, capsys, "scenario", "check", str(path))
    assert code == 2
    assert "root:x:0:0" in err and "❌" not in err


def test_fail_escapes_markup(monkeypatch, capsys):
    from stakes.cli.app import fail

    with pytest.raises(SystemExit):
        fail("[bold]not markup[/] :x:")
    assert "[bold]not markup[/] :x:" in capsys.readouterr().err
