"""``stakes scenario check`` refuses what ``forecast`` refuses; model parameters are bounded and typed."""

from __future__ import annotations

import pytest
import yaml

from stakes.errors import OptionError
from stakes.models import get_model, list_models

from .conftest import run_main, small_scenario_dict


def _write(tmp_path, data: dict) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


BAD = {
    "unknown model": ({"models": ["bdmx"]}, "unknown model 'bdmx'"),
    "parameters of unknown model": ({"parameters": {"bdmx": {"rounds": 3}}}, "unknown model 'bdmx'"),
    "unknown parameter": ({"parameters": {"bdm": {"roundz": 3}}}, "no parameter 'roundz'"),
    "rounds too large": ({"parameters": {"exchange": {"rounds": 10_000_000}}}, "between 1 and 1000"),
    "smp forever": ({"parameters": {"smp": {"rounds": 100_000_000, "min_turns": 100_000_000}}}, "between"),
    "rounds not whole": ({"parameters": {"bdm": {"rounds": 2.5}}}, "whole number"),
    "rounds a string": ({"parameters": {"bdm": {"rounds": "1e7"}}}, "must be a number"),
    "probability above 1": ({"parameters": {"bdm": {"Q": 2}}}, "between 0 and 1"),
    "choice": ({"parameters": {"exchange": {"tie_break": "random"}}}, "must be one of"),
    "variant off the scale": ({"variants": [{"id": "v", "name": "V", "changes": [
        {"op": "move_position", "actor": "ua", "issue": "territory", "value": 500}]}]}, "outside the scale"),
    "variant removes everyone": ({"variants": [{"id": "v", "name": "V", "changes": [
        {"op": "remove_actor", "actor": a} for a in ("ua", "ru", "us", "hu")]}]}, "removes every actor"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_check_refuses_what_forecast_refuses(case, tmp_path, monkeypatch, capsys):
    update, fragment = BAD[case]
    data = small_scenario_dict()
    if "variants" in update:
        update = {"variants": [*data["variants"], *update["variants"]]}
    data.update(update)
    path = _write(tmp_path, data)
    code, _, err = run_main(monkeypatch, capsys, "scenario", "check", path)
    assert code == 2 and fragment in err and "Traceback" not in err
    assert f"file {path}" in err
    code, _, err2 = run_main(monkeypatch, capsys, "forecast", path)
    assert code == 2 and fragment in err2


def test_check_accepts_a_good_file(tmp_path, monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "scenario", "check", _write(tmp_path, small_scenario_dict()))
    assert code == 0 and out.startswith("ok:")


def test_every_numeric_parameter_of_every_model_is_bounded():
    for spec in list_models():
        for p in spec.parameters:
            if p.choices is None and isinstance(p.default, int | float) and not isinstance(p.default, bool):
                assert p.low is not None and p.high is not None, (spec.id, p.name)
                with pytest.raises(OptionError):
                    spec.resolve({p.name: p.high * 2 + 1})
                with pytest.raises(OptionError):
                    spec.resolve({p.name: float("nan")})


def test_parameters_are_converted_to_their_type():
    assert get_model("bdm").resolve({"rounds": 8.0})["rounds"] == 8
    assert isinstance(get_model("bdm").resolve({"rounds": 8.0})["rounds"], int)
    assert get_model("bdm").resolve({"T": None})["T"] is None


def test_cli_rounds_option_is_bounded(monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "forecast", "-m", "exchange", "--rounds", "5000")
    assert code == 2 and "between 1 and 1000" in err


def test_simulate_refuses_bad_parameters_before_work(tmp_path, monkeypatch, capsys):
    data = small_scenario_dict()
    data["parameters"] = {"weighted-mean": {}, "bdm": {"rounds": 0}}
    code, _, err = run_main(monkeypatch, capsys, "simulate", _write(tmp_path, data), "-m", "bdm", "--runs", "10")
    assert code == 2 and "between 1 and 1000" in err


def test_smp_forecast_ignores_units_of_capability_and_keeps_ktab_behaviour_as_an_option():
    """BdM 1994's capabilities are vote shares (0.03–0.16): KTAB's absolute constants make its raw result
    depend on that; rescaled to a largest of 100, shares, percentages and thousandths agree (to rounding)."""
    import numpy as np

    from stakes.arrays import ScenarioArrays, compile_scenario
    from stakes.validation.bdm1994 import bdm1994_scenario

    from .conftest import VALIDATION

    arrays = compile_scenario(bdm1994_scenario(VALIDATION / "bdm1994-emissions"))
    spec = get_model("smp")
    raw = spec.resolve({"capability_scale": "as-given"})
    runs = {}
    for factor in (1.0, 100.0, 0.001):
        scaled = ScenarioArrays(**{**arrays.__dict__, "capability": arrays.capability * factor})
        runs[factor] = (spec.run(scaled).forecast, spec.run(scaled, **raw).forecast)
    assert np.allclose(runs[1.0][0], runs[100.0][0], rtol=0, atol=1e-9)
    assert np.allclose(runs[1.0][0], runs[0.001][0], rtol=0, atol=1e-9)
    assert abs(runs[1.0][1] - runs[100.0][1]).max() > 1e-3  # KTAB's own behaviour moves with the units
