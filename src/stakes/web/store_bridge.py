"""Between the web app and the run store (:mod:`stakes.store`): open it, record runs, read them back."""

from __future__ import annotations

from typing import Any

from .context import WebContext
from .jobs import Job
from .runs import RunRecord


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


def record_run(ctx: WebContext, rec: RunRecord, job: Job) -> str | None:
    return None


def stored_summaries(ctx: WebContext) -> list[dict[str, Any]]:
    return []


def load_stored(ctx: WebContext, run_id: str) -> RunRecord | None:
    return None
