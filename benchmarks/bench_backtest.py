"""Backtest speed: one batch per model against a plain per-case loop, SMP's two engines, and the whole command.

Run from the repository root: ``python benchmarks/bench_backtest.py [--runs R] [--skip-command]``. Prints CPU
seconds side by side in one run (the machine is shared: ratios matter more than absolute times), SMP's numpy and
numba engines on the DEU cases (one run each, and an R-run Monte Carlo as the backtest runs it), then the wall
and CPU time of the whole ``stakes backtest`` command with one run and with ``--runs 200``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from stakes.arrays import compile_scenario
from stakes.backtest import load_cases
from stakes.backtest.cases import with_capability
from stakes.backtest.engine import case_inputs, run_stacked
from stakes.models import get_model

DEU = Path(__file__).resolve().parents[1] / "tests" / "data" / "deu3" / "deu3-dev.tsv"
MODELS = ("weighted-mean", "weighted-median", "bdm", "nash", "smp", "exchange")


def per_case_loop(cases, model: str) -> None:
    spec = get_model(model)
    sc = cases.scenario
    for issue in cases.case_ids:
        stances = tuple(s for s in sc.stances if s.issue == issue)
        actors = tuple(a for a in sc.actors if any(s.actor == a.id for s in stances))
        one = sc.model_copy(update={"issues": (sc.issue(issue),), "actors": actors, "stances": stances,
                                    "outcomes": ()})
        spec.run(compile_scenario(one), **spec.defaults())


def cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call."""
    wall, start = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - start


def command(extra: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system of the child) seconds of the whole ``stakes backtest`` command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "stakes", "backtest", str(DEU), "-f", "json", *extra], check=True,
                   capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="Monte Carlo runs per case for SMP's engines")
    parser.add_argument("--skip-command", action="store_true", help="do not time the whole command")
    args = parser.parse_args()
    cases = with_capability(load_cases(DEU), "equal")
    for m in MODELS:  # compile (or load) numba kernels before timing
        run_stacked(m, cases.arrays)
    run_stacked("smp", cases.arrays, {"engine": "numba"})
    print(f"load average {os.getloadavg()[0]:.1f}; {cases.n_cases} DEU cases; CPU seconds")
    print(f"{'model':16s} {'batched s':>10s} {'loop s':>8s} {'ratio':>7s}")
    for m in MODELS:
        batched = cpu(lambda m=m: run_stacked(m, cases.arrays))
        loop = cpu(lambda m=m: per_case_loop(cases, m))
        print(f"{m:16s} {batched:10.3f} {loop:8.3f} {loop / max(batched, 1e-9):7.1f}x")
    perturbed = case_inputs(cases, args.runs, 0, None)
    print(f"\nSMP engines (batched; wall / CPU seconds)   one run per case      {args.runs} runs per case")
    rows = {}
    for engine in ("numpy", "numba"):
        one = timed(lambda e=engine: run_stacked("smp", cases.arrays, {"engine": e}))
        many = timed(lambda e=engine: run_stacked("smp", perturbed, {"engine": e}))
        rows[engine] = (one, many)
        print(f"  {engine:8s} {one[0]:28.2f} / {one[1]:6.2f} {many[0]:14.2f} / {many[1]:6.2f}")
    (n1, nm), (f1, fm) = rows["numpy"], rows["numba"]
    print(f"  numba faster by (CPU)   {n1[1] / f1[1]:20.1f}x {nm[1] / fm[1]:22.1f}x")
    if args.skip_command:
        return
    for extra in ([], ["--runs", "200"]):
        wall, used = command(extra)
        print(f"whole command stakes backtest {' '.join(extra) or '(one run)'}: {wall:.1f} s wall, {used:.1f} s CPU "
              f"(load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
