"""JSON API, part 4: start landscape-theory alignments and Sobol sensitivity analyses as jobs.

They run like forecasts (:mod:`.api_runs`): in a killable process under the job limits, then filed as a run
(``kind`` alignment or sensitivity) with the tidy tables ``stakes align`` and ``stakes sensitivity`` record
in the run store, so ``stakes runs show`` and the report read a web run as they read a command-line one.
Their work is estimated before the job starts and refused (422) past ``max_work``, as for a simulation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ..arrays import compile_scenario
from ..checks import check_models
from ..errors import OptionError
from ..models import get_model, is_registered
from ..scenario import Scenario
from ..sensitivity import AUTO_BUDGET, AUTO_SAMPLES, factors_of
from ..uncertainty import MAX_CAPABILITY, MAX_POSITION_PCT, MAX_SALIENCE, SpreadOverride, resolve_spreads
from ..variants import BASELINE, apply_variant
from .api import ERRORS, Sid
from .context import JobOut, WebContext, get_ctx
from .limits import LimitError, Limits, check_alignment_work
from .tasks import alignment_task, sensitivity_task
from .workspace import StaleEdit

router = APIRouter(prefix="/api", responses=ERRORS)
Ctx = Annotated[WebContext, Depends(get_ctx)]


class AnalysisRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    kind: Literal["alignment", "sensitivity"]
    variants: list[str] | None = Field(default=None, max_length=50)
    """Variant ids, 'baseline' for the baseline (default: alignment every one, sensitivity the baseline)."""
    model: str | None = Field(default=None, max_length=80)
    """Sensitivity: the model whose forecast is analysed (default: the scenario's first simulation model)."""
    samples: int | None = Field(default=None, ge=2, le=65_536)
    """Sensitivity: SALib's base sample N (a power of two); default: adapted as ``stakes sensitivity`` does."""
    position_sd: float | None = Field(default=None, ge=0, le=MAX_POSITION_PCT)
    """Sensitivity: default position spread in % of each issue's span (default: the scenario's)."""
    salience_sd: float | None = Field(default=None, ge=0, le=MAX_SALIENCE)
    capability_sd: float | None = Field(default=None, ge=0, le=MAX_CAPABILITY)
    runs: int = Field(default=0, ge=0, le=1_000_000)
    """Alignment: Monte Carlo runs of side probabilities over sizes and propensities (0 = none)."""
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    version: int | None = Field(default=None, ge=1)
    """If given, the analysis is refused (409) unless the scenario is still at this version."""


def _variants(scenario: Scenario, asked: list[str] | None, default: list[str]) -> list[str]:
    known = [BASELINE, *(v.id for v in scenario.variants)]
    variants = list(dict.fromkeys(asked or default))
    for v in variants:
        if v not in known:
            raise OptionError(f"unknown variant '{v}' (known: {', '.join(known)})")
    return variants


def sensitivity_runs(scenario: Scenario, variants: list[str], override: SpreadOverride,
                     samples: int | None) -> int:
    """Model runs the analysis will make at most (over all variants); refuses one where nothing is uncertain."""
    total = 0
    for v in variants:
        vs = apply_variant(scenario, v)
        groups = len(dict.fromkeys(factors_of(compile_scenario(vs), resolve_spreads(vs, override)).groups))
        if not groups:
            raise OptionError(f"variant '{v}': nothing is uncertain, so nothing can drive the forecast; declare "
                              "uncertainty in the scenario (uncertainty.default or per-stance *_sd), or give a "
                              "position, salience or capability spread")
        if samples is None:  # the adaptive sizes, within their budget (the first is always run)
            total += max(AUTO_SAMPLES[0] * (groups + 2), min(AUTO_BUDGET, sum(AUTO_SAMPLES) * (groups + 2)))
        else:
            total += (1 << (samples - 1).bit_length()) * (groups + 2)
    return total


def check_evaluations(scenario: Scenario, evaluations: int, limits: Limits) -> None:
    """Refuse a sensitivity analysis whose model runs × actors² × issues pass ``max_work``."""
    work = float(evaluations) * len(scenario.actors) ** 2 * len(scenario.issues)
    if work > limits.max_work:
        raise LimitError(f"this analysis is too large for the server: {evaluations:,} model runs, about "
                         f"{work:.2g} units of work (runs × actors² × issues) against a limit of "
                         f"{limits.max_work:.2g} (limit max_work); ask for fewer samples or variants, or use "
                         "the command line (stakes sensitivity)")


@router.post("/scenarios/{sid}/analyses", response_model=JobOut, status_code=202,
             summary="Start an alignment (landscape theory) or a sensitivity analysis (Sobol); poll /api/jobs/{id}")
def start_analysis(sid: Sid, body: AnalysisRequest, ctx: Ctx) -> dict[str, Any]:
    entry = ctx.workspace.get(sid)
    if body.version is not None and body.version != entry.version:
        raise StaleEdit(f"scenario '{sid}' is at version {entry.version}, not {body.version}; reload first")
    scenario = entry.scenario
    seed = scenario.seed if body.seed is None else body.seed
    meta: dict[str, Any] = {"version": entry.version, "scenario": scenario, "seed": seed}
    if body.kind == "alignment":
        variants = _variants(scenario, body.variants, [BASELINE, *(v.id for v in scenario.variants)])
        check_alignment_work(scenario, len(variants), body.runs, ctx.limits)
        payload = {"scenario": scenario, "variants": variants, "runs": body.runs, "seed": seed}
        meta.update(models=["landscape"], variants=variants, runs=body.runs or None,
                    options={"engine": "auto", "predict": "global", "runs": body.runs})
        job = ctx.jobs.submit("alignment", alignment_task, payload, scenario_id=sid, meta=meta)
        return job.public()
    model = body.model or next((m for m in scenario.simulation_models if is_registered(m)), "weighted-mean")
    get_model(model)
    check_models(scenario, [model])
    variants = _variants(scenario, body.variants, [BASELINE])
    spreads = (body.position_sd, body.salience_sd, body.capability_sd)
    evaluations = sensitivity_runs(scenario, variants, SpreadOverride(*spreads), body.samples)
    check_evaluations(scenario, evaluations, ctx.limits)
    payload = {"scenario": scenario, "variants": variants, "models": [model], "samples": body.samples,
               "seed": seed, "spreads": spreads}
    options = {"samples": body.samples or "auto", **{f"{k}_sd": v for k, v in
                                                    zip(("position", "salience", "capability"), spreads,
                                                        strict=True) if v is not None}}
    meta.update(models=[model], variants=variants, runs=None, options=options)
    job = ctx.jobs.submit("sensitivity", sensitivity_task, payload, scenario_id=sid, meta=meta)
    return job.public()
