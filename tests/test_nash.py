"""Nash bargaining: against a direct numerical maximisation (scipy) and the properties Achen states."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

from stakes.arrays import ScenarioArrays
from stakes.models.nash import joint, nash, per_issue


def _random(seed: int, b: int = 4, n: int = 6, d: int = 3, sq=None) -> ScenarioArrays:
    rng = np.random.default_rng(seed)
    return ScenarioArrays(
        tuple(f"a{i}" for i in range(n)), tuple(f"i{k}" for k in range(d)),
        np.repeat(rng.uniform(0.1, 2, (b, n, 1)), d, axis=2), rng.uniform(0, 100, (b, n, d)),
        rng.uniform(0.05, 1, (b, n, d)), np.ones((n, d), bool), np.zeros(d), np.full(d, 100.0),
        np.full(d, np.nan) if sq is None else np.asarray(sq, float))


@pytest.mark.parametrize("seed", range(5))
def test_per_issue_matches_scipy(seed):
    arr = _random(seed)
    got = per_issue(arr)
    x, s, c = arr.position / 100, arr.salience, arr.capability
    for b in range(arr.n_batch):
        for k in range(arr.n_issues):
            xs, ss, w = x[b, :, k], s[b, :, k], c[b, :, k] * s[b, :, k]
            loss_d = ss * np.maximum(xs, 1 - xs) ** 2

            def f(t, xs=xs, ss=ss, w=w, loss_d=loss_d):
                return -(w * np.log(loss_d - ss * (t - xs) ** 2)).sum()

            ref = minimize_scalar(f, bounds=(0, 1), method="bounded", options={"xatol": 1e-10}).x
            assert abs(ref - got[b, k]) < 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_joint_matches_scipy(seed):
    arr = _random(seed, b=3)
    got = joint(arr)
    x, s = arr.position / 100, arr.salience
    for b in range(arr.n_batch):
        w = arr.capability[b, :, 0] * s[b].sum(1)
        loss_d = (s[b] * np.maximum(x[b], 1 - x[b]) ** 2).sum(1)

        def f(t, b=b, w=w, loss_d=loss_d):
            return -(w * np.log(np.maximum(loss_d - (s[b] * (t - x[b]) ** 2).sum(1), 1e-300))).sum()

        ref = minimize(f, np.full(arr.n_issues, 0.5), method="Nelder-Mead",
                       options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000}).x
        assert f(got[b]) <= f(ref) + 1e-9  # at least as good as scipy's optimum
        np.testing.assert_allclose(got[b], ref, atol=1e-5)


def test_joint_equals_per_issue_on_one_issue():
    arr = _random(11, d=1)
    np.testing.assert_allclose(joint(arr), per_issue(arr), atol=1e-7)


def test_distant_reversion_point_approaches_the_compromise_model():
    # Achen: with quadratic loss and a far reversion point, the NBS tends to Σ c s x / Σ c s
    arr = _random(3, d=1)
    w = arr.capability * arr.salience
    compromise = (w * arr.position).sum(1) / w.sum(1)
    errors = []
    for distance in (1e3, 1e4, 1e5, 1e6):
        far = ScenarioArrays(arr.actor_ids, arr.issue_ids, arr.capability, arr.position, arr.salience, arr.mask,
                             np.array([-distance]), np.array([distance]), np.array([-distance]))
        errors.append(np.abs(nash(far).forecast - compromise).max())
    assert errors == sorted(errors, reverse=True)  # closer and closer as the reversion point recedes
    assert errors[-1] < 2e-3


def test_status_quo_inside_the_pareto_set_is_kept():
    # two actors at 0 and 100, status quo 50: no point helps both, so no deal moves the issue
    arr = ScenarioArrays(("a", "b"), ("x",), np.ones((1, 2, 1)), np.array([[[0.0], [100.0]]]), np.ones((1, 2, 1)),
                         np.ones((2, 1), bool), np.array([0.0]), np.array([100.0]), np.array([50.0]))
    assert nash(arr).forecast[0, 0] == pytest.approx(50.0)
    assert nash(arr, mode="joint").forecast[0, 0] == pytest.approx(50.0)


def test_status_quo_outside_moves_toward_actors():
    arr = _random(5, d=2, sq=[0.0, 100.0])
    out = nash(arr).forecast
    assert np.all(out >= arr.position.min(1) - 1e-9) and np.all(out <= arr.position.max(1) + 1e-9)
