"""The scenario data model: validation at the boundary and variants."""

from __future__ import annotations

import math

import pytest

from stakes.arrays import compile_scenario
from stakes.errors import ScenarioError
from stakes.io.yaml_io import scenario_from_dict
from stakes.variants import apply_variant


def _error(data: dict) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, file="x.yaml")
    return info.value


def test_small_scenario_compiles(small):
    arr = compile_scenario(small)
    assert arr.position.shape == (1, 4, 2)
    assert arr.mask.tolist() == [[True, True], [True, True], [True, True], [True, False]]
    assert arr.salience[0, 0, 0] == 1.0  # 100 on file -> 1.0 in the core
    assert arr.capability[0, 3, 1] == 0.0  # no stance -> no weight
    assert math.isnan(arr.status_quo[0]) and arr.status_quo[1] == 0.0


def test_missing_field_names_key_and_field(small_dict):
    del small_dict["stances"][2]["salience"]
    err = _error(small_dict)
    assert err.file == "x.yaml" and err.field == "salience" and err.row == "stances.2"
    assert err.actor == "us" and err.issue == "territory"
    assert "missing" in str(err)


def test_duplicate_actor(small_dict):
    small_dict["actors"].append(dict(small_dict["actors"][0]))
    assert "actor id 'ua' is used twice" in str(_error(small_dict))


def test_unknown_actor_in_stance(small_dict):
    small_dict["stances"][0]["actor"] = "xx"
    assert "unknown actor 'xx'" in str(_error(small_dict))


def test_unknown_issue_in_stance(small_dict):
    small_dict["stances"][0]["issue"] = "nope"
    assert "unknown issue 'nope'" in str(_error(small_dict))


def test_position_outside_scale(small_dict):
    small_dict["stances"][4]["position"] = 11
    msg = str(_error(small_dict))
    assert "outside" in msg and "-10.0..10.0" in msg and "'ua'" in msg


def test_negative_capability(small_dict):
    small_dict["actors"][1]["capability"] = -1
    err = _error(small_dict)
    assert err.field == "capability" and err.actor == "ru" and "greater than or equal to 0" in str(err)


def test_nan_position(small_dict):
    small_dict["stances"][0]["position"] = float("nan")
    err = _error(small_dict)
    assert err.field == "position" and "finite" in str(err)


def test_wrong_type(small_dict):
    small_dict["stances"][0]["salience"] = "high"
    err = _error(small_dict)
    assert err.field == "salience" and err.actor == "ua"


def test_unknown_key(small_dict):
    small_dict["actors"][0]["colour"] = "blue"
    err = _error(small_dict)
    assert err.field == "colour" and "unknown key" in str(err)


def test_salience_above_100(small_dict):
    small_dict["stances"][0]["salience"] = 101
    assert _error(small_dict).field == "salience"


def test_variant_cycle(small_dict):
    small_dict["variants"][0]["base"] = "us-out-hu-up"
    assert "cycle" in str(_error(small_dict))


def test_asymmetric_affinity_rejected(small_dict):
    small_dict["affinities"] = [{"a": "ua", "b": "ru", "value": -1}, {"a": "ru", "b": "ua", "value": 0.5}]
    assert "symmetric" in str(_error(small_dict))


def test_variant_chain_applies_base_first(small):
    v = apply_variant(small, "us-out-hu-up")
    assert "us" not in v.actor_ids
    assert v.stance("hu", "territory").salience == 90
    assert small.stance("hu", "territory").salience == 40  # the baseline is untouched


def test_variant_scale_and_move(small_dict):
    small_dict["variants"].append({"id": "v", "name": "v", "changes": [
        {"op": "scale_capability", "actor": "ru", "value": 0.5},
        {"op": "move_position", "actor": "us", "issue": "territory", "value": 30},
        {"op": "scale_salience", "actor": "ua", "value": 0.5},
    ]})
    v = apply_variant(scenario_from_dict(small_dict), "v")
    assert v.actor("ru").capability == 30
    assert v.stance("us", "territory").position == 50
    assert v.stance("ua", "territory").salience == 50 and v.stance("ua", "aid").salience == 50


def test_variant_moving_off_scale_is_an_error(small_dict):
    small_dict["variants"].append({"id": "v", "name": "v", "changes": [
        {"op": "move_position", "actor": "us", "issue": "territory", "value": 300}]})
    with pytest.raises(ScenarioError) as info:
        apply_variant(scenario_from_dict(small_dict), "v")
    assert info.value.actor == "us" and info.value.field == "position"


def test_unknown_variant(small):
    with pytest.raises(ScenarioError) as info:
        apply_variant(small, "nope")
    assert "unknown variant 'nope'" in str(info.value)


def test_plus_minus_spreads(small_dict):
    small_dict["stances"][0]["position"] = "30 ± 10"
    small_dict["stances"][1]["salience"] = "80 +/- 5"
    sc = scenario_from_dict(small_dict)
    assert (sc.stances[0].position, sc.stances[0].position_sd) == (30.0, 10.0)
    assert (sc.stances[1].salience, sc.stances[1].salience_sd) == (80.0, 5.0)


def test_plus_minus_garbage_names_the_field(small_dict):
    small_dict["stances"][0]["position"] = "thirty ± ten"
    err = _error(small_dict)
    assert err.field == "position" and err.actor == "ua"
