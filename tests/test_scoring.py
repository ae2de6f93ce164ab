"""The shared scoring code: CRPS, coverage, point scores and the grouped bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from stakes.scoring import (
    QUANTILE_LEVELS,
    covered,
    crps,
    grouped_bootstrap_mean,
    named_quantiles,
    point_quantiles,
    point_scores,
    quantiles_from_samples,
    to_percent_of_scale,
)


def test_crps_of_a_point_forecast_is_its_absolute_error():
    f = np.array([10.0, 50.0, 80.0])
    y = np.array([30.0, 50.0, 20.0])
    assert np.allclose(crps(point_quantiles(f), y), np.abs(f - y))


def test_crps_is_scoringrules_quantile_crps():
    """The written-out formula gives scoringrules' numbers exactly (when scoringrules is installed)."""
    sr = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(0)
    grid, y = rng.normal(50, 20, (300, len(QUANTILE_LEVELS))), rng.normal(50, 20, 300)
    grid[:10] = np.round(grid[:10])
    y[:10] = grid[:10, 3]  # outcomes equal to a quantile
    expected = sr.crps_quantile(y, np.sort(grid, axis=-1), QUANTILE_LEVELS, backend="numpy")
    np.testing.assert_array_equal(crps(grid, y), expected)


def test_crps_of_a_normal_grid_is_close_to_the_closed_form():
    # Quantile-grid CRPS of N(0, 1) at y = 0.3 vs the exact Gneiting-Raftery formula: the 19-level grid is
    # an approximation (here about 5 % high).
    grid = stats.norm.ppf(QUANTILE_LEVELS)
    y = 0.3
    exact = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / np.sqrt(np.pi)
    approx = float(crps(grid, np.array(y)))
    assert approx == pytest.approx(exact, rel=0.08)


def test_a_sharper_correct_forecast_scores_better():
    y = np.array(50.0)
    wide = quantiles_from_samples(np.linspace(0, 100, 1001))
    sharp = quantiles_from_samples(np.linspace(40, 60, 1001))
    assert crps(sharp, y) < crps(wide, y)


def test_coverage_uses_the_central_intervals():
    grid = quantiles_from_samples(np.linspace(0, 100, 100_001))
    q = named_quantiles(grid)
    assert float(q["q05"]) == pytest.approx(5, abs=0.01)
    assert bool(covered(grid, np.array(30.0), 0.5)) is True
    assert bool(covered(grid, np.array(20.0), 0.5)) is False
    assert bool(covered(grid, np.array(6.0), 0.9)) is True
    assert bool(covered(grid, np.array(97.0), 0.9)) is False


def test_point_scores():
    s = point_scores([0, 4, 9, 15, 30])
    assert s.n == 5
    assert s.mae == pytest.approx(11.6)
    assert s.medae == 9
    assert s.hit5 == pytest.approx(0.4)
    assert s.hit10 == pytest.approx(0.6)
    assert s.hit20 == pytest.approx(0.8)
    assert s.rmse == pytest.approx(np.sqrt(np.mean(np.square([0, 4, 9, 15, 30]))))


def test_percent_of_scale():
    assert to_percent_of_scale(1.0, 0, 10) == pytest.approx(10.0)
    assert to_percent_of_scale(np.array([2.0]), -1, 1)[0] == pytest.approx(100.0)


def test_grouped_bootstrap_resamples_groups():
    # Two groups with opposite effects: a case-level bootstrap would be too narrow; the grouped interval
    # must be wide and contain zero-ish values, and it must contain the estimate.
    values = np.array([5.0] * 10 + [-5.0] * 10)
    groups = ["a"] * 10 + ["b"] * 10
    ci = grouped_bootstrap_mean(values, groups, n_boot=500, seed=1)
    assert ci.estimate == pytest.approx(0.0)
    assert ci.low == pytest.approx(-5.0) and ci.high == pytest.approx(5.0)
    constant = grouped_bootstrap_mean(np.full(6, 2.0), list("aabbcc"), n_boot=200)
    assert (constant.low, constant.estimate, constant.high) == pytest.approx((2.0, 2.0, 2.0))
