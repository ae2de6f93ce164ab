"""Baseline models and the invariants every one-shot model must satisfy (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stakes.arrays import ScenarioArrays
from stakes.models import get_model

ONE_SHOT = ["mean", "weighted-mean", "weighted-median", "nash"]


@st.composite
def scenarios(draw, max_actors: int = 8, max_issues: int = 3):
    n = draw(st.integers(2, max_actors))
    d = draw(st.integers(1, max_issues))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    lo = rng.uniform(-50, 50, d)
    hi = lo + rng.uniform(1, 200, d)
    pos = lo + rng.uniform(0, 1, (1, n, d)) * (hi - lo)
    return ScenarioArrays(
        actor_ids=tuple(f"a{i}" for i in range(n)), issue_ids=tuple(f"i{k}" for k in range(d)),
        capability=np.repeat(rng.uniform(0.1, 10, (1, n, 1)), d, axis=2), position=pos,
        salience=rng.uniform(0.05, 1, (1, n, d)), mask=np.ones((n, d), bool),
        scale_min=lo, scale_max=hi, status_quo=np.full(d, np.nan),
    )


def _run(model: str, arr: ScenarioArrays) -> np.ndarray:
    spec = get_model(model)
    return spec.run(arr, **spec.defaults()).forecast


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_weighted_mean_within_range(arr):
    f = _run("weighted-mean", arr)
    assert np.all(f >= arr.position.min(axis=1) - 1e-9) and np.all(f <= arr.position.max(axis=1) + 1e-9)


@settings(max_examples=40, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_permuting_actors_changes_nothing(arr, rnd):
    perm = list(range(arr.n_actors))
    rnd.shuffle(perm)
    permuted = ScenarioArrays(
        tuple(arr.actor_ids[i] for i in perm), arr.issue_ids, arr.capability[:, perm], arr.position[:, perm],
        arr.salience[:, perm], arr.mask[perm], arr.scale_min, arr.scale_max, arr.status_quo)
    for model in ONE_SHOT:
        np.testing.assert_allclose(_run(model, permuted), _run(model, arr), rtol=1e-7, atol=1e-7 * arr.span.max())


@settings(max_examples=40, deadline=None)
@given(scenarios(), st.floats(0.01, 100))
def test_scaling_capabilities_changes_nothing(arr, k):
    scaled = ScenarioArrays(arr.actor_ids, arr.issue_ids, arr.capability * k, arr.position, arr.salience,
                            arr.mask, arr.scale_min, arr.scale_max, arr.status_quo)
    for model in ONE_SHOT:
        np.testing.assert_allclose(_run(model, scaled), _run(model, arr), rtol=1e-7, atol=1e-7 * arr.span.max())


@settings(max_examples=40, deadline=None)
@given(scenarios(), st.floats(0.1, 10), st.floats(-100, 100))
def test_rescaling_the_issue_rescales_the_forecast(arr, a, b):
    moved = ScenarioArrays(arr.actor_ids, arr.issue_ids, arr.capability, a * arr.position + b, arr.salience,
                           arr.mask, a * arr.scale_min + b, a * arr.scale_max + b, arr.status_quo)
    for model in ONE_SHOT:
        np.testing.assert_allclose(_run(model, moved), a * _run(model, arr) + b, rtol=1e-6,
                                   atol=1e-6 * a * arr.span.max())


def test_weighted_median_by_hand():
    # weights 1, 2, 4 at positions 10, 20, 30: half of 7 is 3.5, reached at 30
    arr = ScenarioArrays(("a", "b", "c"), ("x",), np.array([[[1.0], [2.0], [4.0]]]),
                         np.array([[[10.0], [20.0], [30.0]]]), np.ones((1, 3, 1)), np.ones((3, 1), bool),
                         np.array([0.0]), np.array([100.0]), np.array([np.nan]))
    assert _run("weighted-median", arr)[0, 0] == 30.0
    assert np.isclose(_run("weighted-mean", arr)[0, 0], (10 + 40 + 120) / 7)
    assert _run("mean", arr)[0, 0] == 20.0


def test_masked_actor_is_ignored(small):
    from stakes.arrays import compile_scenario

    arr = compile_scenario(small)
    # Hungary has no stance on 'aid': the forecast equals that of the three actors who do
    w = np.array([30 * 1.0, 60 * 0.8, 100 * 0.5])
    x = np.array([10, -10, 5])
    assert np.isclose(_run("weighted-mean", arr)[0, 1], (w * x).sum() / w.sum())
    assert np.isclose(_run("mean", arr)[0, 1], x.mean())


def test_batch_axis(small):
    from stakes.arrays import compile_scenario

    arr = compile_scenario(small).batch(5)
    for model in ONE_SHOT:
        out = _run(model, arr)
        assert out.shape == (5, 2)
        np.testing.assert_allclose(out, np.repeat(out[:1], 5, axis=0))
