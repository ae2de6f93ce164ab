"""Invariant properties of every model (hypothesis, small sizes): relabelling actors (permutation), the units
of capability, an affine change of each issue's scale, and the forecast staying in the hull of the positions.

Documented exceptions: Nash returns the status quo when no point improves on it for every actor, so its hull
includes the status quo (the generated issues have none, so the plain hull applies).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stakes.arrays import ScenarioArrays
from stakes.models import get_model, list_models

MODELS = [m.id for m in list_models()]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ATOL = 1e-6  # in points of a 0–100 scale: summation order may change the last bits


@st.composite
def scenarios(draw) -> ScenarioArrays:
    n = draw(st.integers(2, 5))
    d = draw(st.integers(1, 2))
    # positions on a 0.5 grid in 0..100, capabilities and saliences bounded away from 0: generic cases, with
    # coinciding positions allowed
    pos = np.array(draw(st.lists(st.integers(0, 200), min_size=n * d, max_size=n * d)), float).reshape(1, n, d) / 2
    cap = np.array(draw(st.lists(st.integers(1, 100), min_size=n, max_size=n)), float)
    sal = np.array(draw(st.lists(st.integers(5, 100), min_size=n * d, max_size=n * d)), float).reshape(1, n, d)
    return ScenarioArrays(
        actor_ids=tuple(f"a{k}" for k in range(n)), issue_ids=tuple(f"i{k}" for k in range(d)),
        capability=np.repeat(cap[None, :, None], d, axis=2), position=pos, salience=sal / 100,
        mask=np.ones((n, d), bool), scale_min=np.zeros(d), scale_max=np.full(d, 100.0),
        status_quo=np.full(d, np.nan))


def run(model: str, arrays: ScenarioArrays) -> np.ndarray:
    spec = get_model(model)
    return spec.run(arrays, **spec.defaults()).forecast


def with_(arrays: ScenarioArrays, **changes) -> ScenarioArrays:
    return ScenarioArrays(**{**arrays.__dict__, **changes})


@pytest.mark.parametrize("model", MODELS)
@SETTINGS
@given(arrays=scenarios(), data=st.data())
def test_relabelling_actors_does_not_change_the_forecast(model, arrays, data):
    perm = np.array(data.draw(st.permutations(range(arrays.n_actors))))
    moved = with_(arrays, actor_ids=tuple(arrays.actor_ids[i] for i in perm),
                  capability=arrays.capability[:, perm].copy(), position=arrays.position[:, perm].copy(),
                  salience=arrays.salience[:, perm].copy(), mask=arrays.mask[perm].copy())
    np.testing.assert_allclose(run(model, arrays), run(model, moved), rtol=0, atol=ATOL)


@pytest.mark.parametrize("model", MODELS)
@SETTINGS
@given(arrays=scenarios(), power=st.integers(-12, 12))
def test_units_of_capability_do_not_matter(model, arrays, power):
    scaled = with_(arrays, capability=arrays.capability * 2.0 ** power)
    np.testing.assert_allclose(run(model, arrays), run(model, scaled), rtol=0, atol=ATOL)


@pytest.mark.parametrize("model", MODELS)
@SETTINGS
@given(arrays=scenarios(), factor=st.sampled_from([0.5, 2.0, 0.125, 8.0]), shift=st.integers(-100, 100))
def test_affine_rescale_of_the_issue_scale(model, arrays, factor, shift):
    moved = with_(arrays, position=arrays.position * factor + shift, scale_min=arrays.scale_min * factor + shift,
                  scale_max=arrays.scale_max * factor + shift)
    np.testing.assert_allclose(run(model, arrays) * factor + shift, run(model, moved), rtol=0, atol=ATOL * factor)


@pytest.mark.parametrize("model", MODELS)
@SETTINGS
@given(arrays=scenarios())
def test_forecast_lies_in_the_hull_of_the_positions(model, arrays):
    f = run(model, arrays)[0]
    lo, hi = arrays.position[0].min(axis=0), arrays.position[0].max(axis=0)
    assert np.all(f >= lo - ATOL) and np.all(f <= hi + ATOL), (f, lo, hi)
