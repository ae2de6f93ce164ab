"""The calibrated ensemble: the fit, the shipped parameters, the model, and forecasts judged by probability."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from stakes import builtin_scenario, forecast
from stakes.arrays import compile_scenario
from stakes.ensemble import predict, shipped_params
from stakes.ensemble.components import component_quantiles, weighted_quantiles
from stakes.ensemble.fit import calibration_gap, combine, fit_level, fit_weights, grouped_folds
from stakes.models import run_model
from stakes.scoring import QUANTILE_LEVELS

from .conftest import ROOT, run_main

DEU = ROOT / "tests" / "data" / "deu3" / "deu3-dev.tsv"


def test_the_lp_recovers_a_convex_combination():
    rng = np.random.default_rng(0)
    q = rng.uniform(0, 1, size=(200, 3))
    y = 0.3 * q[:, 0] + 0.7 * q[:, 2]
    w = fit_level(q, y, 0.5)
    assert w == pytest.approx([0.3, 0.0, 0.7], abs=1e-6)
    assert w.sum() == pytest.approx(1.0)


def test_weights_per_level_follow_the_level():
    # component 0 is always low, component 1 always high: low levels lean on 0, high levels on 1
    n = 300
    rng = np.random.default_rng(1)
    y = rng.uniform(0.2, 0.8, n)
    comp = np.zeros((n, 2, len(QUANTILE_LEVELS)))
    comp[:, 0] = 0.0
    comp[:, 1] = 1.0
    w = fit_weights(comp, y)
    assert w[0, 0] > 0.7 and w[-1, 1] > 0.7
    q = combine(comp, w)
    assert (np.diff(q, axis=-1) >= -1e-12).all()


def test_grouped_folds_keep_groups_together():
    groups = np.array(list("aabbbcddddeeffg"))
    folds = grouped_folds(groups, 4, seed=3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(groups)))
    for f in folds:
        others = np.setdiff1d(np.arange(len(groups)), f)
        assert not set(groups[f]) & set(groups[others])


def test_calibration_gap_accepts_atoms():
    y = np.array([0.0] * 40 + list(np.linspace(0.1, 1, 60)))
    # a quantile at the atom 0 is calibrated for every τ up to 0.4 (P(y<0)=0 ≤ τ ≤ P(y≤0)=0.4)
    assert calibration_gap(y, np.zeros(100), 0.05) == 0
    assert calibration_gap(y, np.zeros(100), 0.4) == 0
    assert calibration_gap(y, np.zeros(100), 0.6) == pytest.approx(0.2)


def test_weighted_quantiles_median_is_the_weighted_median(small):
    arrays = compile_scenario(small)
    q = weighted_quantiles(arrays.position, arrays.weights())
    med = run_model("weighted-median", arrays).forecast
    assert q[0, :, list(QUANTILE_LEVELS).index(0.5)] == pytest.approx(med[0])


def test_shipped_parameters_name_their_training_data():
    p = shipped_params()
    prov = p.provenance
    assert prov["training_sha256"] == hashlib.sha256(DEU.read_bytes()).hexdigest()
    assert prov["cross_validation"]["grouped_by"] == "proposal"
    assert {"mae", "crps", "cover50", "cover90", "mae_diff_vs_weighted_mean"} <= set(prov["cv_scores"])
    assert np.allclose(p.weights.sum(axis=1), 1.0, atol=1e-5) and (p.weights >= 0).all()
    assert p.scales.shape == (19,)


def test_ensemble_model_gives_ordered_quantiles_inside_the_scale(small):
    arrays = compile_scenario(small)
    res = run_model("ensemble", arrays)
    q = res.extra["quantiles"]
    assert q.shape == (1, arrays.n_issues, 19)
    assert (np.diff(q, axis=-1) >= -1e-9).all()
    assert (q >= arrays.scale_min[None, :, None] - 1e-9).all() and (q <= arrays.scale_max[None, :, None] + 1e-9).all()
    assert (res.forecast[0] >= q[0, :, 0]).all() and (res.forecast[0] <= q[0, :, -1]).all()
    # the same arithmetic as predict() on the component forecasts
    again = predict(arrays, res.extra["components"])
    assert np.array_equal(again, q)
    comp = component_quantiles(arrays, res.extra["components"])
    assert comp.shape[:2] == (1, arrays.n_issues)


def test_ensemble_is_batched(small):
    arrays = compile_scenario(small)
    one = run_model("ensemble", arrays).extra["quantiles"]
    many = run_model("ensemble", arrays.batch(3)).extra["quantiles"]
    assert np.allclose(many, np.repeat(one, 3, axis=0))


@pytest.fixture(scope="module")
def builtin_json():
    from stakes.cli.forecast import forecast_payload

    return {r: forecast_payload(forecast(builtin_scenario(), params={"bdm": {"rounds": r}}))
            for r in (8, 9, 20)}


def test_builtin_forecast_has_ensemble_quantiles_everywhere(builtin_json):
    data = builtin_json[8]
    sc = builtin_scenario()
    rows = [r for r in data["forecasts"] if r["model"] == "ensemble"]
    assert len(rows) == (1 + len(sc.variants)) * len(sc.issues)
    for r in rows:
        assert r["q05"] <= r["q25"] <= r["q50"] <= r["q75"] <= r["q95"]
        assert r["q05"] <= r["value"] <= r["q95"]


def test_builtin_forecast_diagnoses_bdm_on_territory(builtin_json):
    kinds = {(d["issue"], d["model"], d["kind"]) for d in builtin_json[8]["diagnostics"]}
    assert ("territory", "bdm", "oscillation") in kinds
    assert ("territory", "ensemble", "domain") in kinds
    assert any(k[2] == "nash-status-quo" for k in kinds)


def test_every_bargaining_thesis_has_a_probability_and_verdicts_do_not_move_with_rounds(builtin_json):
    verdicts = {}
    for r, data in builtin_json.items():
        bargaining = [t for t in data["theses"] if t["model"] != "landscape"]
        assert bargaining and all(t["probability"] is not None for t in bargaining)
        for t in bargaining:
            assert t["holds"] == (t["probability"] > 0.5)
        verdicts[r] = [(t["id"], t["variant"], t["holds"]) for t in data["theses"]]
    assert verdicts[8] == verdicts[9] == verdicts[20]


def test_a_picked_model_judges_the_theses(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "forecast", "-m", "weighted-mean", "-v", "baseline", "-f", "json")
    assert code == 0
    data = json.loads(out)
    judged = [t for t in data["theses"] if t["variant"] == "baseline" and t["model"] != "landscape"]
    assert judged and all(t["model"] == "weighted-mean" and t["holds"] is not None for t in judged)
    assert all("judged by weighted-mean" in t["detail"] for t in judged)
