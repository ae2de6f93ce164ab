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

from ..forecast import Forecast
from ..scenario import Scenario

RUN_ID = r"^[A-Za-z0-9_\-]{1,64}$"


@dataclass
class RunRecord:
    id: str
    kind: str
    """forecast or simulation."""
    scenario: Scenario
    models: list[str]
    variants: list[str]
    seed: int | None
    runs: int | None
    frame: pd.DataFrame
    """Tidy results: ``variant, model, issue, value, ...`` (one row per variant × model × issue)."""
    trajectories: pd.DataFrame | None = None
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    result: Any = None
    """The live result object (Forecast or simulation) when this process computed it."""
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


def forecast_record(result: Forecast, scenario_id: str | None, seed: int | None) -> RunRecord:
    return RunRecord(
        id="r" + secrets.token_hex(6), kind="forecast", scenario=result.scenario, models=list(result.models),
        variants=list(result.variants), seed=seed, runs=None, frame=result.frame(),
        trajectories=result.trajectories(), verdicts=[dict(v.__dict__) for v in result.verdicts()],
        result=result, scenario_id=scenario_id,
    )


def simulation_record(result: Any, scenario: Scenario, models: list[str], variants: list[str],
                      runs: int, seed: int | None, scenario_id: str | None) -> RunRecord:
    """A record of a simulation result; its tidy summary comes from ``result.frame()`` or ``summary()``."""
    frame = None
    for name in ("summary", "frame"):
        fn = getattr(result, name, None)
        if callable(fn):
            frame = fn()
            break
    if frame is None and isinstance(result, pd.DataFrame):
        frame = result
    if frame is None:
        frame = pd.DataFrame()
    return RunRecord(
        id="r" + secrets.token_hex(6), kind="simulation", scenario=scenario, models=models, variants=variants,
        seed=seed, runs=runs, frame=frame, result=result, scenario_id=scenario_id,
    )


class RunRegistry:
    """Thread-safe map run id -> :class:`RunRecord`, newest last."""

    def __init__(self) -> None:
        self._runs: dict[str, RunRecord] = {}
        self._lock = threading.Lock()

    def add(self, record: RunRecord) -> None:
        with self._lock:
            self._runs[record.id] = record

    def get(self, run_id: str) -> RunRecord | None:
        with self._lock:
            return self._runs.get(run_id)

    def list(self) -> list[RunRecord]:
        with self._lock:
            return list(self._runs.values())
