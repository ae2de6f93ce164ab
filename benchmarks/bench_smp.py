"""Benchmark: stakes' SMP against KTAB's own C++ ``smpc``, side by side in one run.

Cases: KTAB's SOE-Pol-Comp (13 actors × 2 dimensions) and a random 20 × 3 scenario in KTAB's CSV format
(KTAB-like actors, fixed seed). For each: one run of stakes' batched SMP (best and median of several), one
``smpc --logmin`` run as a subprocess (wall clock, and KTAB's own "Elapsed time" line), their ratio, and
the largest difference between the two programs' final positions (read from KTAB's SQLite output). Then
batched throughput (runs/s for B = 1000 identical copies) and the plain per-run reference for scale.

KTAB is looked for at ``$KTAB_SMPC`` or /work/ref/KTAB/build/smpc (built as benchmarks/README_smp.md says);
without it the KTAB columns are skipped and only stakes is timed.

    python benchmarks/bench_smp.py [--repeat 7] [--batch 1000]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from stakes.arrays import compile_scenario
from stakes.io import load_scenario
from stakes.models import get_model

ROOT = Path(__file__).resolve().parents[1]
SOE = ROOT / "tests" / "data" / "validation" / "ktab-soe-pol-comp" / "SOE-Pol-Comp.csv"
SMPC = Path(os.environ.get("KTAB_SMPC", "/work/ref/KTAB/build/smpc"))
LOGGER_CONF = SMPC.parent.parent / "examples" / "smp" / "smpc-logger.conf"


def random_ktab_csv(path: Path, n: int, d: int, seed: int) -> Path:
    """A KTAB CSV with KTAB-like random actors: power 10–200, total salience 75–99 %, positions 0–100."""
    rng = np.random.default_rng(seed)
    head = ",".join(f"Dim{k} Position,Dim{k} Salience" for k in range(d))
    lines = [f"Random {n}x{d},seed {seed},{n},{d},", f"Actor,Description,Power,{head},"]
    for i in range(n):
        sal = np.floor(rng.dirichlet(np.ones(d)) * rng.uniform(75, 99) * 10) / 10
        pos = rng.uniform(0, 100, d).round(1)
        cells = ",".join(f"{pos[k]},{sal[k]}" for k in range(d))
        lines.append(f"A{i:02d},actor {i},{rng.uniform(10, 200):.1f},{cells},")
    path.write_text("\n".join(lines) + "\n")
    return path


def time_stakes(csv: Path, repeat: int) -> tuple[list[float], float, np.ndarray]:
    """Wall seconds of each run, the best CPU seconds of a run, and the final positions."""
    arrays = compile_scenario(load_scenario(csv))
    spec = get_model("smp")
    spec.run(arrays)  # warm up
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = spec.run(arrays)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, min(cpu), result.positions[0, -1]


def run_ktab(csv: Path, work: Path) -> tuple[float, float, float, np.ndarray]:
    """One ``smpc --logmin`` run: wall seconds, KTAB's own elapsed seconds, CPU seconds (user + system of
    the child) and final positions (0–100)."""
    for old in work.glob("*"):
        old.unlink()
    shutil.copy(LOGGER_CONF, work / "smpc-logger.conf")
    db = work / "bench"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([str(SMPC), "--csv", str(csv), "--logmin", "--connstr", f"Driver=QSQLITE;Database={db}"],
                   cwd=work, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = "".join(p.read_text(errors="replace") for p in work.glob("smpc-*log.txt"))
    found = re.findall(r"Elapsed time: ([0-9.]+) seconds", text)
    own = float(found[-1]) if found else float("nan")
    con = sqlite3.connect(db.with_suffix(".db"))
    rows = con.execute("SELECT Turn_t, Act_i, Dim_k, Pos_Coord FROM VectorPosition").fetchall()
    con.close()
    last = max(r[0] for r in rows)
    n, d = max(r[1] for r in rows) + 1, max(r[2] for r in rows) + 1
    final = np.zeros((n, d))
    for t, i, k, v in rows:
        if t == last:
            final[i, k] = v
    return wall, own, cpu, final


def batched(csv: Path, size: int) -> float:
    arrays = compile_scenario(load_scenario(csv)).batch(size)
    spec = get_model("smp")
    t0 = time.perf_counter()
    spec.run(arrays)
    return size / (time.perf_counter() - t0)


def reference_time(csv: Path) -> float:
    arrays = compile_scenario(load_scenario(csv))
    spec = get_model("smp")
    t0 = time.perf_counter()
    spec.reference(arrays)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    have_ktab = SMPC.is_file() and LOGGER_CONF.is_file()
    if not have_ktab:
        print(f"KTAB's smpc not found at {SMPC} (set KTAB_SMPC): timing stakes only")
    tmp = Path(tempfile.mkdtemp(prefix="bench_smp_"))
    cases = {"SOE-Pol-Comp 13x2": SOE, "random 20x3": random_ktab_csv(tmp / "random20x3.csv", 20, 3, seed=2024)}
    print(f"{'case':<18} {'stakes best':>11} {'median':>8} {'cpu':>7} {'smpc wall':>10} {'own':>7} {'cpu':>7} "
          f"{'ratio best':>10} {'median':>7} {'cpu':>7} {'max|Δ final|':>12}")
    for name, csv in cases.items():
        times, cpu, final = time_stakes(csv, args.repeat)
        best, med = min(times), statistics.median(times)
        line = f"{name:<18} {best * 1e3:>9.1f}ms {med * 1e3:>6.1f}ms {cpu * 1e3:>5.1f}ms"
        if have_ktab:
            work = tmp / "ktab"
            work.mkdir(exist_ok=True)
            runs = [run_ktab(csv, work) for _ in range(max(3, args.repeat // 2))]
            walls, owns, cpus = [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]
            diff = float(np.abs(final - runs[0][3]).max())
            line += (f" {min(walls) * 1e3:>8.0f}ms {min(owns) * 1e3:>5.0f}ms {min(cpus) * 1e3:>5.0f}ms"
                     f" {min(walls) / best:>9.1f}x {statistics.median(walls) / med:>6.1f}x {min(cpus) / cpu:>6.1f}x"
                     f" {diff:>12.2e}")
        print(line)
    print()
    for name, csv in cases.items():
        rate = batched(csv, args.batch)
        ref = reference_time(csv)
        print(f"{name:<18} batched B={args.batch}: {rate:,.0f} runs/s ({1e3 / rate:.2f} ms/run); "
              f"plain per-run reference: {ref * 1e3:.0f} ms/run ({ref * rate:.0f}x slower)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
