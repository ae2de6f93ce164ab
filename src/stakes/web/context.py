"""The state one app instance shares between its routes, and the JSON shapes of its API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from .jobs import JobManager
from .limits import Limits
from .runs import RunRegistry
from .workspace import Workspace


@dataclass
class WebContext:
    limits: Limits
    workspace: Workspace
    jobs: JobManager
    runs: RunRegistry
    store: Any = None
    """A run store (``stakes.store.RunStore``) or None when runs are kept in memory only."""
    store_error: str | None = None
    token: str | None = None


def get_ctx(request: Request) -> WebContext:
    return request.app.state.ctx


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


Name = Field(min_length=1, max_length=80)


class CellEdit(_Strict):
    actor: str = Name
    issue: str = Name
    position: float | None = None
    salience: float | None = Field(default=None, ge=0, le=100)
    capability: float | None = Field(default=None, ge=0, le=1e12)


class ActorEdit(_Strict):
    id: str = Name
    capability: float | None = Field(default=None, ge=0, le=1e12)
    name: str | None = Field(default=None, max_length=200)


class TableEdit(_Strict):
    """An edit of the actor × issue table, made on ``version`` (a stale version gets 409)."""

    version: int = Field(ge=1)
    cells: list[CellEdit] = Field(default_factory=list, max_length=10_000)
    actors: list[ActorEdit] = Field(default_factory=list, max_length=1_000)


class ScenarioPut(_Strict):
    """A whole scenario (the YAML format as JSON) replacing ``version``."""

    version: int = Field(ge=1)
    scenario: dict[str, Any]


class ScenarioCreate(_Strict):
    scenario: dict[str, Any]


class BuiltinCreate(_Strict):
    name: str = Field(min_length=1, max_length=80)


class RunRequest(_Strict):
    kind: Literal["forecast", "simulation"] = "forecast"
    models: list[str] | None = Field(default=None, max_length=12)
    """Model ids (default: the scenario's models that this installation has)."""
    variants: list[str] | None = Field(default=None, max_length=50)
    """Variant ids, 'baseline' for the baseline (default: the baseline and every variant)."""
    runs: int = Field(default=500, ge=1, le=10_000_000)
    """Monte Carlo runs (simulation only)."""
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    version: int | None = Field(default=None, ge=1)
    """If given, the run is refused (409) unless the scenario is still at this version."""


class ErrorOut(BaseModel):
    detail: str


class EntryOut(BaseModel):
    id: str
    version: int
    title: str
    scenario_id: str
    origin: str
    n_actors: int
    n_issues: int
    n_variants: int


class ScenarioOut(EntryOut):
    scenario: dict[str, Any]


class JobOut(BaseModel):
    id: str
    kind: str
    scenario_id: str | None
    status: str
    progress: float
    message: str
    error: str | None
    run_id: str | None
    created: float
    started: float | None
    finished: float | None


class RunSummary(BaseModel):
    id: str
    kind: str
    scenario: str
    title: str
    scenario_id: str | None
    models: list[str]
    variants: list[str]
    seed: int | None
    runs: int | None
    created: float
    stored_id: str | None
    version: str | None


class RunOut(RunSummary):
    results: list[dict[str, Any]]
    trajectories: list[dict[str, Any]]
    verdicts: list[dict[str, Any]]
    issues: list[dict[str, Any]]
    actors: list[dict[str, Any]]
    stances: list[dict[str, Any]]
    """The baseline's positions and saliences (for the charts)."""
    info: list[dict[str, Any]] = []
    """What describes the run as a whole: an alignment's energies, a sensitivity's sample sizes."""


class ModelOut(BaseModel):
    id: str
    name: str
    description: str
    dynamic: bool
    parameters: list[dict[str, Any]]


class CompareOut(BaseModel):
    a: str
    b: str
    variant_a: str
    variant_b: str
    rows: list[dict[str, Any]]
