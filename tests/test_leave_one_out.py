"""A batch with one mask per row (ScenarioArrays.without_each_actor): each row runs as it would alone.

The pivotal-actor diagnostic runs the n scenarios without one actor as one batch; these tests hold every model
that takes such a batch to the plain loop (one run per removed actor, one (n, d) mask each).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from stakes.arrays import compile_scenario
from stakes.models import get_model
from stakes.models.jit import may_compile, no_compiling
from stakes.scenarios import builtin_scenario

MODELS = ["mean", "weighted-mean", "weighted-median", "nash", "smp", "bdm", "ensemble"]


def one_by_one(spec, arrays, **params) -> np.ndarray:
    rows = []
    for k in range(arrays.n_actors):
        mask = arrays.mask.copy()
        mask[k] = False
        keep = mask[None].astype(float)
        alone = replace(arrays, mask=mask, capability=arrays.capability * keep, salience=arrays.salience * keep)
        rows.append(spec.run(alone, **params).forecast[0])
    return np.stack(rows)


@pytest.fixture(scope="module")
def builtin_arrays():
    return compile_scenario(builtin_scenario())


@pytest.mark.parametrize("model", MODELS)
def test_each_row_runs_as_it_would_alone(model, small, builtin_arrays):
    spec = get_model(model)
    for arrays in (compile_scenario(small), builtin_arrays):
        params = {"engine": "numpy"} if model in ("bdm", "smp") else {}
        batched = spec.run(arrays.without_each_actor(), **params).forecast
        assert batched.shape == (arrays.n_actors, arrays.n_issues)
        np.testing.assert_allclose(batched, one_by_one(spec, arrays, **params), rtol=0, atol=1e-9 * arrays.span.max())


def test_bdm_kernel_takes_a_mask_per_row(builtin_arrays):
    pytest.importorskip("numba")
    spec = get_model("bdm")
    kernel = spec.run(builtin_arrays.without_each_actor(), engine="numba").forecast
    numpy = spec.run(builtin_arrays.without_each_actor(), engine="numpy").forecast
    np.testing.assert_allclose(kernel, numpy, rtol=0, atol=1e-9 * builtin_arrays.span.max())


def test_without_each_actor_masks_one_actor_per_row(small):
    arrays = compile_scenario(small)
    rows = arrays.without_each_actor()
    n = arrays.n_actors
    assert rows.mask.shape == (n, n, arrays.n_issues) and rows.n_batch == n
    for k in range(n):
        assert not rows.mask[k, k].any()
        assert (rows.mask[k, np.arange(n) != k] == arrays.mask[np.arange(n) != k]).all()
        assert (rows.capability[k, k] == 0).all() and (rows.salience[k, k] == 0).all()
    # sub-batches and issue subsets carry their rows' masks along
    assert (rows.take(2).mask == rows.mask[2:3]).all()
    assert (rows.select_issues([1]).mask == rows.mask[..., [1]]).all()
    assert (rows.take(1).batch(3).mask == rows.mask[[1, 1, 1]]).all()
    assert rows.participation().shape == rows.position.shape


def test_exchange_refuses_a_mask_per_row(small):
    with pytest.raises(ValueError, match="one mask"):
        get_model("exchange").run(compile_scenario(small).without_each_actor())


def test_no_compiling_is_scoped():
    assert may_compile()
    with no_compiling():
        assert not may_compile()
    assert may_compile()


def test_no_compiling_keeps_large_batches_off_an_uncompiled_kernel(monkeypatch):
    pytest.importorskip("numba")
    from stakes.models import bdm as bdm_model
    from stakes.models import smp as smp_model

    monkeypatch.setattr(bdm_model, "kernel_cached", lambda: False)
    monkeypatch.setattr(smp_model, "_kernel_loaded", lambda: False)
    monkeypatch.setattr(smp_model, "_kernel_cached", lambda: False)
    opt = smp_model.options_from({})
    big = (bdm_model.AUTO_NUMBA_WORK, 1, 64)  # rows × 1² actors at the threshold
    assert bdm_model.use_kernel("auto", *big)
    assert smp_model.choose_engine("auto", opt, smp_model.AUTO_NUMBA_WORK, 1) is not None
    with no_compiling():
        assert not bdm_model.use_kernel("auto", *big)
        assert smp_model.choose_engine("auto", opt, smp_model.AUTO_NUMBA_WORK, 1) is None
        assert bdm_model.use_kernel("numba", *big)  # an explicit engine is obeyed
    monkeypatch.setattr(bdm_model, "kernel_cached", lambda: True)
    with no_compiling():
        assert bdm_model.use_kernel("auto", *big)  # compiled already: nothing to wait for
