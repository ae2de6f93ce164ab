"""The web app factory: JSON API (OpenAPI at /openapi.json, docs at /docs) plus server-rendered pages.

>>> from stakes.web import create_app
>>> app = create_app()                       # runs kept in memory only
>>> app = create_app(db_url="sqlite:///runs.db", token="s3cret")

Errors are JSON ``{"detail": "..."}`` with the status saying what went wrong: 404 unknown id, 409 stale
edit, 413 too large (body or scenario), 422 invalid input (the message names file/row/actor/issue/field),
429 job queue full, 401 token missing. An unexpected error answers 500 without a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..errors import StakesError
from .context import WebContext
from .guards import LOOPBACK_HOSTS, BodyTimeoutMiddleware, HostOriginMiddleware, InFlightLimitMiddleware
from .jobs import Job, JobManager
from .limits import LimitError, Limits
from .runs import RunRegistry, new_record
from .security import BodyLimitMiddleware, HeadersMiddleware, TokenMiddleware
from .workspace import NotFound, StaleEdit, Workspace

log = logging.getLogger("stakes.web")
STATIC = Path(__file__).with_name("static")
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
# reports may carry inline scripts/styles: isolate them from the app's origin and from the network
REPORT_CSP = ("sandbox allow-scripts allow-popups allow-downloads; default-src 'none'; img-src data:; "
              "style-src 'unsafe-inline'; script-src 'unsafe-inline'; font-src data:")


def create_app(db_url: str | None = None, token: str | None = None, limits: Limits | None = None,
               start_method: str | None = None, store: Any = None,
               allowed_hosts: Sequence[str] | None = None) -> FastAPI:
    """A new app. ``db_url``: record runs in this run store (None: memory only, or pass ``store``).

    ``token``: require it on every request (use when binding beyond 127.0.0.1). ``limits``: see
    :class:`~stakes.web.limits.Limits`. ``start_method``: how job processes start (default
    ``forkserver`` where available, else ``spawn``; see :func:`stakes.web.jobs.job_context`).
    ``allowed_hosts``: the Host names (and Origins) the app answers; default: the loopback names when there
    is no token, any host when there is one (the token then keeps other sites out); ``["*"]``: any.
    """
    if allowed_hosts is None and not token:
        allowed_hosts = LOOPBACK_HOSTS
    limits = limits or Limits()
    store_error = None
    if store is None and db_url:
        from .store_bridge import open_store

        store, store_error = open_store(db_url)
    ctx = WebContext(limits=limits, workspace=Workspace(limits), jobs=None, runs=RunRegistry(limits.max_runs_kept),  # type: ignore[arg-type]
                     store=store, store_error=store_error, token=token)
    ctx.jobs = JobManager(limits, on_done=lambda job: _record(ctx, job), start_method=start_method)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.jobs.start()
        yield
        ctx.jobs.shutdown()

    # Swagger UI and ReDoc load their code from a CDN: replaced by a local page (/docs, pages.py)
    app = FastAPI(title="stakes", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Forecast multi-actor negotiations: edit scenarios, run models, compare runs.")
    app.state.ctx = ctx
    _install_errors(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    from .api import router as api_router
    from .api_analyses import router as analyses_router
    from .api_edit import router as edit_router
    from .api_runs import router as runs_router
    from .ledger import router as ledger_router
    from .pages import router as pages_router

    app.include_router(api_router)
    app.include_router(edit_router)
    app.include_router(runs_router)
    app.include_router(analyses_router)
    app.include_router(pages_router)
    app.include_router(ledger_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # the last added runs first: in-flight cap, Host/Origin, token, body size, body time, headers
    app.add_middleware(HeadersMiddleware, page_csp=PAGE_CSP, report_csp=REPORT_CSP)
    app.add_middleware(BodyTimeoutMiddleware, seconds=limits.body_seconds)
    app.add_middleware(BodyLimitMiddleware, max_bytes=limits.max_upload_bytes)
    if token:
        app.add_middleware(TokenMiddleware, token=token)
    if allowed_hosts is not None and "*" not in allowed_hosts:
        app.add_middleware(HostOriginMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(InFlightLimitMiddleware, limit=limits.max_in_flight)
    return app


def _record(ctx: WebContext, job: Job) -> None:
    """Turn a finished job's result into a run: recorded in the store first (if any), then shown."""
    p = job.meta
    rec = new_record(job.kind, job.result, p["scenario"], p.get("models", []), p["variants"], p.get("seed"),
                     p.get("runs"), job.scenario_id)
    rec.version = __version__
    if ctx.store is not None:
        from .store_bridge import record_run

        rec.stored_id = record_run(ctx, rec, job)
    ctx.runs.add(rec)
    job.run_id = rec.id
    job.result = None  # the run holds it now


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(StaleEdit)
    async def stale(_: Request, exc: StaleEdit) -> JSONResponse:
        return _error(409, str(exc))

    @app.exception_handler(LimitError)
    async def limit(_: Request, exc: LimitError) -> JSONResponse:
        return _error(exc.status, exc.message)

    @app.exception_handler(StakesError)
    async def stakes_error(_: Request, exc: StakesError) -> JSONResponse:
        return _error(422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return _error(422, "invalid request: " + "; ".join(parts))

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return _error(500, f"internal error ({type(exc).__name__}); the server goes on, nothing was stored")
