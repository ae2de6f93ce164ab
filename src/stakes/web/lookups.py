"""Run and model lookups shared by the JSON API (:mod:`.api_runs`) and the pages (:mod:`.pages`)."""

from __future__ import annotations

from typing import Any

from ..models import list_models
from .context import WebContext
from .runs import RunRecord
from .workspace import NotFound


def default_models(scenario_models: list[str]) -> list[str]:
    known = {m.id for m in list_models()}
    chosen = [m for m in scenario_models if m in known]
    return chosen or ["weighted-mean"]


def get_record(ctx: WebContext, run_id: str) -> RunRecord:
    record = ctx.runs.get(run_id)
    if record is None and ctx.store is not None:
        from .store_bridge import load_stored  # the run store (SQLAlchemy) only when one is open

        record = load_stored(ctx, run_id)
    if record is None:
        raise NotFound(f"no run '{run_id}'")
    return record


def run_summaries(ctx: WebContext) -> list[dict[str, Any]]:
    """This server's runs, then the run store's that are not among them."""
    out = [r.summary() for r in ctx.runs.list()]
    if ctx.store is not None:
        from .store_bridge import stored_summaries

        seen = {r["stored_id"] for r in out if r["stored_id"]}
        out += [s for s in stored_summaries(ctx) if s["stored_id"] not in seen]
    return out
