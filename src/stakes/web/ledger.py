"""The forecast ledger in the browser: "Record this forecast" on a run's page, and the ledger page.

``POST /runs/{id}/ledger`` (a plain form; optional ``note``) appends the run's forecasts — one entry per
variant × issue × model, dated now — to the ledger of the app's run store and redirects to ``/ledger``,
which lists the entries, newest first, with their grades once graded (``stakes ledger grade``) and whether
the chain is intact. Without a run store the ledger is not available (409).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse

from ..ledger import LedgerError
from .api_runs import get_record
from .context import WebContext, get_ctx
from .pages import _page
from .runs import RUN_ID

router = APIRouter(include_in_schema=False)
Ctx = Annotated[WebContext, Depends(get_ctx)]
PAGE_SIZE = 500
VERIFY_ON_PAGE = 20_000
"""Up to this many entries the page re-hashes the chain on each view (about 0.3 ms an entry)."""


def _unavailable(ctx: WebContext) -> str | None:
    if ctx.store is None or not hasattr(ctx.store, "engine"):
        return ("the forecast ledger needs a run store: start the app with `stakes serve --db URL` "
                f"(or STAKES_DB){'; ' + ctx.store_error if ctx.store_error else ''}")
    return None


def _ledger(ctx: WebContext) -> Any:
    problem = _unavailable(ctx)
    if problem:
        raise HTTPException(status_code=409, detail=problem)
    from ..store.ledger import LedgerStore

    return LedgerStore(ctx.store)


@router.post("/runs/{run_id}/ledger")
def record_run(run_id: Annotated[str, PathParam(pattern=RUN_ID)], ctx: Ctx,
               note: Annotated[str, Form(max_length=500)] = "") -> RedirectResponse:
    from ..ledger import table_entries

    ledger = _ledger(ctx)
    rec = get_record(ctx, run_id)
    if rec.kind != "forecast":
        raise LedgerError(f"run '{run_id}' is a {rec.kind}; only forecasts are recorded in the ledger")
    ids = ledger.append(table_entries(rec.scenario, rec.frame, note=note.strip() or None,
                                      grid=rec.tables.get("quantile_grid")))
    return RedirectResponse(f"/ledger?added={ids[0]}-{ids[-1]}", status_code=303)


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, ctx: Ctx, added: str | None = None) -> HTMLResponse:
    problem = _unavailable(ctx)
    if problem:
        return _page(request, "ledger.html", entries=[], check=None, unavailable=problem, added=None)
    ledger = _ledger(ctx)
    entries = ledger.entries(limit=PAGE_SIZE, newest_first=True)
    total = ledger.count()
    check = ledger.verify() if total <= VERIFY_ON_PAGE else None
    return _page(request, "ledger.html", entries=entries, check=check, unavailable=None,
                 added=added if added and len(added) <= 40 else None, total=total)
