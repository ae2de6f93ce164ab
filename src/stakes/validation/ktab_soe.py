"""KTAB SOE-Pol-Comp case: KTAB's own ``smpc`` run (its 2017 reference log) as the thing to replicate.

Data: github lsyaseen/KTAB (KAPSARC, MIT licence), ``examples/smp/doc/SOE-Pol-Comp.csv`` and the log
``20170530_ref-SOE-Pol-Comp.txt`` of ``smpc --csv SOE-Pol-Comp.csv`` (13 actors × 2 dimensions, 28 states).
Inputs from Efird, Lester & Wise (2016), J. East Asian Studies 16:117–145.

Rows (all ``kind="replication"``):

* model ``smp``, one per actor × dimension: stakes' final position next to KTAB's last turn;
* every registered model, one per dimension: its forecast next to the capability × salience weighted mean
  of KTAB's final positions (KTAB prints positions, not one outcome; this is the same summary the ``smp``
  model reports as its forecast, so ``smp``'s error there is its replication error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..arrays import compile_scenario
from ..errors import ScenarioError
from ..io import load_scenario
from ..models import list_models
from .cases import CaseHandler, ValidationRow, register_case

HISTORY_HEADER = "History of actor positions over time:"
PROB_HEADER = "History of actors' winning probabilities:"


@dataclass(frozen=True)
class KtabLog:
    """What a KTAB ``smpc`` log holds about a run: ``positions`` ``(T+1, n, d)`` on 0–100, per turn."""

    actors: tuple[str, ...]
    dimensions: tuple[str, ...]
    positions: np.ndarray
    win_probability: np.ndarray | None
    """``(T+1, n)``: the probability KTAB gives each actor's position of winning, per turn."""


def parse_ktab_log(path: str | Path) -> KtabLog:
    """Read the position (and win probability) history at the end of a KTAB ``smpc`` log."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc}", file=str(p)) from None
    lines = [re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ INFO \[default\] ", "", ln).rstrip() for ln in lines]
    try:
        start = max(k for k, ln in enumerate(lines) if ln.strip() == HISTORY_HEADER) + 1
    except ValueError:
        raise ScenarioError(f"no '{HISTORY_HEADER}' section", file=str(p),
                            expected="the log of a complete KTAB smpc run") from None
    actors: list[str] = []
    dims: list[str] = []
    series: dict[tuple[str, str], list[float]] = {}
    k = start
    while k < len(lines) and lines[k].strip() != PROB_HEADER:
        head, _, values = lines[k].rpartition(":")
        name, _, dim = head.partition(", ")
        if not head or not dim:
            raise ScenarioError(f"unexpected line '{lines[k]}'", file=str(p), row=k + 1,
                                expected="'<actor>, <dimension>: <positions...>'")
        if name not in actors:
            actors.append(name)
        if dim not in dims:
            dims.append(dim)
        series[(name, dim)] = [float(v) for v in values.split()]
        k += 1
    turns = {len(v) for v in series.values()}
    if len(turns) != 1 or len(series) != len(actors) * len(dims):
        raise ScenarioError("the position history is ragged", file=str(p), row=start,
                            expected="one line per actor and dimension, all with the same number of turns")
    positions = np.array([[series[(a, dim)] for dim in dims] for a in actors]).transpose(2, 0, 1)
    probs = None
    if k < len(lines):
        rows = []
        for ln in lines[k + 1:k + 1 + len(actors)]:
            rows.append([float(v) for v in ln.rpartition(":")[2].split()])
        if len(rows) == len(actors) and {len(r) for r in rows} == {positions.shape[0]}:
            probs = np.array(rows).T
    return KtabLog(tuple(actors), tuple(dims), positions, probs)


def find_log(folder: Path) -> tuple[Path, Path] | None:
    """The KTAB input CSV and its reference log (``*_ref-<stem>.txt``) in ``folder``, if both are there."""
    for log in sorted(folder.glob("*_ref-*.txt")):
        csv = folder / (log.stem.split("_ref-", 1)[1] + ".csv")
        if csv.is_file():
            return csv, log
    return None


def weighted_reference(final: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Capability × salience weighted mean of final positions per dimension; ``final`` ``(n, d)``."""
    return (weights * final).sum(0) / weights.sum(0)


def run(folder: Path) -> list[ValidationRow]:
    found = find_log(folder)
    if found is None:
        return []
    csv, log_path = found
    case = folder.name
    scenario = load_scenario(csv)
    arrays = compile_scenario(scenario)
    log = parse_ktab_log(log_path)
    if len(log.actors) != arrays.n_actors or len(log.dimensions) != arrays.n_issues:
        raise ScenarioError(f"the log has {len(log.actors)} actors × {len(log.dimensions)} dimensions, the "
                            f"scenario {arrays.n_actors} × {arrays.n_issues}", file=str(log_path))
    final = log.positions[-1]
    reference = weighted_reference(final, arrays.weights()[0])
    rows: list[ValidationRow] = []
    for spec in list_models():
        result = spec.run(arrays, **spec.defaults())
        for d, issue in enumerate(arrays.issue_ids):
            rows.append(ValidationRow(case, issue, None, spec.id, float(result.forecast[0, d]),
                                      float(reference[d]), "replication"))
        if spec.id == "smp":
            last = result.positions[0, -1]
            for i, actor in enumerate(arrays.actor_ids):
                for d, issue in enumerate(arrays.issue_ids):
                    rows.append(ValidationRow(case, issue, actor, "smp", float(last[i, d]), float(final[i, d]),
                                              "replication"))
    return rows


register_case(CaseHandler("ktab-soe", lambda folder: find_log(folder) is not None, run))
