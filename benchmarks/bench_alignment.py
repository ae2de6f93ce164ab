"""Benchmark of the landscape-theory engines (stakes.alignment).

    python benchmarks/bench_alignment.py [--cases 1000] [--far] [--quick]

Prints, in one run: exact-engine times for n = 16…24 with basins and minima-only (and their ratio), how far
the minima-only enumeration goes in 60 s (``--far``: measured, one n after another until one takes > 60 s),
heuristic-vs-exact agreement on random systems, and heuristic time per restart for n = 100, 300.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from stakes.alignment import exact_landscape, heuristic_landscape, weight_matrix
from stakes.alignment.energy import tolerance


def system(rng: np.random.Generator, n: int, integer: bool = False) -> np.ndarray:
    s = rng.uniform(0.5, 10, n)
    p = rng.integers(-2, 3, (n, n)).astype(float) if integer else rng.normal(size=(n, n))
    p = np.triu(p, 1)
    return weight_matrix(s, p + p.T)


CPU: dict[str, float] = {}


def timed(fn, repeat: int = 3, key: str = "") -> float:
    """Best wall-clock time of ``repeat`` calls; the CPU time of that call goes to ``CPU[key]``."""
    best = np.inf
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if wall < best:
            best, CPU[key] = wall, cpu
    return best


def bench_exact(sizes: list[int]) -> None:
    print("exact engine (best of 3; wall-clock seconds, CPU seconds of that run in brackets)")
    print(f"{'n':>4} {'configs':>10} {'basins':>16} {'minima only':>16} {'ratio':>6} {'minima':>7}")
    rng = np.random.default_rng(1)
    for n in sizes:
        w = system(rng, n)
        tb = timed(lambda w=w: exact_landscape(w, basins=True), key="b")
        tm = timed(lambda w=w: exact_landscape(w, basins=False), key="m")
        k = len(exact_landscape(w, basins=False).minima)
        b, m = f"{tb:.3f} ({CPU['b']:.3f})", f"{tm:.3f} ({CPU['m']:.3f})"
        print(f"{n:>4} {2 ** (n - 1):>10} {b:>16} {m:>16} {tb / tm:>6.1f} {k:>7}")


def bench_far(start: int, limit: float = 60.0) -> None:
    print(f"minima-only enumeration until one n takes more than {limit:.0f} s")
    rng = np.random.default_rng(2)
    n = start
    while True:
        w = system(rng, n)
        t = timed(lambda w=w: exact_landscape(w, basins=False), repeat=1, key="f")
        print(f"  n = {n}: {t:.1f} s (CPU {CPU['f']:.1f} s)")
        if t > limit or n >= 32:
            break
        n += 1


def bench_agreement(cases: int, lo: int, hi: int) -> None:
    rng = np.random.default_rng(2024)
    agree, t_ex, t_he = 0, 0.0, 0.0
    misses = []
    for case in range(cases):
        n = int(rng.integers(lo, hi + 1))
        w = system(rng, n, integer=bool(case % 2))
        t = time.perf_counter()
        ex = exact_landscape(w, basins=False)
        t_ex += time.perf_counter() - t
        t = time.perf_counter()
        he = heuristic_landscape(w, seed=case)
        t_he += time.perf_counter() - t
        if abs(he.minima[0].energy - ex.best.energy) <= tolerance(w):
            agree += 1
        else:
            misses.append(n)
    print(f"heuristic (default: 32 annealing + 32 descent restarts) vs exact on {cases} random systems, "
          f"n = {lo}…{hi} (half Gaussian, half integer codes −2…2):")
    print(f"  same global minimum energy: {agree}/{cases} = {100 * agree / cases:.1f} %; misses at n = {misses}")
    print(f"  total time exact {t_ex:.1f} s, heuristic {t_he:.1f} s")


def bench_restart(sizes: list[int]) -> None:
    print("heuristic time per restart (annealing + descent restarts together; seconds)")
    rng = np.random.default_rng(3)
    for n in sizes:
        w = system(rng, n)
        res = heuristic_landscape(w, restarts=16, seed=0)
        t = timed(lambda w=w: heuristic_landscape(w, restarts=16, seed=0), repeat=1)
        anneal_only = timed(lambda w=w: heuristic_landscape(w, restarts=16, descents=0, seed=0), repeat=1)
        descent_only = timed(lambda w=w: heuristic_landscape(w, restarts=0, descents=16, seed=0), repeat=1)
        print(f"  n = {n}: {t / res.restarts:.4f} s per restart ({res.restarts} restarts, {res.sweeps} sweeps); "
              f"annealing {anneal_only / 16:.4f} s, descent {descent_only / 16:.4f} s per restart; "
              f"{len(res.minima)} distinct minima")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--far", action="store_true", help="measure how far n goes in 60 s (minutes)")
    ap.add_argument("--hard-cases", type=int, default=100, help="extra cases with n = 20…24")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f}, numpy {np.__version__}")
    bench_exact([16, 20] if args.quick else [16, 20, 22, 24])
    if args.far:
        bench_far(25)
    bench_agreement(50 if args.quick else args.cases, 4, 18)
    if not args.quick and args.hard_cases:
        bench_agreement(args.hard_cases, 20, 24)
    bench_restart([100] if args.quick else [100, 300])


if __name__ == "__main__":
    main()
