"""Benchmark: batched BdM engine vs the per-run reference, and 10,000 runs of a 30 × 6 scenario.

Run: ``python benchmarks/bench_bdm.py [--runs 10000] [--reference-runs 2] [--threads 2]``.
Prints the figures; benchmarks/README_bdm.md records them.
"""

from __future__ import annotations

import argparse
import os
import time


def _limit_threads(k: int) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(k))


def scenario(runs: int, n: int = 30, d: int = 6, seed: int = 2024):
    """A random n × d scenario on 0–100 scales and ``runs`` perturbed copies (positions ± 10, saliences ± 0.1)."""
    import numpy as np

    from stakes.arrays import ScenarioArrays

    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 100, (n, d))
    sal = rng.uniform(0.1, 1, (n, d))
    cap = rng.uniform(0.05, 1, (n, 1)).repeat(d, 1)
    noise = np.random.default_rng(seed + 1)
    position = np.clip(pos + noise.normal(0, 10, (runs, n, d)), 0, 100)
    salience = np.clip(sal + noise.normal(0, 0.1, (runs, n, d)), 0, 1)
    return ScenarioArrays(tuple(f"a{i}" for i in range(n)), tuple(f"i{k}" for k in range(d)),
                          np.broadcast_to(cap, (runs, n, d)).copy(), position, salience, np.ones((n, d), bool),
                          np.zeros(d), np.full(d, 100.0), np.full(d, np.nan))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--reference-runs", type=int, default=2)
    ap.add_argument("--batched-runs", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scaling", action="store_true", help="also time n = 10, 30, 100, 300 actors (6 issues)")
    args = ap.parse_args()
    _limit_threads(args.threads)
    import numpy as np

    from stakes.models.bdm import bdm
    from stakes.models.bdm_reference import bdm_reference

    # 1. throughput: the same scenario through both, side by side, one thread each. The batched engine is
    # warmed up once (numpy/glibc settle their allocations on the first large batch; see README_bdm.md)
    arr = scenario(max(args.batched_runs, args.reference_runs))
    bdm(arr.take(slice(0, args.batched_runs)))
    few = arr.take(slice(0, args.reference_runs))
    w0, c0 = time.perf_counter(), time.process_time()
    slow = bdm_reference(few)
    ref_wall, ref_cpu = [(v / args.reference_runs) for v in (time.perf_counter() - w0, time.process_time() - c0)]
    w0, c0 = time.perf_counter(), time.process_time()
    fast = bdm(arr.take(slice(0, args.batched_runs)))
    b_wall, b_cpu = [(v / args.batched_runs) for v in (time.perf_counter() - w0, time.process_time() - c0)]
    agree = float(np.abs(fast.positions[: args.reference_runs] - slow.positions).max())
    print(f"30 actors x 6 issues, 8 rounds: reference {ref_wall * 1e3:.0f} ms/run wall ({ref_cpu * 1e3:.0f} cpu), "
          f"batched {b_wall * 1e3:.2f} ms/run wall ({b_cpu * 1e3:.2f} cpu) over {args.batched_runs} runs")
    print(f"  throughput ratio: {ref_wall / b_wall:.0f}x wall, {ref_cpu / b_cpu:.0f}x cpu; "
          f"max |batched - reference| = {agree:.1e}")

    # 2. 10,000 runs to the stopping rule (8 rounds, or earlier when no actor moves)
    big = scenario(args.runs)
    for label in ("first call", "again"):
        w0, c0 = time.perf_counter(), time.process_time()
        res = bdm(big, threads=args.threads)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        stopped = float((res.rounds < 8).mean())
        print(f"{args.runs} runs of 30 x 6, {args.threads} threads, {label}: {wall:.1f} s wall, {cpu:.1f} s cpu "
              f"({args.runs / wall:.0f} runs/s; {stopped:.0%} of run-issues settled before round 8)")
    print(f"  trajectories returned: {res.positions.nbytes / 2**20:.0f} MiB")

    # 3. optional: how the cost grows with the number of actors (one thread, cpu time per run)
    if args.scaling:
        import tracemalloc

        for n, runs in ((10, 400), (30, 200), (100, 20), (300, 2)):
            arr = scenario(runs, n=n)
            c0 = time.process_time()
            bdm(arr)
            cpu = (time.process_time() - c0) / runs
            tracemalloc.start()  # a second, traced run for the memory peak (tracing slows numpy down)
            bdm(arr)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"  n = {n:3d}: {cpu * 1e3:8.2f} ms cpu per run (6 issues, 8 rounds), "
                  f"peak numpy memory {peak / 2**20:.0f} MiB for {runs} runs")


if __name__ == "__main__":
    main()
