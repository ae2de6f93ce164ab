"""One self-contained HTML report of a scenario and whatever was computed on it.

>>> from stakes.report import write_report
>>> write_report(scenario, "report.html", forecast_result=forecast(scenario), simulation=simulate(scenario))

Sections: the scenario (actors, issues with anchor labels, positions, saliences, rationales, sources), the
forecast per issue by model and variant, actors' positions round by round (dynamic models), the Monte Carlo
outcome distribution, the sensitivity drivers, the alignment map, the theses with verdicts and
probabilities, and the sources. A section whose input was not given says "not computed". Each input may
be a live result or the mapping of tidy tables a stored run holds (:mod:`stakes.report.tidy`).

Needs the ``report`` extra (matplotlib, jinja2); they are imported only when a report is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..scenario import Scenario


def build_report(scenario: Scenario, forecast_result: Any = None, simulation: Any = None,
                 sensitivity: Any = None, alignment: Any = None, *, run_info: str | None = None,
                 built: dict[str, Any] | None = None) -> str:
    """The report as one HTML string (no external resources); ``built``: sections drawn elsewhere
    (:mod:`stakes.report.jobs`)."""
    from .html import render

    return render(scenario, forecast_result=forecast_result, simulation=simulation, sensitivity=sensitivity,
                  alignment=alignment, run_info=run_info, built=built)


def write_report(scenario: Scenario, path: str | Path, forecast_result: Any = None, simulation: Any = None,
                 sensitivity: Any = None, alignment: Any = None, *, run_info: str | None = None,
                 built: dict[str, Any] | None = None) -> Path:
    """Write the report to ``path`` (through a temporary file, so no half-written report is left)."""
    from ..io import atomic_write_text

    html = build_report(scenario, forecast_result, simulation, sensitivity, alignment, run_info=run_info,
                        built=built)
    out = Path(path)
    atomic_write_text(out, html)
    return out


__all__ = ["build_report", "write_report"]
