"""JSON API, part 2: start forecasts and simulations as jobs, follow them, read and download their runs."""

from __future__ import annotations

import io
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from ..checks import check_models
from ..errors import OptionError, StakesError
from ..models import get_model
from ..variants import BASELINE
from .api import ERRORS, Sid, file_response, scenario_out
from .context import CompareOut, JobOut, RunOut, RunRequest, RunSummary, ScenarioOut, WebContext, get_ctx
from .jobs import JOB_ID
from .limits import check_work
from .lookups import default_models, get_record, run_summaries
from .reporting import report_html
from .runs import INFO_TABLE, RUN_ID, RunRecord
from .tasks import forecast_task, simulation_task
from .workspace import NotFound, StaleEdit

router = APIRouter(prefix="/api", responses=ERRORS)
Ctx = Annotated[WebContext, Depends(get_ctx)]
JobId = Annotated[str, PathParam(pattern=JOB_ID)]
RunId = Annotated[str, PathParam(pattern=RUN_ID)]


@router.post("/scenarios/{sid}/runs", response_model=JobOut, status_code=202,
             summary="Start a forecast or a simulation in the background; poll /api/jobs/{id}")
def start_run(sid: Sid, body: RunRequest, ctx: Ctx) -> dict[str, Any]:
    entry = ctx.workspace.get(sid)
    if body.version is not None and body.version != entry.version:
        raise StaleEdit(f"scenario '{sid}' is at version {entry.version}, not {body.version}; reload first")
    scenario = entry.scenario
    models = list(dict.fromkeys(body.models or default_models(scenario.default_models)))
    for m in models:
        get_model(m)
    variants = list(dict.fromkeys(body.variants or [BASELINE, *(v.id for v in scenario.variants)]))
    known = {BASELINE, *(v.id for v in scenario.variants)}
    for v in variants:
        if v not in known:
            raise OptionError(f"unknown variant '{v}' (known: {', '.join(sorted(known))})")
    check_models(scenario, models)  # unknown models, parameters out of bounds: 422 before any job starts
    runs = body.runs if body.kind == "simulation" else 1
    check_work(scenario, len(models), len(variants), runs, ctx.limits)
    seed = scenario.seed if body.seed is None else body.seed
    payload = {"scenario": scenario, "models": models, "variants": variants, "runs": runs, "seed": seed}
    task = forecast_task if body.kind == "forecast" else simulation_task
    job = ctx.jobs.submit(body.kind, task, payload, scenario_id=sid,
                          meta={"version": entry.version, "scenario": scenario, "models": models,
                                "variants": variants, "seed": seed, "runs": runs})
    return job.public()


@router.get("/jobs", response_model=list[JobOut], summary="Jobs of this server, oldest first")
def list_jobs(ctx: Ctx) -> list[dict[str, Any]]:
    return [j.public() for j in ctx.jobs.list()]


@router.get("/jobs/{job_id}", response_model=JobOut, summary="A job's status and progress")
def get_job(job_id: JobId, ctx: Ctx) -> dict[str, Any]:
    job = ctx.jobs.get(job_id)
    if job is None:
        raise NotFound(f"no job '{job_id}'")
    return job.public()


@router.delete("/jobs/{job_id}", response_model=JobOut, summary="Cancel a queued or running job")
def cancel_job(job_id: JobId, ctx: Ctx) -> dict[str, Any]:
    job = ctx.jobs.cancel(job_id)
    if job is None:
        raise NotFound(f"no job '{job_id}'")
    return job.public()


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


@router.get("/runs", response_model=list[RunSummary], summary="Runs of this server and of the run store")
def list_runs(ctx: Ctx) -> list[dict[str, Any]]:
    return run_summaries(ctx)


