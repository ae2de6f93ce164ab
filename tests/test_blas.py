"""``stakes.blas``: the landscape engines run BLAS on one thread, and restore the setting afterwards."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from stakes.alignment.exact import global_minimum
from stakes.blas import on_one_blas_thread, one_blas_thread


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_guards_limit_blas_to_one_thread_nest_and_restore():
    before = _blas_threads()
    assert before  # numpy's BLAS is seen

    seen: list[list[int]] = []

    @on_one_blas_thread
    def inner() -> None:
        seen.append(_blas_threads())

    with one_blas_thread():
        inner()  # nested: still one thread, and the outer guard still holds after it
        seen.append(_blas_threads())
    assert seen == [[1] * len(before)] * 2
    assert _blas_threads() == before


def test_the_exact_engine_gives_the_same_minimum_on_one_thread():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(14, 14))
    w = w + w.T
    np.fill_diagonal(w, 0.0)
    index, energy = global_minimum(w)
    sides = 1.0 - 2.0 * ((np.arange(1 << 13)[:, None] >> np.arange(13)) & 1)
    spins = np.hstack([np.ones((1 << 13, 1)), sides])
    brute = 0.5 * (w.sum() - np.einsum("ki,ij,kj->k", spins, w, spins))
    assert index == int(np.argmin(brute)) and np.isclose(energy, brute.min())
