"""Between the web app and the run store (:mod:`stakes.store`): open it, record runs, read them back.

A run the app records gets the id ``s<store id>``, so its page and downloads keep their addresses after a
restart. Recording is one transaction (``RunStore.record``): a failure leaves no half-written run, and
the job is reported failed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .context import WebContext
from .jobs import Job
from .runs import MAIN_TABLE, RunRecord, record_from_tables


def open_store(url: str) -> tuple[Any, str | None]:
    """``(store, None)``, or ``(None, message)`` when the store cannot be opened (the app still runs)."""
    try:
        from ..store import RunStore
    except ImportError as exc:
        return None, f"the run store is not available ({exc}); runs are kept in memory only"
    try:
        return RunStore(url), None
    except Exception as exc:
        return None, f"cannot open the run store: {exc}; runs are kept in memory only"


def record_run(ctx: WebContext, rec: RunRecord, job: Job) -> str:
    options: dict[str, Any] = {**job.meta.get("options", {}), "source": "web", "job": job.id}
    if rec.runs is not None:
        options["runs"] = rec.runs
    info = rec.tables.get("sensitivity_info")
    if info is not None and len(info) == 1:  # what the command line records: the sample size used
        options.update(samples=int(info["samples"].iloc[0]), evaluations=int(info["evaluations"].iloc[0]))
    stored = ctx.store.record(rec.kind, rec.scenario, rec.tables, variants=rec.variants, models=rec.models,
                              seed=rec.seed, options=options, label=f"web {job.id}")
    rec.id = f"s{stored}"
    return str(stored)


def stored_summaries(ctx: WebContext, limit: int = 200) -> list[dict[str, Any]]:
    frame = ctx.store.list(limit=limit, status="finished")
    out = []
    for row in frame.to_dict(orient="records"):
        if row["kind"] not in MAIN_TABLE:
            continue
        out.append({
            "id": f"s{row['id']}", "kind": row["kind"], "scenario": row["scenario"], "title": row["title"],
            "scenario_id": None, "models": [m for m in str(row["models"] or "").split(",") if m],
            "variants": [v for v in str(row["variants"] or "").split(",") if v],
            "seed": None if pd.isna(row["seed"]) else int(row["seed"]),
            "runs": None, "created": row["started"].timestamp(), "stored_id": str(row["id"]),
            "version": row["version"],
        })
    out.reverse()  # oldest first, like the in-memory runs
    return out


def load_stored(ctx: WebContext, run_id: str) -> RunRecord | None:
    """A stored run (id ``s<n>``) read back as a :class:`RunRecord` (no live result object)."""
    if not (run_id.startswith("s") and run_id[1:].isdigit()):
        return None
    from ..store import StoreError

    try:
        run = ctx.store.get(int(run_id[1:]))
    except StoreError:
        return None
    if run.status != "finished" or run.kind not in MAIN_TABLE:
        return None
    rec = record_from_tables(run_id, run.kind, run.scenario(), ctx.store.tables(run.id), run.models,
                             run.variants, run.seed, run.options.get("runs"))
    rec.created, rec.stored_id, rec.version = run.started_at.timestamp(), str(run.id), run.stakes_version
    return rec
