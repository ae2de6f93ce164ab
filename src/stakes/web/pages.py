"""Server-rendered pages (Jinja2, autoescaped); the JavaScript in static/app.js talks to the JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from .. import __version__
from ..models import is_registered, list_models
from ..scenarios import builtin_names
from ..variants import BASELINE
from .context import WebContext, get_ctx
from .lookups import default_models, get_record, run_summaries
from .runs import RUN_ID
from .templating import templates
from .workspace import SCENARIO_ID

router = APIRouter(include_in_schema=False)
Ctx = Annotated[WebContext, Depends(get_ctx)]


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"version": __version__, **context})


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, ctx: Ctx) -> HTMLResponse:
    runs = list(reversed(run_summaries(ctx)))  # newest first
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in runs:  # the scenarios runs were made with: the newest run of each (id, title)
        latest.setdefault((r["scenario"], r["title"]), r)
    return _page(request, "index.html", builtins=builtin_names(), entries=ctx.workspace.list(),
                 runs=runs[:50], scenarios=list(latest.values())[:50], store_error=ctx.store_error,
                 stored=ctx.store is not None)


@router.get("/s/{sid}", response_class=HTMLResponse)
def scenario_page(request: Request, sid: Annotated[str, PathParam(pattern=SCENARIO_ID)], ctx: Ctx) -> HTMLResponse:
    entry = ctx.workspace.get(sid)
    sc = entry.scenario
    cells = {(s.actor, s.issue): s for s in sc.stances}
    chosen = set(default_models(sc.default_models))
    runs = [r for r in ctx.runs.list() if r.scenario_id == sid]
    return _page(request, "scenario.html", entry=entry, scenario=sc, cells=cells, models=list_models(),
                 chosen=chosen, variants=[BASELINE, *(v.id for v in sc.variants)], runs=runs,
                 max_runs=ctx.limits.max_sim_runs,
                 sensitivity_model=next((m for m in sc.simulation_models if is_registered(m)), "weighted-mean"))


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: Annotated[str, PathParam(pattern=RUN_ID)], ctx: Ctx) -> HTMLResponse:
    rec = get_record(ctx, run_id)
    return _page(request, "run.html", run=rec.summary(), scenario=rec.scenario)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The JSON API's operations, from the OpenAPI schema (served locally: no CDN)."""
    ops = []
    for path, item in request.app.openapi()["paths"].items():
        for method, op in item.items():
            params = [f"{p['name']} ({p['in']})" for p in op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {})
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "params": params, "body": ", ".join(body), "codes": sorted(op.get("responses", {}))})
    return _page(request, "apidocs.html", ops=ops)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, ctx: Ctx) -> HTMLResponse:
    return _page(request, "compare.html", runs=run_summaries(ctx))
