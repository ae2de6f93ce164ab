"""Produce the Decide reference fixtures (run with the decide-exchange-model venv, NOT stakes' venv).

    /work/ref/decide-venv/bin/python tests/data/decide_reference/make_fixtures.py \
        tests/data/validation/decide-cop21/cop21_2015_full_with_provenance.tsv tests/data/decide_reference

Drives the package's own EqualGainModel + ModelLoop (p = 0, EqualGainModel.ALLOW_RANDOM = False, 10 rounds)
and records, per round, the outcome per issue and every executed exchange. This script only calls the package;
no code of the package is copied here. With ``--time`` it only times the run (used by benchmarks/bench_exchange.py).
"""

from __future__ import annotations

import csv
import json
import sys
import time

import decide
from decide.data.modelfactory import ModelFactory
from decide.data.reader import InputDataFile
from decide.model import equalgain
from decide.model.utils import ModelLoop

ROUNDS = 10


class Recorder:
    """The minimal event handler ModelLoop needs; keeps what we export."""

    def __init__(self, model) -> None:
        self.model = model
        self.rows: list[dict] = []
        self.exchanges: list[dict] = []
        self.round = 0

    def before_loop(self, iteration, repetition):
        self.round = iteration + 1
        if iteration == 0:
            for issue, nbs in self.model.nbs.items():
                self.rows.append({"round": 0, "issue": issue.name, "outcome": float(nbs)})

    def removed_exchanges(self, removed):
        pass

    def execute_exchange(self, ex):
        row = {"round": self.round, "order": len([e for e in self.exchanges if e["round"] == self.round]) + 1,
               "gain": float(ex.gain)}
        for side, a in (("i", ex.i), ("j", ex.j)):
            row.update({f"{side}_actor": a.actor.actor_id, f"{side}_supply": a.supply.issue.name,
                        f"{side}_start": float(a.start_position), f"{side}_from": float(a.supply.position),
                        f"{side}_move": float(a.move), f"{side}_y": float(a.y)})
        self.exchanges.append(row)

    def after_loop(self, realized, iteration, repetition):
        pass

    def end_loop(self, iteration, repetition):
        for issue, nbs in self.model.nbs.items():
            self.rows.append({"round": iteration + 1, "issue": issue.name, "outcome": float(nbs)})


def run(path: str, rounds: int = ROUNDS):
    equalgain.EqualGainModel.ALLOW_RANDOM = False
    factory = ModelFactory(InputDataFile.open(path))
    model = factory(model_klass=equalgain.EqualGainModel, randomized_value="0.0")
    rec = Recorder(model)
    loop = ModelLoop(model, rec, 0)
    for _ in range(rounds):
        loop.model = model
        loop.loop()
        rec.model = model
    return rec, model


def main() -> None:
    path = sys.argv[1]
    if "--time" in sys.argv:
        t0 = time.perf_counter()
        run(path)
        print(json.dumps({"seconds": time.perf_counter() - t0, "version": decide.__version__}))
        return
    out = sys.argv[2]
    t0 = time.perf_counter()
    rec, _ = run(path)
    seconds = time.perf_counter() - t0
    with open(f"{out}/cop21_outcomes.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, ["round", "issue", "outcome"])
        w.writeheader()
        for r in rec.rows:
            w.writerow({**r, "outcome": repr(r["outcome"])})
    keys = list(rec.exchanges[0])
    with open(f"{out}/cop21_exchanges.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, keys)
        w.writeheader()
        for r in rec.exchanges:
            w.writerow({k: repr(v) if isinstance(v, float) else v for k, v in r.items()})
    with open(f"{out}/cop21_meta.json", "w") as fh:
        json.dump({"package": "decide-exchange-model", "version": decide.__version__, "model": "equal",
                   "randomized_value": "0.0", "ALLOW_RANDOM": False, "rounds": ROUNDS,
                   "python": sys.version.split()[0], "seconds": round(seconds, 2),
                   "exchanges": len(rec.exchanges)}, fh, indent=2)
        fh.write("\n")


if __name__ == "__main__":
    main()
