"""Benchmark: BdM engines side by side (numba kernel, batched numpy, per-run reference), 30 actors × 6 issues.

Run: ``python benchmarks/bench_bdm.py [--runs 10000] [--reference-runs 2] [--threads 2] [--no-numpy-big]``.
Prints the figures; benchmarks/README_bdm.md records them. The numba engine's compile time is measured
separately, in fresh processes with an empty cache directory (compile) and then with it filled (cache load).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
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


def compile_times() -> tuple[float, float]:
    """Seconds for the first numba call in a fresh process: with an empty cache (compile), then cached."""
    code = ("import time, sys; sys.path.insert(0, 'benchmarks'); from bench_bdm import scenario; "
            "from stakes.models.bdm import bdm; arr = scenario(2); t = time.perf_counter(); "
            "bdm(arr, engine='numba'); print(time.perf_counter() - t)")
    out = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for _ in range(2):
            run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            out.append(float(run.stdout.split()[-1]))
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--reference-runs", type=int, default=2)
    ap.add_argument("--batched-runs", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scaling", action="store_true", help="also time n = 10, 30, 100, 300 actors (6 issues)")
    ap.add_argument("--no-numpy-big", action="store_true", help="skip the numpy engine on the big batch (~25 s)")
    args = ap.parse_args()
    _limit_threads(args.threads)
    import numba
    import numpy as np

    from stakes.models.bdm import bdm
    from stakes.models.bdm.reference import bdm_reference

    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    first, cached = compile_times()
    print(f"numba engine, first call in a fresh process: {first:.1f} s with an empty cache (compile), "
          f"{cached:.2f} s with the on-disk cache")

    # 1. throughput: the same scenario through the three engines, side by side, one thread each. The batched
    # engines are warmed up once (numpy/glibc settle their allocations on the first large batch; numba compiles)
    arr = scenario(max(args.batched_runs, args.reference_runs))
    some = arr.take(slice(0, args.batched_runs))
    bdm(some, engine="numpy")
    bdm(some, engine="numba")
    few = arr.take(slice(0, args.reference_runs))

    def timed(fn, runs):
        w0, c0 = time.perf_counter(), time.process_time()
        res = fn()
        return res, (time.perf_counter() - w0) / runs, (time.process_time() - c0) / runs

    slow, ref_wall, ref_cpu = timed(lambda: bdm_reference(few), args.reference_runs)
    fast, b_wall, b_cpu = timed(lambda: bdm(some, engine="numpy"), args.batched_runs)
    with numba_threads(numba, 1):
        comp, n_wall, n_cpu = timed(lambda: bdm(some, engine="numba"), args.batched_runs)
    k = args.reference_runs
    print(f"30 actors x 6 issues, 8 rounds, one thread: reference {ref_wall * 1e3:.0f} ms/run wall "
          f"({ref_cpu * 1e3:.0f} cpu); numpy {b_wall * 1e3:.2f} ms/run wall ({b_cpu * 1e3:.2f} cpu); "
          f"numba {n_wall * 1e3:.3f} ms/run wall ({n_cpu * 1e3:.3f} cpu), over {args.batched_runs} runs")
    print(f"  throughput vs reference: numpy {ref_cpu / b_cpu:.0f}x cpu, numba {ref_cpu / n_cpu:.0f}x cpu; "
          f"numba vs numpy {b_cpu / n_cpu:.1f}x cpu ({b_wall / n_wall:.1f}x wall)")
    print(f"  max |numpy - reference| = {np.abs(fast.positions[:k] - slow.positions).max():.1e}, "
          f"max |numba - reference| = {np.abs(comp.positions[:k] - slow.positions).max():.1e}")

    # 2. 10,000 runs to the stopping rule (8 rounds, or earlier when no actor moves)
    big = scenario(args.runs)
    engines = ("numba",) if args.no_numpy_big else ("numba", "numpy")
    results = {}
    for engine in engines:
        for label in ("first call", "again"):
            w0, c0 = time.perf_counter(), time.process_time()
            res = bdm(big, threads=args.threads, engine=engine)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            stopped = float((res.rounds < 8).mean())
            print(f"{args.runs} runs of 30 x 6, {engine}, {args.threads} threads, {label}: {wall:.1f} s wall, "
                  f"{cpu:.1f} s cpu ({args.runs / wall:.0f} runs/s; {stopped:.0%} of run-issues settled early)")
        results[engine] = res
    print(f"  trajectories returned: {res.positions.nbytes / 2**20:.0f} MiB")
    if len(results) == 2:
        a, b = results["numba"], results["numpy"]
        off = np.abs(a.positions - b.positions).max(axis=(1, 2)) > 1e-9  # (runs, issues)
        print(f"  numba vs numpy on the big batch: {off.mean():.3%} of run-issues differ by > 1e-9 "
              f"(knife-edge ties decided by rounding, see README_bdm.md); forecast mean per issue differs by "
              f"<= {np.abs(a.forecast.mean(0) - b.forecast.mean(0)).max():.1e}")

    # 3. optional: how the cost grows with the number of actors (one thread, cpu time per run)
    if args.scaling:
        import tracemalloc

        for n, runs in ((10, 400), (30, 200), (100, 20), (300, 2)):
            arr = scenario(runs, n=n)
            cpu = {}
            for engine in ("numpy", "numba"):
                with numba_threads(numba, 1):
                    c0 = time.process_time()
                    bdm(arr, engine=engine)
                    cpu[engine] = (time.process_time() - c0) / runs
            tracemalloc.start()  # a second, traced run for the memory peak (tracing slows numpy down)
            bdm(arr, engine="numpy")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"  n = {n:3d}: numpy {cpu['numpy'] * 1e3:8.2f} ms cpu per run, numba {cpu['numba'] * 1e3:8.3f} ms "
                  f"(6 issues, 8 rounds; {cpu['numpy'] / cpu['numba']:.1f}x); peak numpy memory "
                  f"{peak / 2**20:.0f} MiB for {runs} runs")


class numba_threads:
    """Context manager: run numba kernels on ``k`` threads inside the block."""

    def __init__(self, numba, k: int) -> None:
        self.numba, self.k = numba, k

    def __enter__(self) -> None:
        self.before = self.numba.get_num_threads()
        self.numba.set_num_threads(self.k)

    def __exit__(self, *exc) -> None:
        self.numba.set_num_threads(self.before)


if __name__ == "__main__":
    main()
