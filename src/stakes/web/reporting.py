"""The HTML report of a run: :mod:`stakes.report` when installed, else a plain self-contained page."""

from __future__ import annotations

from typing import Any

from ..forecast import Forecast, forecast
from .runs import RunRecord


def _forecast_of(rec: RunRecord) -> Forecast | None:
    if rec.kind != "forecast":
        return None
    if isinstance(rec.result, Forecast):
        return rec.result
    # a run read back from the store: forecasts are deterministic, so recompute the same one
    return forecast(rec.scenario, models=rec.models, variants=rec.variants)


def report_html(rec: RunRecord) -> str:
    fc = _forecast_of(rec)
    try:
        from ..report import build_report
    except ImportError:
        return _fallback(rec)
    kwargs: dict[str, Any] = {"forecast_result": fc}
    if rec.kind == "simulation" and rec.result is not None:
        kwargs["simulation"] = rec.result
    return build_report(rec.scenario, **kwargs)


def _fallback(rec: RunRecord) -> str:
    from .pages import templates

    return templates.get_template("report_fallback.html").render(
        run=rec.summary(), scenario=rec.scenario,
        columns=list(rec.frame.columns), rows=rec.frame.astype(object).values.tolist(),
        verdicts=rec.verdicts)
