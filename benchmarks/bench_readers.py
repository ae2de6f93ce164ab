"""Benchmark of the table readers (stakes.io): time to read a tidy CSV / XLSX of growing size.

    python benchmarks/bench_readers.py [--rows 2000 16000] [--xlsx] [--repeat 3]

Writes tidy tables of ``rows`` rows (actors × 8 issues) to a temporary folder and reads each with
``stakes.io.load_scenario``. Prints wall and CPU time per size and the ratio of the largest to the smallest
time against the ratio of their sizes: a linear reader has a time ratio close to the size ratio, a quadratic
one close to its square.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from stakes.io import load_scenario

ISSUES = 8


def write_tidy(path: Path, rows: int) -> None:
    actors = max(1, rows // ISSUES)
    lines = ["actor,issue,position,salience,capability"]
    for a in range(actors):
        for i in range(ISSUES):
            lines.append(f"actor{a},issue{i},{(a * 7 + i * 13) % 101},{(a + i) % 100 + 1},{a % 50 + 1}")
    path.write_text("\n".join(lines) + "\n")


def write_xlsx(path: Path, csv_path: Path) -> None:
    import pandas as pd

    pd.read_csv(csv_path).to_excel(path, index=False, engine="openpyxl")


def timed(path: Path, repeat: int) -> tuple[float, float]:
    """Best wall time of ``repeat`` reads and the CPU time of that read."""
    best, best_cpu = float("inf"), 0.0
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        load_scenario(path)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if wall < best:
            best, best_cpu = wall, cpu
    return best, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 16000])
    parser.add_argument("--xlsx", action="store_true", help="also time the same tables as .xlsx")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}; rows = actors × {ISSUES} issues")
    kinds = ["csv", "xlsx"] if args.xlsx else ["csv"]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            times: list[tuple[int, float]] = []
            for rows in sorted(args.rows):
                csv_path = Path(tmp) / f"t{rows}.csv"
                write_tidy(csv_path, rows)
                path = csv_path
                if kind == "xlsx":
                    path = Path(tmp) / f"t{rows}.xlsx"
                    write_xlsx(path, csv_path)
                wall, cpu = timed(path, args.repeat)
                times.append((rows, wall))
                print(f"{kind:5s} {rows:>7,} rows: {wall:8.3f} s wall, {cpu:8.3f} s CPU, "
                      f"{1e6 * wall / rows:7.1f} µs/row")
            (n0, t0), (n1, t1) = times[0], times[-1]
            if n1 > n0:
                print(f"{kind:5s} time ratio {t1 / t0:.1f} for a size ratio {n1 / n0:.1f} "
                      f"(linear ≈ {n1 / n0:.1f}, quadratic ≈ {(n1 / n0) ** 2:.0f})")


if __name__ == "__main__":
    main()
