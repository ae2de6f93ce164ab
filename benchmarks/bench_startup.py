"""Whole-command timings of the ``stakes`` command line, as ratios to bare Python starts (issue 14).

Each command runs as a fresh process, all of them interleaved round after round (``--repeat`` rounds), so
a burst of load on the shared machine hits every command alike; the medians of wall-clock and of CPU time
(user + system of the child) are printed, then the ratios the targets are stated in:

* ``stakes --help`` / ``python -c pass``                                    target ≤ 10
* first ``stakes forecast`` after install / a warm one                      target ≤ 2
  (first = an empty numba cache directory, ``NUMBA_CACHE_DIR``; warm = after ``stakes compile``, which
  ``scripts/forecast.sh`` runs once after installing, and the same command once before)
* warm ``stakes forecast`` / ``python -c "import numpy, pandas"``           target ≤ 4
* ``stakes simulate`` of 10,000 BDM runs of a random 30 × 6 tidy CSV        target ≤ 5 s (a time, not a ratio)
  next to the same simulation timed inside one process (``--in-process``), to show what start-up adds.
* ``stakes report`` of the built-in scenario with its defaults (on two cores or more: the charts drawn in a
  second process started at once), and the same with ``--no-parallel`` (one process)   target ≤ 10 s

Recording into the run store is off (``STAKES_DB=off``) except in the row that says it records.

    python benchmarks/bench_startup.py                    # every row, 5 rounds
    python benchmarks/bench_startup.py --only help forecast --repeat 9
    python benchmarks/bench_startup.py --only report --repeat 3 --before /tmp/old/src   # old code beside

``--before SRC`` adds a ``stakes report`` row run with ``PYTHONPATH=SRC`` (e.g. ``git archive <commit> src``
unpacked), interleaved with the others: a before/after comparison under the same load.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PY = sys.executable
SIM_ARGS = ["--runs", "10000", "-m", "bdm", "--position-sd", "5", "--salience-sd", "10", "--capability-sd", "0.2",
            "--format", "json"]


def random_csv(path: Path, n: int, d: int, seed: int = 0) -> Path:
    """The issue's shape: positions U(0,100), saliences U(10,100), capabilities U(5,100) per actor."""
    rng = np.random.default_rng(seed)
    cap = rng.uniform(5, 100, n)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["actor", "issue", "position", "salience", "capability"])
        for a in range(n):
            for i in range(d):
                out.writerow([f"a{a}", f"i{i}", round(rng.uniform(0, 100), 3), round(rng.uniform(10, 100), 3),
                              round(cap[a], 3)])
    return path


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_to_answer(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds until the command's last line of output (the whole answer: recording prints nothing), and until
    it ends (it prints, then records)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    last = 0.0
    for _line in proc.stdout:
        last = time.perf_counter() - t0
    if proc.wait() != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return last, time.perf_counter() - t0


IN_PROCESS = """
import sys, time
from stakes import load_scenario, simulate, SpreadOverride
sc = load_scenario(sys.argv[1])
simulate(sc, 50, models=["bdm"], variants=["baseline"], sides=False, override=SpreadOverride(5, 10, 0.2))
t0 = time.perf_counter()
simulate(sc, 10000, models=["bdm"], variants=["baseline"], sides=False, override=SpreadOverride(5, 10, 0.2))
print(time.perf_counter() - t0)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", nargs="*", default=["help", "forecast", "simulate"],
                    choices=["help", "forecast", "simulate", "report"])
    ap.add_argument("--before", type=Path, help="a src directory of earlier code: its `stakes report` beside")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stakes-bench-"))
    warm_cache, db = work / "numba-warm", work / "runs.db"
    base = {**os.environ, "STAKES_DB": "off", "NUMBA_CACHE_DIR": str(warm_cache)}
    stakes = [PY, "-m", "stakes"]
    rows: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": ([PY, "-c", "pass"], base),
        'python -c "import numpy, pandas"': ([PY, "-c", "import numpy, pandas"], base),
    }
    if "help" in args.only:
        rows["stakes --help"] = ([*stakes, "--help"], base)
    if "forecast" in args.only:
        rows["stakes forecast (warm)"] = ([*stakes, "forecast"], base)
        rows["stakes forecast (first: empty numba cache)"] = ([*stakes, "forecast"], {**base, "NUMBA_CACHE_DIR": ""})
        rows["stakes forecast (warm, recording to SQLite)"] = ([*stakes, "forecast"], {**base, "STAKES_DB": str(db)})
    csv_path = random_csv(work / "random30x6.csv", 30, 6)
    if "simulate" in args.only:
        rows["stakes simulate 10,000 × bdm, 30 × 6 (warm)"] = ([*stakes, "simulate", str(csv_path), *SIM_ARGS], base)
        rows["stakes simulate 10,000 × bdm, 30 × 6 (first: empty cache)"] = (
            [*stakes, "simulate", str(csv_path), *SIM_ARGS], {**base, "NUMBA_CACHE_DIR": ""})
        rows["the same, 8 rounds (--param bdm.report=mean-of-rounds, warm)"] = (
            [*stakes, "simulate", str(csv_path), *SIM_ARGS, "--param", "bdm.report=mean-of-rounds"], base)
    if "report" in args.only:
        rows["stakes report (built-in scenario)"] = ([*stakes, "report", "-o", str(work / "r.html")], base)
        rows["stakes report --no-parallel"] = ([*stakes, "report", "--no-parallel", "-o", str(work / "r2.html")],
                                               base)
        if args.before:
            rows[f"stakes report, code of {args.before}"] = (
                [*stakes, "report", "-o", str(work / "r0.html")], {**base, "PYTHONPATH": str(args.before.resolve())})
    compile_s = timed([*stakes, "compile"], base)  # what scripts/forecast.sh does once after installing
    print(f"stakes compile (once after install, empty cache): {compile_s[0]:.1f} s wall, {compile_s[1]:.1f} s CPU")
    for cmd, env in rows.values():  # fill the warm cache and the disk cache once
        if env.get("NUMBA_CACHE_DIR") == str(warm_cache):
            timed(cmd, env)
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in rows}
    for _ in range(args.repeat):
        for label, (cmd, env) in rows.items():
            if env.get("NUMBA_CACHE_DIR") == "":  # a fresh, empty cache directory for every "first" run
                cold = work / f"numba-cold-{time.monotonic_ns()}"
                env = {**env, "NUMBA_CACHE_DIR": str(cold)}
            samples[label].append(timed(cmd, env))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in samples.items()}
    print(f"{args.repeat} interleaved rounds, medians; {os.cpu_count()} cores; load average now "
          f"{os.getloadavg()[0]:.1f}\n")
    print("| command | wall s | CPU s |\n|---|---|---|")
    for label, (w, c) in med.items():
        print(f"| {label} | {w:.2f} | {c:.2f} |")
    print("\n| ratio | wall | CPU | target |\n|---|---|---|---|")

    def ratio(label: str, num: str, den: str, target: str) -> None:
        if num in med and den in med:
            print(f"| {label} | {med[num][0] / med[den][0]:.1f}× | {med[num][1] / med[den][1]:.1f}× | {target} |")

    ratio("stakes --help / python -c pass", "stakes --help", "python -c pass", "≤ 10×")
    ratio("first forecast / warm forecast", "stakes forecast (first: empty numba cache)", "stakes forecast (warm)",
          "≤ 2×")
    ratio("warm forecast / import numpy, pandas", "stakes forecast (warm)", 'python -c "import numpy, pandas"',
          "≤ 4×")
    ratio("warm forecast recording / import numpy, pandas", "stakes forecast (warm, recording to SQLite)",
          'python -c "import numpy, pandas"', "(context)")
    ratio("report / import numpy, pandas", "stakes report (built-in scenario)", 'python -c "import numpy, pandas"',
          "(context; the target is ≤ 10 s)")
    ratio("report (two processes) / in one", "stakes report (built-in scenario)", "stakes report --no-parallel",
          "< 1")
    if args.before:
        ratio("report / the same with the earlier code", "stakes report (built-in scenario)",
              f"stakes report, code of {args.before}", "< 1")
    if "forecast" in args.only:
        label = "stakes forecast (warm, recording to SQLite)"
        answer = [time_to_answer(*rows[label]) for _ in range(args.repeat)]
        print(f"\n{label}: its whole answer on stdout after {statistics.median(a for a, _ in answer):.2f} s, "
              f"it ends after {statistics.median(e for _, e in answer):.2f} s (wall, medians of {args.repeat})")
    if "simulate" in args.only:
        inside = [float(subprocess.run([PY, "-c", IN_PROCESS, str(csv_path)], env=base, capture_output=True,
                                       text=True, check=True).stdout) for _ in range(min(3, args.repeat))]
        print(f"\nsimulate 10,000 × bdm of 30 × 6 inside one process (after a 50-run warm-up): "
              f"{statistics.median(inside):.2f} s wall (median of {len(inside)}); target for the whole command ≤ 5 s")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
