"""Sobol indices against the closed form of a linear model, invariants, and `stakes sensitivity`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stakes.errors import OptionError
from stakes.io import save_scenario
from stakes.scenario import Scenario
from stakes.sensitivity import sensitivity

from .conftest import run_main

CAP = {"a": 50.0, "b": 30.0, "c": 20.0, "d": 10.0}
SAL = {"a": 80.0, "b": 50.0, "c": 100.0, "d": 60.0}
SD = {"a": 2.0, "b": 4.0, "c": 1.0, "d": 3.0}


def linear_scenario(**default: float) -> Scenario:
    """Positions near the middle with small sds: the weighted mean is linear in them (no clipping)."""
    return Scenario.model_validate({
        "title": "sens", "seed": 5, "models": ["weighted-mean"],
        "issues": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y"}],
        "actors": [{"id": k, "name": k.upper(), "capability": v} for k, v in CAP.items()],
        "stances": [*({"actor": k, "issue": "x", "position": 50, "salience": SAL[k], "position_sd": SD[k]}
                      for k in "abc"),
                    {"actor": "d", "issue": "y", "position": 40, "salience": 60, "position_sd": 3},
                    {"actor": "a", "issue": "y", "position": 60, "salience": 60, "position_sd": 0}],
        "uncertainty": {"default": default},
    })


def test_matches_closed_form_of_weighted_mean() -> None:
    res = sensitivity(linear_scenario(), model="weighted-mean", samples=1024)
    assert res.samples == 1024
    groups = 4  # positions of a, b, c on x and of d on y (a's position on y has no spread)
    assert res.evaluations == 1024 * (groups + 2)
    # Var(Σ w x / W) = Σ (w/W)² σ²  =>  S1 = ST = w_k² σ_k² / Σ w_i² σ_i²
    w = {k: CAP[k] * SAL[k] for k in "abc"}
    var = {k: w[k] ** 2 * SD[k] ** 2 for k in "abc"}
    total = sum(var.values())
    x = res.indices[res.indices.issue == "x"].set_index("actor")
    for k in "abc":
        assert x.loc[k, "S1"] == pytest.approx(var[k] / total, abs=0.04)
        assert x.loc[k, "ST"] == pytest.approx(var[k] / total, abs=0.04)
    assert abs(x.loc["d", "ST"]) < 0.01  # d has no stance on x
    y = res.indices[res.indices.issue == "y"].set_index("actor")
    assert y.loc["d", "ST"] == pytest.approx(1.0, abs=0.04)
    top = res.top(2)
    assert list(top[top.issue == "x"].actor) == sorted("abc", key=lambda k: -var[k])[:2]
    bars = res.plot_data()
    assert bars["x"][0]["label"] == f"{top.actor.iloc[0]} position"


def test_capability_and_salience_factors() -> None:
    res = sensitivity(linear_scenario(capability=0.3, salience=10), model="weighted-mean", samples=256)
    kinds = set(zip(res.indices.factor, res.indices.actor, strict=True))
    assert ("capability", "a") in kinds and ("salience", "b") in kinds
    y = res.indices[res.indices.issue == "y"].set_index(["factor", "actor"])
    # b and c have no stance on y: their capability and salience cannot move it
    for key in [("capability", "b"), ("salience", "c"), ("position", "b")]:
        assert abs(y.loc[key, "ST"]) < 0.02
    assert (res.indices.ST >= -0.05).all() and np.isfinite(res.indices.ST).all()


def test_nothing_uncertain_is_an_error() -> None:
    sc = linear_scenario()
    sc = sc.model_copy(update={"stances": tuple(s.model_copy(update={"position_sd": None}) for s in sc.stances)})
    with pytest.raises(OptionError, match="nothing is uncertain"):
        sensitivity(sc, model="weighted-mean")
    with pytest.raises(OptionError, match="--samples"):
        sensitivity(linear_scenario(), samples=0)




def test_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    save_scenario(linear_scenario(), path)
    code, out, err = run_main(monkeypatch, capsys, "sensitivity", str(path), "--samples", "64", "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["model"] == "weighted-mean" and payload["samples"] == 64
    assert {r["issue"] for r in payload["indices"]} == {"x", "y"} and "x" in payload["top"]
    code, out, err = run_main(monkeypatch, capsys, "sensitivity", str(path), "--samples", "64")
    assert code == 0 and "position" in out
    for bad in (["--samples", "0"], ["--position-sd", "-1"], ["--variant", "nope"], ["--model", "nope"]):
        code, _, err = run_main(monkeypatch, capsys, "sensitivity", str(path), *bad)
        assert code == 2 and "error" in err and "Traceback" not in err


@pytest.mark.parametrize("groups", [["g1", "g2", "g1", "g3", "g2"], None, ["g"] * 5,
                                    ["x0", "x1", "x2", "x3", "x4"]])
def test_saltelli_sample_is_salibs_matrix(groups):
    """The vectorised layout gives SALib's own sample, bit for bit (grouped, ungrouped, one group, groups =
    names), with non-unit bounds so the scaling is checked too."""
    from SALib.sample import sobol as salib_sobol

    from stakes.sensitivity import saltelli_sample

    problem = {"num_vars": 5, "names": [f"x{i}" for i in range(5)],
               "bounds": [[0.0, 1.0], [-2.0, 3.0], [0.0, 1.0], [10.0, 11.5], [0.0, 1.0]]}
    if groups is not None:
        problem["groups"] = groups
    ours = saltelli_sample(dict(problem), 16, 7)
    theirs = salib_sobol.sample(dict(problem), 16, calc_second_order=False, seed=7)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)
