"""SMP's compiled engine (numba) against the numpy engine: the same positions and turns on random scenarios
(every option set, missing stances, ties), on KTAB's SOE-Pol-Comp case and on DEU cases; engine dispatch.
KTAB's own runs are checked with both engines in tests/test_smp.py."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from stakes.arrays import ScenarioArrays, compile_scenario
from stakes.errors import OptionError
from stakes.io import load_scenario

from .test_smp import CSV, KTAB_FINAL_FULL, OPTION_SETS, random_arrays, run_smp

numba = pytest.importorskip("numba", reason="numba cannot be imported (optional extra 'fast'); the numba engine "
                            "is not tested, engine 'auto' runs the numpy engine then", exc_type=ImportError)

import stakes.models.smp as smp_module  # noqa: E402
from stakes.models.smp import numba as smp_numba  # noqa: E402
from stakes.models.smp import numba_kernels  # noqa: E402

TOL = 1e-9


def assert_same(fast, slow) -> None:
    assert fast.extra["engine"] == "numba" and slow.extra["engine"] == "numpy"
    assert fast.positions.shape == slow.positions.shape
    np.testing.assert_array_equal(fast.extra["turns"], slow.extra["turns"])
    assert np.abs(fast.positions - slow.positions).max(initial=0.0) <= TOL
    assert np.abs(fast.forecasts - slow.forecasts).max(initial=0.0) <= TOL


def masked(arrays: ScenarioArrays, rng: np.random.Generator, share: float = 0.25) -> ScenarioArrays:
    """Some stances missing (never every stance of an issue), one actor with zero capability."""
    mask = rng.random(arrays.mask.shape) > share
    mask[0] = True
    cap = arrays.capability.copy()
    cap[:, -1] = 0.0
    return ScenarioArrays(**{**arrays.__dict__, "mask": mask, "capability": cap})


def tied(arrays: ScenarioArrays) -> ScenarioArrays:
    """Actors 0 and 1 identical, and positions on a coarse grid: exact ties in gains and elections."""
    pos = np.round(arrays.position / 25) * 25
    pos[:, 1], sal, cap = pos[:, 0], arrays.salience.copy(), arrays.capability.copy()
    sal[:, 1], cap[:, 1] = sal[:, 0], cap[:, 0]
    return ScenarioArrays(**{**arrays.__dict__, "position": pos, "salience": sal, "capability": cap})


@pytest.mark.parametrize("params", OPTION_SETS)
def test_engines_agree_on_random_scenarios(params):
    rng = np.random.default_rng(100 + len(str(params)))
    for n, d in ((2, 1), (4, 1), (7, 2), (9, 3), (11, 9)):
        arrays = random_arrays(rng, 4, n, d)
        for case in (arrays, masked(arrays, rng), tied(arrays)):
            assert_same(run_smp(case, "numba", **params), run_smp(case, "numpy", **params))


def test_engines_agree_bit_for_bit_on_soe():
    soe = compile_scenario(load_scenario(CSV))
    fast, slow = run_smp(soe, "numba"), run_smp(soe, "numpy")
    np.testing.assert_array_equal(fast.positions, slow.positions)
    assert np.abs(fast.positions[0, -1] - KTAB_FINAL_FULL).max() < 1e-9
    assert fast.extra["turns"].tolist() == [27]


def test_engines_agree_on_deu_cases():
    """DEU III development cases batched as the backtest batches them (one issue, 5–30 actors, runs that stop
    after 2 to 100 turns)."""
    from stakes.backtest import load_cases
    from stakes.backtest.cases import with_capability
    from stakes.backtest.engine import _groups, _per_case_batch

    from .test_backtest import DEU

    cases = with_capability(load_cases(DEU), "equal")
    groups = _groups(cases.arrays)
    for key in sorted(groups, key=lambda k: -len(groups[k]))[:4]:
        batch = _per_case_batch(cases.arrays, groups[key][:6], *key)
        fast, slow = run_smp(batch, "numba"), run_smp(batch, "numpy")
        np.testing.assert_array_equal(fast.positions, slow.positions)


def test_large_batch_stops_runs_independently_and_chunks(monkeypatch):
    """Runs of different lengths in one call, split into several kernel calls: each as alone."""
    arrays = random_arrays(np.random.default_rng(21), 9, 8, 2)
    whole = run_smp(arrays, "numba")
    monkeypatch.setattr(smp_numba, "MEMORY_ELEMENTS", 3 * 101 * 8 * 2)  # three runs per call
    parts = run_smp(arrays, "numba")
    np.testing.assert_array_equal(whole.positions, parts.positions)
    assert len(set(whole.extra["turns"].tolist())) > 1
    alone = run_smp(arrays.take(4), "numba")
    t = alone.positions.shape[1]
    np.testing.assert_array_equal(whole.positions[4, :t], alone.positions[0])


def test_threads_do_not_matter():
    arrays = random_arrays(np.random.default_rng(22), 6, 6, 2)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_smp(arrays, "numba")
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.positions, run_smp(arrays, "numba").positions)


@pytest.mark.parametrize("n", [1, 5, 7, 8, 9, 16, 17, 31, 128, 129, 300, 1000])
def test_pairwise_sum_is_numpys(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n) * np.exp(rng.uniform(-20, 20, n))
    assert numba_kernels.psum(a, n) == a.sum()


def test_auto_takes_numba_for_large_batches_and_falls_back_to_numpy(monkeypatch):
    small = random_arrays(np.random.default_rng(23), 2, 5, 1)
    monkeypatch.setattr(smp_module, "_kernel_loaded", lambda: False)
    real, calls = smp_module.numba_kernel, []
    monkeypatch.setattr(smp_module, "numba_kernel", lambda: calls.append(1) or real())
    assert run_smp(small).extra["engine"] == "numpy"
    assert calls == []  # a small batch does not import numba under auto
    monkeypatch.setattr(smp_module, "AUTO_NUMBA_WORK", 2 * 5 ** 3)
    assert_same(run_smp(small), run_smp(small, "numpy"))
    assert calls == [1]
    stochastic = run_smp(small, state_transition="stochastic")  # numpy's generator: the numpy engine
    assert stochastic.extra["engine"] == "numpy"
    with pytest.raises(OptionError, match="deterministic"):
        run_smp(small, "numba", state_transition="stochastic")
    monkeypatch.setattr(smp_module, "numba_kernel", lambda: None)  # numba missing
    assert run_smp(small).extra["engine"] == "numpy"
    with pytest.raises(OptionError, match="numba"):
        run_smp(small, "numba")


def test_auto_uses_a_loaded_kernel_for_small_batches():
    small = random_arrays(np.random.default_rng(24), 1, 3, 1)
    run_smp(small, "numba")  # compiled (or loaded) in this process
    assert smp_module._kernel_loaded()
    assert run_smp(small).extra["engine"] == "numba"


def test_bad_engine_is_a_clear_error():
    with pytest.raises(OptionError, match="engine"):
        run_smp(random_arrays(np.random.default_rng(25), 1, 3, 1), "cuda")


def test_importing_the_model_does_not_import_numba():
    import subprocess

    code = "import stakes.models.smp, sys; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_auto_uses_a_kernel_in_the_disk_cache_from_a_moderate_batch(monkeypatch):
    """Not loaded in this process but in numba's disk cache (after ``stakes compile``): auto loads it for a
    batch of AUTO_CACHED_WORK runs × n³ and more, never for a tiny one."""
    monkeypatch.setattr(smp_module, "_kernel_loaded", lambda: False)
    monkeypatch.setattr(smp_module, "_kernel_cached", lambda: True)
    moderate = random_arrays(np.random.default_rng(26), 1, 12, 2)  # 12³ = 1,728 ≥ AUTO_CACHED_WORK
    assert run_smp(moderate).extra["engine"] == "numba"
    assert run_smp(random_arrays(np.random.default_rng(27), 1, 4, 1)).extra["engine"] == "numpy"
    monkeypatch.setattr(smp_module, "_kernel_cached", lambda: False)
    assert run_smp(moderate).extra["engine"] == "numpy"
