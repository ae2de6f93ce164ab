"""Landscape theory engines checked against brute force and slow reference implementations."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from stakes.alignment import Landscape, exact_landscape, heuristic_landscape
from stakes.alignment.energy import (
    canonical,
    energy,
    flip_gains,
    frustration,
    index_to_sides,
    is_local_minimum,
    sides_to_index,
    tolerance,
    weight_matrix,
)
from stakes.alignment.exact import energies_all
from stakes.errors import OptionError, ScenarioError


def random_system(rng: np.random.Generator, n: int, integer: bool = False) -> tuple[np.ndarray, np.ndarray]:
    s = rng.uniform(0.5, 10, n)
    p = rng.integers(-2, 3, (n, n)).astype(float) if integer else rng.normal(size=(n, n))
    p = np.triu(p, 1)
    return s, p + p.T


def slow_energy(sides, s, p) -> float:
    n = len(sides)
    return sum(s[i] * s[j] * p[i, j] for i in range(n) for j in range(n) if i != j and sides[i] != sides[j])


def slow_descent(sides: tuple[int, ...], e: dict, tol: float) -> tuple[int, ...]:
    """Steepest descent on canonical configurations (ties: lowest actor index)."""
    cur = sides
    while True:
        best, best_e = None, e[cur] - tol
        for k in range(len(cur)):
            nb = list(cur)
            nb[k] = 1 - nb[k]
            nb = tuple(int(x) for x in canonical(np.array(nb)))
            if e[nb] < best_e:
                best, best_e = nb, e[nb]
        if best is None:
            return cur
        cur = best


def test_energy_matches_the_definition_and_frustration_sum() -> None:
    rng = np.random.default_rng(0)
    s, p = random_system(rng, 7)
    w = weight_matrix(s, p)
    for sides in itertools.product((0, 1), repeat=7):
        x = np.array(sides)
        assert energy(x, w) == pytest.approx(slow_energy(sides, s, p), abs=1e-9)
        # E = Σ_i s_i F_i
        assert energy(x, w) == pytest.approx(float(s @ frustration(x, s, p)), abs=1e-9)


def test_flip_gain_is_energy_difference_and_twice_size_times_frustration_change() -> None:
    rng = np.random.default_rng(1)
    s, p = random_system(rng, 6)
    w = weight_matrix(s, p)
    x = rng.integers(0, 2, 6)
    g = flip_gains(x, w)
    f0 = frustration(x, s, p)
    for k in range(6):
        y = x.copy()
        y[k] = 1 - y[k]
        assert g[k] == pytest.approx(energy(y, w) - energy(x, w))
        assert g[k] == pytest.approx(2 * s[k] * (frustration(y, s, p)[k] - f0[k]))


def test_mirror_image_has_same_energy_and_index_round_trip() -> None:
    rng = np.random.default_rng(2)
    s, p = random_system(rng, 8)
    w = weight_matrix(s, p)
    idx = np.arange(2**7)
    x = index_to_sides(idx, 8)
    assert (x[:, 0] == 0).all()
    np.testing.assert_allclose(energy(x, w), energy(1 - x, w))
    np.testing.assert_array_equal(sides_to_index(1 - x), idx)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 11])
def test_exact_engine_against_brute_force(n: int) -> None:
    rng = np.random.default_rng(10 + n)
    for _ in range(8):
        s, p = random_system(rng, n, integer=True)  # integer codes: many exact ties
        w = weight_matrix(s, p)
        tol = tolerance(w)
        configs = [tuple(int(v) for v in index_to_sides(i, n)) for i in range(2 ** (n - 1))]
        e = {c: slow_energy(c, s, p) for c in configs}
        if n > 1:
            np.testing.assert_allclose(energies_all(w), [e[c] for c in configs], atol=1e-9)
        minima = {c for c in configs if is_local_minimum(np.array(c), w)}
        res = exact_landscape(w)
        assert {tuple(int(v) for v in m.sides) for m in res.minima} == minima
        assert [m.energy for m in res.minima] == sorted(m.energy for m in res.minima)
        ends: dict = {}
        for c in configs:
            end = slow_descent(c, e, tol)
            ends[end] = ends.get(end, 0) + 1
        assert {tuple(int(v) for v in m.sides): m.basin for m in res.minima} == ends
        assert sum(m.basin for m in res.minima) == 2 ** (n - 1)
        assert res.best.energy == pytest.approx(min(e.values()))
        streamed = exact_landscape(w, basins=False)
        assert [m.index for m in streamed.minima] == [m.index for m in res.minima]


def test_streamed_and_basin_modes_agree_on_a_larger_system() -> None:
    rng = np.random.default_rng(3)
    s, p = random_system(rng, 19)
    w = weight_matrix(s, p)
    a, b = exact_landscape(w, basins=True), exact_landscape(w, basins=False)
    assert [m.index for m in a.minima] == [m.index for m in b.minima]
    np.testing.assert_allclose([m.energy for m in a.minima], [m.energy for m in b.minima])
    x = np.stack([m.sides for m in a.minima])
    assert is_local_minimum(x, w).all()
    assert sum(m.basin for m in a.minima) == 2**18


def test_exact_engine_refuses_too_many_actors() -> None:
    w = np.zeros((40, 40))
    with pytest.raises(OptionError, match="n = 40"):
        exact_landscape(w)
    with pytest.raises(OptionError, match="basins"):
        exact_landscape(np.zeros((27, 27)), basins=True)


def test_heuristic_finds_the_exact_global_minimum_on_100_random_systems() -> None:
    rng = np.random.default_rng(2024)
    agree = 0
    for case in range(100):
        n = int(rng.integers(3, 15))
        s, p = random_system(rng, n, integer=bool(case % 2))
        w = weight_matrix(s, p)
        ex = exact_landscape(w, basins=False)
        he = heuristic_landscape(w, restarts=16, seed=case)
        assert is_local_minimum(np.stack([m.sides for m in he.minima]), w).all()
        assert {m.index for m in he.minima} <= {m.index for m in ex.minima}
        agree += abs(he.minima[0].energy - ex.best.energy) <= tolerance(w)
    assert agree >= 99


def test_heuristic_descent_shares_estimate_exact_basins() -> None:
    rng = np.random.default_rng(7)
    s, p = random_system(rng, 10)
    w = weight_matrix(s, p)
    ex = exact_landscape(w)
    he = heuristic_landscape(w, restarts=0, descents=4000, seed=1)
    est = {m.index: m.share for m in he.minima}
    for m in ex.minima:
        # binomial standard error ≤ 0.008 at 4000 draws; 5 standard errors
        assert est.get(m.index, 0.0) == pytest.approx(m.share, abs=0.04)


def test_heuristic_is_reproducible_and_handles_hundreds_of_actors() -> None:
    rng = np.random.default_rng(5)
    s, p = random_system(rng, 200)
    w = weight_matrix(s, p)
    a = heuristic_landscape(w, restarts=4, descents=4, seed=9, sweeps=10)
    b = heuristic_landscape(w, restarts=4, descents=4, seed=9, sweeps=10)
    assert [m.energy for m in a.minima] == [m.energy for m in b.minima]
    assert is_local_minimum(np.stack([m.sides for m in a.minima]), w).all()


def test_landscape_rejects_bad_input() -> None:
    ids = ("a", "b", "c")
    p = np.array([[0, 1, 2], [1, 0, 3], [2, 3.5, 0]])
    with pytest.raises(ScenarioError, match=re.escape("not symmetric: 'b'→'c' is 3 but 'c'→'b' is 3.5")):
        Landscape(ids, np.ones(3), p)
    q = np.array([[0, 1, np.nan], [1, 0, 3], [np.nan, 3, 0]])
    with pytest.raises(ScenarioError, match="pair 'a'–'c' is nan"):
        Landscape(ids, np.ones(3), q)
    with pytest.raises(ScenarioError, match=r"actor 'b'.*size"):
        Landscape(ids, np.array([1.0, 0.0, 2.0]), np.zeros((3, 3)))
    with pytest.raises(ScenarioError, match="actor 'c'"):
        Landscape(ids, np.array([1.0, 1.0, np.inf]), np.zeros((3, 3)))


def test_blocked_global_minimum_matches_the_full_enumeration() -> None:
    from stakes.alignment.exact import global_minimum

    rng = np.random.default_rng(11)
    for n in (2, 9, 18):
        s, p = random_system(rng, n)
        w = weight_matrix(s, p)
        idx, e = global_minimum(w)
        best = exact_landscape(w, basins=False).best
        assert idx == best.index and e == pytest.approx(best.energy)
