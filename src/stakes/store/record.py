"""One-call recording of a result into the store, for the CLI commands and the web app.

Each ``record_*`` returns the new run's id, or None when recording is off (``STAKES_DB=off``).
``recorded(...)`` is the context-manager form that also records a failure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .paths import recording_disabled

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..workers import InProcess, SecondProcess
    from .api import Recording


def start_recorder(db_url: str | None = None) -> InProcess | SecondProcess | None:
    """Where to record a forecast: a second process that imports what recording needs while this one
    computes (:mod:`stakes.workers`; ``recorder.submit(record_forecast, ...)``), this process on a single core,
    or None when recording is off. Shut it down when done (``shutdown(wait=False)`` after an error);
    :func:`recorder` does both. (``stakes simulate`` records in its own process: pandas is loaded there
    already, and a worker still importing when a short simulation ended made that command slower.)"""
    if recording_disabled(db_url):
        return None
    from ..workers import start_worker

    return start_worker(_import_recording_modules)


@contextlib.contextmanager
def recorder(db_url: str | None = None) -> Iterator[InProcess | SecondProcess | None]:
    """:func:`start_recorder` for a block: the worker is stopped at its end, at once if the block failed (a
    record it was writing is rolled back by the database)."""
    where = start_recorder(db_url)
    done = False
    try:
        yield where
        done = True
    finally:
        if where is not None:
            where.shutdown(wait=done)


def _import_recording_modules() -> None:
    """What recording a forecast loads (~1.5 s), loaded before the result arrives."""
    import sqlite3  # noqa: F401

    import sqlalchemy.dialects.sqlite  # noqa: F401  (loaded by the first connection otherwise)
    from sqlalchemy.orm import configure_mappers

    from .. import alignment, diagnostics, forecast  # noqa: F401  (the result arrives pickled)
    from ..io import yaml_io  # noqa: F401  (the scenario is stored as YAML)
    from ..models import list_models
    from ..report import tidy  # noqa: F401  (pandas)
    from . import api  # noqa: F401  (SQLAlchemy, the schema)

    list_models()  # every model's parameters are stored as resolved
    configure_mappers()


def resolved_parameters(scenario: Scenario, models: Sequence[str],
                        params: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Each model's parameters as run: defaults < scenario ``parameters`` < ``params``."""
    from ..models import get_model

    out = {}
    for m in models:
        spec = get_model(m)
        out[m] = spec.resolve({**scenario.model_params(m), **(params or {}).get(m, {})})
    return out


def record_forecast(result: Any, db_url: str | None = None, *, params: dict[str, dict[str, Any]] | None = None,
                    label: str | None = None) -> int | None:
    """Record a :class:`stakes.forecast.Forecast` (``params``: what was passed to ``forecast``, if anything)."""
    if recording_disabled(db_url):
        return None
    from ..report.tidy import result_tables
    from .api import RunStore

    sc = result.scenario
    with RunStore(db_url) as store:
        return store.record("forecast", sc, result_tables("forecast", result), variants=result.variants,
                            models=result.models, parameters=resolved_parameters(sc, result.models, params),
                            seed=sc.seed, label=label)


def record_result(kind: str, scenario: Scenario, result: Any, db_url: str | None = None, *,
                  variants: Sequence[str] = (), models: Sequence[str] = (),
                  parameters: dict[str, Any] | None = None, options: dict[str, Any] | None = None,
                  seed: int | None = None, label: str | None = None) -> int | None:
    """Record a simulation, sensitivity or alignment result (or any result :mod:`stakes.report.tidy` knows)."""
    if recording_disabled(db_url):
        return None
    from ..report.tidy import result_tables
    from .api import RunStore

    attrs = _attributes(result)
    with RunStore(db_url) as store:
        return store.record(
            kind, scenario, result_tables(kind, result, scenario),
            variants=list(variants or attrs.get("variants") or []), models=list(models or attrs.get("models") or []),
            parameters=parameters or {}, options={**attrs.get("options", {}), **(options or {})},
            seed=seed if seed is not None else attrs.get("seed", scenario.seed), label=label,
        )


def record_simulation(result: Any, scenario: Scenario, db_url: str | None = None, **meta: Any) -> int | None:
    return record_result("simulation", scenario, result, db_url, **meta)


def record_sensitivity(result: Any, scenario: Scenario, db_url: str | None = None, **meta: Any) -> int | None:
    return record_result("sensitivity", scenario, result, db_url, **meta)


def record_alignment(result: Any, scenario: Scenario, db_url: str | None = None, **meta: Any) -> int | None:
    return record_result("alignment", scenario, result, db_url, **meta)


@contextlib.contextmanager
def recorded(kind: str, scenario: Scenario, db_url: str | None = None, **meta: Any) -> Iterator[Recording | None]:
    """``with recorded("simulation", sc, db) as rec: ...; rec.add("draws", frame)`` — failures are recorded too.

    Yields None when recording is off.
    """
    if recording_disabled(db_url):
        yield None
        return
    from .api import RunStore

    with RunStore(db_url) as store, store.recording(kind, scenario, **meta) as rec:
        yield rec


def _attributes(result: Any) -> dict[str, Any]:
    """Metadata a result object carries (variants, models, seed, n_runs) when it has such attributes."""
    out: dict[str, Any] = {}
    items = list(result) if isinstance(result, (list, tuple)) else None
    if items:  # a list of per-variant results (alignments, sensitivity analyses)
        out["variants"] = list(dict.fromkeys(str(getattr(r, "variant", "")) for r in items))
        out["models"] = list(dict.fromkeys(str(getattr(r, "model", None) or "landscape") for r in items))
        seeds = {getattr(r, "seed", None) for r in items}
        if len(seeds) == 1 and isinstance(next(iter(seeds)), int):
            out["seed"] = next(iter(seeds))
        out["options"] = {}
        return out
    plan = getattr(result, "plan", None)  # a SimulationResult
    if plan is not None:
        out.update(variants=list(plan.variants), models=list(plan.models), seed=int(plan.seed),
                   options={"runs": int(result.n_runs), "chunk_size": int(plan.chunk_size),
                            "complete": bool(result.complete)})
        return out
    if hasattr(result, "sides"):  # one Alignment
        return {"variants": [result.variant], "models": ["landscape"],
                "options": {"engine": result.engine, "predict": result.predict}}
    if hasattr(result, "samples") and hasattr(result, "model"):  # one SensitivityResult
        return {"variants": [result.variant], "models": [result.model], "seed": int(result.seed),
                "options": {"samples": int(result.samples), "evaluations": int(result.evaluations)}}
    for name in ("variants", "models"):
        value = getattr(result, name, None)
        if isinstance(value, (list, tuple)):
            out[name] = [str(v) for v in value]
    seed = getattr(result, "seed", None)
    if isinstance(seed, int):
        out["seed"] = seed
    options = {}
    for name in ("n_runs", "runs", "n", "sampler", "method"):
        value = getattr(result, name, None)
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            options[name] = value
    out["options"] = options
    return out
