"""Assemble the report: normalise the inputs to tidy tables, build each section, render the template.

Jinja2 autoescapes every value; the only raw HTML inserted is the SVG that matplotlib wrote (its text is
XML-escaped there). No external resource is referenced: styles are inline, figures are inline SVG.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from ..scenario import Scenario
from . import sections
from .tidy import forecast_tables, result_tables


def _tables(kind: str, value: Any, scenario: Scenario | None = None) -> dict[str, pd.DataFrame]:
    if value is None:
        return {}
    if isinstance(value, Mapping) and all(isinstance(v, pd.DataFrame) for v in value.values()):
        return dict(value)
    return result_tables(kind, value, scenario)


def _environment() -> Environment:
    return Environment(loader=PackageLoader("stakes.report", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def render(scenario: Scenario, forecast_result: Any = None, simulation: Any = None, sensitivity: Any = None,
           alignment: Any = None, run_info: str | None = None, hint_runs: bool = True,
           built: Mapping[str, Any] | None = None) -> str:
    """``built``: sections already built elsewhere (e.g. ``rounds``, ``sensitivity`` drawn in a second process,
    :mod:`stakes.report.jobs`), used as they are."""
    from .. import __version__

    built = built or {}

    if "rounds" in built and hasattr(forecast_result, "trajectories"):  # drawn already: not built again
        fc = forecast_tables(forecast_result, trajectories=False)
    else:
        fc = _tables("forecast", forecast_result)
    sim = _tables("simulation", simulation)
    sens = _tables("sensitivity", sensitivity)
    align = _tables("alignment", alignment, scenario)
    sim_meta = simulation_meta(simulation, sim)
    probabilities = [t for t in (sim.get("theses"), align.get("side_theses")) if t is not None and len(t)]
    theses_tables = {**{k: v for k, v in fc.items() if k == "verdicts"},
                     **{k: v for k, v in align.items() if k == "side_verdicts"}}
    if probabilities:
        theses_tables["theses"] = pd.concat(probabilities, ignore_index=True)
    context = {
        "sc": scenario, "version": __version__, "run_info": run_info, "hint_runs": hint_runs,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scen": sections.scenario_section(scenario),
        "forecast": built["forecast"] if "forecast" in built else sections.forecast_section(
            scenario, fc, sim.get("summary"), sim_meta.get("runs")),
        "rounds": built["rounds"] if "rounds" in built else sections.rounds_section(scenario, fc),
        "simulation": built["simulation"] if "simulation" in built else sections.simulation_section(scenario,
                                                                                                      sim, sim_meta),
        "sensitivity": built["sensitivity"] if "sensitivity" in built else sections.sensitivity_section(scenario,
                                                                                                        sens),
        "alignment": sections.alignment_section(scenario, align),
        "theses": sections.theses_section(scenario, theses_tables),
        "sources": sections.sources_section(scenario),
    }
    return _environment().get_template("report.html").render(**context)


def simulation_meta(simulation: Any, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    plan = getattr(simulation, "plan", None)
    if plan is not None:
        meta["seed"] = getattr(plan, "seed", None)
    n_runs = getattr(simulation, "n_runs", None)
    if isinstance(n_runs, int):
        meta["runs"] = n_runs
    info = tables.get("simulation_info")
    if info is not None and len(info):
        row = info.iloc[0].to_dict()
        meta.setdefault("runs", row.get("runs"))
        meta.setdefault("seed", row.get("seed"))
    return meta
