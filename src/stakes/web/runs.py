"""Finished runs as the web app shows them: tidy result tables plus what is needed to rebuild a report.

Runs live in memory for this server process and, when a run store is configured (``--db URL`` or
``STAKES_DB``), are also recorded there so they survive a restart (see :mod:`.store_bridge`).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..scenario import Scenario

RUN_ID = r"^[A-Za-z0-9_\-]{1,64}$"
MAIN_TABLE = {"forecast": "forecast", "simulation": "summary", "alignment": "alignment",
              "sensitivity": "sensitivity"}
"""The kinds of run the app shows, and the table of each that holds its results."""
INFO_TABLE = {"simulation": "simulation_info", "alignment": "alignment_summary",
              "sensitivity": "sensitivity_info"}
"""The table that describes a run as a whole (one row per variant, or one row)."""


@dataclass
class RunRecord:
    id: str
    kind: str
    """forecast, simulation, alignment or sensitivity (:data:`MAIN_TABLE`)."""
    scenario: Scenario
    models: list[str]
    variants: list[str]
    seed: int | None
    runs: int | None
    frame: pd.DataFrame
    """Tidy results: ``variant, model, issue, value, ...`` (one row per variant × model × issue)."""
    trajectories: pd.DataFrame | None = None
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    """Thesis verdicts (forecast, alignment's side theses) or probabilities (simulation), as records."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Every tidy table of the run (what the store records and the report draws)."""
    scenario_id: str | None = None
    created: float = field(default_factory=time.time)
    stored_id: str | None = None
    version: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "scenario": self.scenario.id, "title": self.scenario.title,
            "scenario_id": self.scenario_id, "models": self.models, "variants": self.variants,
            "seed": self.seed, "runs": self.runs, "created": self.created, "stored_id": self.stored_id,
            "version": self.version,
        }


def _verdicts(tables: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    frame = next((tables[k] for k in ("verdicts", "theses", "side_verdicts") if k in tables), None)
    probabilities = tables.get("side_theses")  # an alignment's Monte Carlo: P(side thesis holds)
    if frame is not None and probabilities is not None and not probabilities.empty:
        p = probabilities[["thesis", "variant", "probability"]]
        frame = frame.drop(columns=["probability"], errors="ignore").merge(p, on=["thesis", "variant"], how="left")
    if frame is None or frame.empty:
        return []
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def record_from_tables(run_id: str, kind: str, scenario: Scenario, tables: dict[str, pd.DataFrame],
                       models: list[str], variants: list[str], seed: int | None, runs: int | None,
                       scenario_id: str | None = None) -> RunRecord:
    """A run from its tidy tables (:mod:`stakes.report.tidy`): the same for a live and a stored run."""
    main = tables.get(MAIN_TABLE.get(kind, kind))
    if main is not None:  # runs recorded without their lists: take them from the results
        if not models and "model" in main:
            models = [str(m) for m in dict.fromkeys(main["model"])]
        if not variants and "variant" in main:
            variants = [str(v) for v in dict.fromkeys(main["variant"])]
    return RunRecord(
        id=run_id, kind=kind, scenario=scenario, models=list(models), variants=list(variants), seed=seed,
        runs=runs, frame=pd.DataFrame() if main is None else main, trajectories=tables.get("trajectories"),
        verdicts=_verdicts(tables), tables=tables, scenario_id=scenario_id,
    )


def new_record(kind: str, result: Any, scenario: Scenario, models: list[str], variants: list[str],
               seed: int | None, runs: int | None, scenario_id: str | None) -> RunRecord:
    """A run of a live result (a Forecast or a SimulationResult), or of its tidy tables as a job returns them."""
    from ..report.tidy import result_tables

    tables = result if _is_tables(result) else result_tables(kind, result)
    return record_from_tables("r" + secrets.token_hex(6), kind, scenario, tables, models, variants, seed,
                              runs if kind in ("simulation", "alignment") else None, scenario_id)


def _is_tables(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, pd.DataFrame) for v in value.values())


class RunRegistry:
    """Thread-safe map run id -> :class:`RunRecord`, newest last."""

    def __init__(self, keep: int = 200) -> None:
        self._runs: dict[str, RunRecord] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def add(self, record: RunRecord) -> None:
        """Keep ``record``; past ``keep`` runs the oldest are dropped (stored ones stay in the store)."""
        with self._lock:
            self._runs[record.id] = record
            while len(self._runs) > self._keep:
                del self._runs[next(iter(self._runs))]

    def get(self, run_id: str) -> RunRecord | None:
        with self._lock:
            return self._runs.get(run_id)

    def list(self) -> list[RunRecord]:
        with self._lock:
            return list(self._runs.values())
