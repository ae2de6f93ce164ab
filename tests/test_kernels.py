"""``stakes compile`` and the rule that a small batch uses a kernel only once it is compiled."""

from __future__ import annotations

import numpy as np
import pytest

from stakes.errors import OptionError
from stakes.kernels import compile_kernels, kernel_models
from stakes.models import bdm as bdm_module
from stakes.models.bdm import bdm

from .conftest import run_cli
from .test_bdm import random_arrays

pytest.importorskip("numba", reason="numba cannot be imported (optional extra 'fast')", exc_type=ImportError)


def test_models_with_kernels_and_bad_requests():
    assert {"bdm", "exchange"} <= set(kernel_models())
    assert "weighted-mean" not in kernel_models()
    with pytest.raises(OptionError, match="no compiled kernel for nash"):
        compile_kernels(["nash"])


def test_compile_command_prepares_the_kernel_and_auto_then_uses_it(monkeypatch):
    done = run_cli("compile", "-m", "bdm")
    assert done.returncode == 0, done.stderr
    assert "bdm: ready" in done.stdout
    assert run_cli("compile", "-m", "no-such-model").returncode == 2
    compile_kernels(["bdm"])  # this process: compiled or loaded from the cache the command just wrote
    assert bdm_module.kernel_cached()
    # 10 rows of 12 actors × 65 rounds: below AUTO_NUMBA_WORK, above AUTO_CACHED_WORK
    arr = random_arrays(np.random.default_rng(3), 5, 12, 2)
    assert bdm_module.use_kernel("auto", 10, 12, 64)
    cached = bdm(arr)
    monkeypatch.setattr(bdm_module, "kernel_cached", lambda: False)
    assert not bdm_module.use_kernel("auto", 10, 12, 64)
    np.testing.assert_allclose(cached.forecast, bdm(arr).forecast, atol=1e-9)
    np.testing.assert_allclose(cached.positions, bdm(arr, engine="numpy").positions, atol=1e-9)
    assert not bdm_module.use_kernel("auto", 1, 3, 8)  # tiny: numpy, whatever the cache holds


def test_compile_bytecode_writes_pycache(tmp_path):
    from stakes.kernels import compile_bytecode

    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("X = 1\n")
    (pkg / "sub" / "b.py").write_text("Y = 2\n")
    assert compile_bytecode(pkg)
    assert list((pkg / "__pycache__").glob("a.*.pyc")) and list((pkg / "sub" / "__pycache__").glob("b.*.pyc"))
    (pkg / "bad.py").write_text("def (:\n")
    assert not compile_bytecode(pkg)  # a file that does not compile: reported, not raised
