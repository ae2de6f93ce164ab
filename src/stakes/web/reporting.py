"""The HTML report of a run: :func:`stakes.report.build_report` on the run's tidy tables.

The same tables serve a run computed by this process and one read back from the store, so both give
the same report. Without the ``report`` extra, a plain self-contained page with the result table.
"""

from __future__ import annotations

from .runs import RunRecord
from .templating import templates


def report_html(rec: RunRecord) -> str:
    try:
        from ..report import build_report

        info = (f"run {rec.id} · {rec.kind} · models {', '.join(rec.models)} · seed {rec.seed}"
                + (f" · stakes {rec.version}" if rec.version else ""))
        kind = {"forecast": "forecast_result"}.get(rec.kind, rec.kind)  # simulation, sensitivity, alignment
        return build_report(rec.scenario, **{kind: rec.tables}, run_info=info)
    except ImportError:
        return _fallback(rec)


def _fallback(rec: RunRecord) -> str:
    return templates.get_template("report_fallback.html").render(
        run=rec.summary(), scenario=rec.scenario,
        columns=list(rec.frame.columns), rows=rec.frame.astype(object).values.tolist(),
        verdicts=rec.verdicts)
