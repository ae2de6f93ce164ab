"""Backtest speed: one batch per model against a plain per-case loop, and the whole command.

Run from the repository root: ``python benchmarks/bench_backtest.py``. Prints CPU seconds side by side in one
run (the machine is shared; ratios matter, not absolute times), then the wall time of the whole
``stakes backtest`` command with one run and with ``--runs 200``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from stakes.arrays import compile_scenario
from stakes.backtest import load_cases
from stakes.backtest.cases import with_capability
from stakes.backtest.engine import run_stacked
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


def main() -> None:
    cases = with_capability(load_cases(DEU), "equal")
    for m in MODELS:  # compile numba kernels before timing
        run_stacked(m, cases.arrays)
    print(f"{'model':16s} {'batched s':>10s} {'loop s':>8s} {'ratio':>7s}   ({cases.n_cases} DEU cases)")
    for m in MODELS:
        batched = cpu(lambda m=m: run_stacked(m, cases.arrays))
        loop = cpu(lambda m=m: per_case_loop(cases, m))
        print(f"{m:16s} {batched:10.3f} {loop:8.3f} {loop / max(batched, 1e-9):7.1f}x")
    for extra in ([], ["--runs", "200"]):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "stakes", "backtest", str(DEU), "-f", "json", *extra], check=True,
                       capture_output=True)
        print(f"whole command stakes backtest {' '.join(extra) or '(one run)'}: {time.perf_counter() - start:.1f} s "
              "wall")


if __name__ == "__main__":
    main()