@router.get("/runs/{run_id}", response_model=RunOut, summary="A run's results, trajectories and verdicts")
def get_run(run_id: RunId, ctx: Ctx) -> dict[str, Any]:
    rec = get_record(ctx, run_id)
    sc = rec.scenario
    return {
        **rec.summary(), "results": _records(rec.frame), "trajectories": _records(rec.trajectories),
        "verdicts": rec.verdicts, "info": _records(rec.tables.get(INFO_TABLE.get(rec.kind, ""))),
        "issues": [{"id": i.id, "name": i.name, "scale_min": i.scale_min, "scale_max": i.scale_max,
                    "anchors": [{"value": a.value, "label": a.label} for a in i.anchors]} for i in sc.issues],
        "actors": [{"id": a.id, "name": a.name} for a in sc.actors],
        "stances": [{"actor": st.actor, "issue": st.issue, "position": st.position, "salience": st.salience}
                    for st in sc.stances],
    }


@router.post("/runs/{run_id}/scenario", response_model=ScenarioOut, status_code=201,
             summary="Open the scenario a run was made with in the workspace, for editing")
def open_run_scenario(run_id: RunId, ctx: Ctx, response: Response) -> dict[str, Any]:
    rec = get_record(ctx, run_id)
    return scenario_out(ctx.workspace.add(rec.scenario, origin=f"run {rec.id}"), response)


@router.get("/runs/{run_id}/results.csv", responses=file_response("text/csv"), summary="Results as CSV")
def results_csv(run_id: RunId, ctx: Ctx) -> Response:
    rec = get_record(ctx, run_id)
    return Response(rec.frame.to_csv(index=False), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{rec.id}.csv"'})


@router.get("/runs/{run_id}/results.parquet", responses=file_response("application/vnd.apache.parquet", True),
            summary="Results as Parquet")
def results_parquet(run_id: RunId, ctx: Ctx) -> Response:
    rec = get_record(ctx, run_id)
    buf = io.BytesIO()
    try:
        rec.frame.to_parquet(buf, index=False)
    except ImportError:
        raise StakesError("Parquet needs the optional extra: pip install 'stakes[parquet]'") from None
    return Response(buf.getvalue(), media_type="application/vnd.apache.parquet",
                    headers={"Content-Disposition": f'attachment; filename="{rec.id}.parquet"'})


@router.get("/runs/{run_id}/report.html", responses=file_response("text/html"), summary="The run's HTML report")
def report(run_id: RunId, ctx: Ctx, download: bool = False) -> HTMLResponse:
    rec = get_record(ctx, run_id)
    headers = {"Content-Disposition": f'attachment; filename="{rec.id}-report.html"'} if download else {}
    return HTMLResponse(report_html(rec), headers=headers)


@router.get("/compare", response_model=CompareOut,
            summary="Two runs, or two variants of one run, side by side (per model and issue)")
def compare(ctx: Ctx, a: Annotated[str, Query(pattern=RUN_ID)], b: Annotated[str, Query(pattern=RUN_ID)],
            variant_a: Annotated[str, Query(max_length=80)] = BASELINE,
            variant_b: Annotated[str, Query(max_length=80)] = BASELINE) -> dict[str, Any]:
    ra, rb = get_record(ctx, a), get_record(ctx, b)
    return {"a": a, "b": b, "variant_a": variant_a, "variant_b": variant_b,
            "rows": compare_rows(ra, variant_a, rb, variant_b)}


def compare_rows(ra: RunRecord, va: str, rb: RunRecord, vb: str) -> list[dict[str, Any]]:
    for rec, v in ((ra, va), (rb, vb)):
        if not {"variant", "model", "issue"} <= set(rec.frame.columns) or _value(rec) not in rec.frame:
            raise OptionError(f"run '{rec.id}' has no forecasts per variant, model and issue to compare")
        if v not in rec.variants:
            raise OptionError(f"run '{rec.id}' has no variant '{v}' (it has: {', '.join(rec.variants)})")
    keys = ["model", "issue"]
    fa = ra.frame[ra.frame["variant"] == va][[*keys, _value(ra)]].rename(columns={_value(ra): "a"})
    fb = rb.frame[rb.frame["variant"] == vb][[*keys, _value(rb)]].rename(columns={_value(rb): "b"})
    merged = fa.merge(fb, on=keys, how="outer")
    merged["difference"] = merged["b"] - merged["a"]
    return _records(merged)


def _value(rec: RunRecord) -> str:
    """The forecast column: ``value`` of a forecast, the Monte Carlo ``mean`` of a simulation."""
    return "value" if "value" in rec.frame.columns else "mean"
