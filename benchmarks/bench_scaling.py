"""How the cost of a Monte Carlo grows with actors (n) and runs (B), side by side in one process.

For each batched model, each n in --actors and each B in --runs, on a random scenario with --issues issues
(every actor has a stance on every issue; spreads: 10 % of span on positions, 10 on saliences, 20 % on
capabilities):

* ``time``: wall-clock of ``stakes.simulate`` (perturbation + model + tidy frame), chunked (--chunk runs a
  chunk), each configuration in a fresh child process (so one does not inherit another's heap);
* ``peak``: growth of the child's peak resident memory (``ru_maxrss``) during the call, over its size after
  imports and scenario set-up (tracemalloc is not used: it slows numpy 3–4×);
* ratios printed side by side: µs per run, and time relative to the smallest B at the same n (a linear
  cost in B gives B/B0) and to the smallest n at the same B.

A configuration whose time, extrapolated from the nearest measurement (linearly in B at the same n, or as n²
from the next smaller n at the same B with the exponent seen between the two largest smaller n, 2 — the
pairwise models' cost — when only one is known), would exceed --max-seconds is skipped and
its prediction printed instead.

    python benchmarks/bench_scaling.py                       # weighted-mean, weighted-median, bdm
    python benchmarks/bench_scaling.py --models bdm --actors 10 30 --runs 1000 10000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

from stakes.models import list_models
from stakes.scenario import Scenario
from stakes.simulate import simulate


def random_scenario(n: int, d: int, seed: int = 0) -> Scenario:
    rng = np.random.default_rng(seed)
    return Scenario.model_validate({
        "title": f"random {n}x{d}", "seed": 1,
        "issues": [{"id": f"i{j}", "name": f"I{j}"} for j in range(d)],
        "actors": [{"id": f"a{k}", "name": f"A{k}", "capability": float(rng.uniform(1, 100))} for k in range(n)],
        "stances": [{"actor": f"a{k}", "issue": f"i{j}", "position": float(rng.uniform(0, 100)),
                     "salience": float(rng.uniform(10, 100))} for k in range(n) for j in range(d)],
        "uncertainty": {"default": {"position": 10, "salience": 10, "capability": 0.2}},
    })


def _rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def child(model: str, n: int, runs: int, d: int, chunk: int) -> None:
    """Run one configuration and print ``{"seconds", "peak"}`` (called in a fresh process)."""
    sc = random_scenario(n, d)
    simulate(sc, 10, models=[model], variants=["baseline"], sides=False)  # warm imports and caches
    before = _rss_bytes()
    t0 = time.perf_counter()
    simulate(sc, runs, models=[model], variants=["baseline"], chunk_size=chunk, sides=False)
    elapsed = time.perf_counter() - t0
    print(json.dumps({"seconds": elapsed, "peak": _rss_bytes() - before}))


def measure(model: str, n: int, runs: int, d: int, chunk: int) -> tuple[float, int]:
    cmd = [sys.executable, __file__, "--child", model, str(n), str(runs), str(d), str(chunk)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    return got["seconds"], got["peak"]


def predict(measured: dict[tuple[int, int], float], last: tuple[int, float] | None, n: int,
            runs: int) -> float | None:
    """Expected seconds from the nearest known (or predicted) configuration; None if nothing is known."""
    if last is not None:
        return last[1] * runs / last[0]
    smaller = sorted(m for (m, r) in measured if r == runs and m < n)
    if not smaller:
        return None
    m = smaller[-1]
    power = 2.0  # pairwise models; refined from the two largest smaller n when both are known
    if len(smaller) >= 2 and measured[(smaller[-2], runs)] > 0:
        m0 = smaller[-2]
        power = float(np.clip(np.log(measured[(m, runs)] / measured[(m0, runs)]) / np.log(m / m0), 1.0, 3.0))
    return measured[(m, runs)] * (n / m) ** power


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["weighted-mean", "weighted-median", "bdm"])
    ap.add_argument("--actors", nargs="+", type=int, default=[10, 30, 100, 300])
    ap.add_argument("--runs", nargs="+", type=int, default=[1_000, 10_000, 100_000])
    ap.add_argument("--issues", type=int, default=6)
    ap.add_argument("--chunk", type=int, default=4096)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--json", help="Also write the rows to this JSON file.")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        m, n, r, d, c = args.child
        child(m, int(n), int(r), int(d), int(c))
        return
    known = {m.id for m in list_models()}
    models = [m for m in args.models if m in known]
    for m in set(args.models) - known:
        print(f"(model '{m}' is not registered; skipped)")
    rows: list[dict[str, Any]] = []
    print(f"{'model':16} {'n':>4} {'B':>7} {'time s':>9} {'µs/run':>9} {'×B0':>7} {'×n0':>7} {'peak MiB':>9}")
    for model in models:
        base_time: dict[int, tuple[int, float]] = {}   # n -> (B0, t0)
        n0_time: dict[int, float] = {}                 # B -> time at the smallest n
        measured: dict[tuple[int, int], float] = {}
        for n in args.actors:
            last: tuple[int, float] | None = None
            for runs in args.runs:
                pred = predict(measured, last, n, runs)
                if pred is not None and pred > args.max_seconds:
                    measured[(n, runs)] = pred
                    print(f"{model:16} {n:>4} {runs:>7} {'skipped':>9}  (predicted {pred:,.0f} s)")
                    rows.append({"model": model, "n": n, "runs": runs, "skipped": True, "predicted_s": pred})
                    continue
                t, peak = measure(model, n, runs, args.issues, args.chunk)
                last = (runs, t)
                measured[(n, runs)] = t
                _b0, t0 = base_time.setdefault(n, (runs, t))
                n0 = n0_time.setdefault(runs, t)
                print(f"{model:16} {n:>4} {runs:>7} {t:>9.3f} {1e6 * t / runs:>9.1f} {t / t0:>7.1f} "
                      f"{t / n0:>7.1f} {peak / 2**20:>9.1f}", flush=True)
                rows.append({"model": model, "n": n, "runs": runs, "seconds": t, "us_per_run": 1e6 * t / runs,
                             "x_smallest_B": t / t0, "x_smallest_n": t / n0, "peak_mib": peak / 2**20})
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
