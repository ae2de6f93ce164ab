"""Benchmark: stakes' exchange model vs the decide-exchange-model package on COP21 (15 actors × 13 issues, 10 rounds).

    python benchmarks/bench_exchange.py [--runs 500] [--decide-python /work/ref/decide-venv/bin/python]

Side by side in one run: Decide's own equal-gain model (p = 0, ALLOW_RANDOM = False) in a subprocess of its
separate virtual environment (skipped with a message where absent, as in CI), stakes' numba kernel and numpy
engine on one run and on ``--runs`` perturbed copies (per-run time), and stakes' plain per-run reference.
Wall-clock and CPU seconds are both printed: the machine may be shared, and CPU time is the fairer figure then.
numba's compile time is measured apart, in fresh processes with an empty and then a filled on-disk cache
(skipped with a message where numba is not installed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from stakes.arrays import compile_scenario
from stakes.errors import OptionError
from stakes.io.decide import read_decide
from stakes.models.exchange import exchange, exchange_reference

ROOT = Path(__file__).resolve().parents[1]
COP21 = ROOT / "tests" / "data" / "validation" / "decide-cop21" / "cop21_2015_full_with_provenance.tsv"
DRIVER = ROOT / "tests" / "data" / "decide_reference" / "make_fixtures.py"
DEFAULT_DECIDE = Path("/work/ref/decide-venv/bin/python")


def timed(fn, repeat: int = 3) -> tuple[float, float]:
    """Best wall-clock seconds of ``repeat`` calls and the CPU seconds of that call."""
    best = (np.inf, np.inf)
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        best = min(best, (wall, cpu))
    return best


def decide_time(python: Path, repeat: int) -> tuple[float, float] | None:
    if not python.exists():
        print(f"decide-exchange-model: skipped ({python} not found; see tests/data/decide_reference/README.md)")
        return None
    best = (np.inf, np.inf)
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([str(python), str(DRIVER), str(COP21), "--time"], capture_output=True, text=True,
                             check=True, cwd=ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, (wall, cpu))
    return best


def perturbed(arrays, runs: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    batch = arrays.batch(runs)
    pos = np.clip(batch.position + rng.normal(0, 5, batch.position.shape), 0, 100)
    sal = np.clip(batch.salience * rng.lognormal(0, 0.1, batch.salience.shape), 0.01, 1)
    return replace(batch, position=pos, salience=sal)


def compile_probe() -> None:
    """In a fresh process: seconds to import the kernel, first one-run call, first batched call (JSON)."""
    t = time.perf_counter()
    import stakes.models.exchange.numba  # noqa: F401  (imports numba)

    out = {"import": time.perf_counter() - t}
    arrays = compile_scenario(read_decide(COP21))
    for name, arr in (("first one-run call", arrays), ("first batched call", perturbed(arrays, 2))):
        t = time.perf_counter()
        exchange(arr, rounds=1, engine="numba")
        out[name] = time.perf_counter() - t
    print(json.dumps(out))


def compile_times() -> None:
    try:
        import numba  # noqa: F401
    except ImportError:
        print("numba: not installed (pip install 'stakes[fast]'); numba rows skipped")
        return
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("empty cache (compiles)", "filled cache (loads)"):
            out = subprocess.run([sys.executable, __file__, "--compile-probe"], capture_output=True, text=True,
                                 check=True, env=env)
            times = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"numba, new process, {label}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=500, help="perturbed copies for the batched figure")
    ap.add_argument("--decide-python", type=Path, default=Path(os.environ.get("DECIDE_PYTHON", DEFAULT_DECIDE)))
    ap.add_argument("--decide-repeat", type=int, default=2)
    ap.add_argument("--compile-probe", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.compile_probe:
        return compile_probe()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    compile_times()
    arrays = compile_scenario(read_decide(COP21))
    engines = ["numpy"]
    try:
        exchange(arrays, rounds=1, engine="numba")  # compile / load once, outside the timings
        exchange(perturbed(arrays, 2), rounds=1, engine="numba")
        engines.insert(0, "numba")
    except OptionError as err:
        print(f"numba rows skipped: {err}")
    rows: list[tuple[str, float, float]] = []
    dec = decide_time(args.decide_python, args.decide_repeat)
    if dec:
        rows.append(("decide-exchange-model (one run)", *dec))
    for eng in engines:
        for tb in ("first", "decide"):
            rows.append((f"stakes {eng}, one run, tie_break={tb}", *timed(lambda e=eng, t=tb: exchange(
                arrays, tie_break=t, engine=e), repeat=5 if eng == "numba" else 3)))
    ref = timed(lambda: exchange_reference(arrays), repeat=1)
    rows.append(("stakes per-run reference (float), one run", *ref))
    batch = perturbed(arrays, args.runs)
    for eng in engines:
        wall, cpu = timed(lambda e=eng: exchange(batch, engine=e), repeat=1)
        rows.append((f"stakes {eng}, per run of B = {args.runs}", wall / args.runs, cpu / args.runs))
    print(f"\n{'':52} {'wall s':>9} {'CPU s':>9} {'Decide/this (wall)':>19} {'(CPU)':>7}")
    for name, w, c in rows:
        ratio = f"{dec[0] / w:19.1f} {dec[1] / c:7.1f}" if dec else f"{'-':>19} {'-':>7}"
        print(f"{name:52} {w:9.4f} {c:9.4f} {ratio}")
    print()
    if "numba" in engines:
        by = {name: w for name, w, _ in rows}
        for tb in ("first", "decide"):
            ratio = by[f"stakes numpy, one run, tie_break={tb}"] / by[f"stakes numba, one run, tie_break={tb}"]
            print(f"numba vs numpy engine, one run, tie_break={tb}: {ratio:.1f}× (wall)")
        ratio = by[f"stakes numpy, per run of B = {args.runs}"] / by[f"stakes numba, per run of B = {args.runs}"]
        print(f"numba vs numpy engine, per run of B = {args.runs}: {ratio:.1f}× (wall)")


if __name__ == "__main__":
    sys.exit(main())
