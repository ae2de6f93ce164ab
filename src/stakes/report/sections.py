"""The report's content: plain data (strings, rows, SVG) for the template, one function per section.

Every input may be a live result object or a mapping of the tidy tables it produces
(:mod:`stakes.report.tidy`) — e.g. a run read back from the store. A section whose input is missing says
"not computed". The chart modules (matplotlib) are imported by the sections that draw, so a process that
only assembles sections drawn elsewhere (``stakes report``'s first process) never imports them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..scenario import CloserThesis, Scenario, SideThesis, ThresholdThesis

MAX_TRAJECTORY_VARIANTS = 9
MAX_TRAJECTORY_ACTORS = 25
"""Round-by-round plots draw the actors with the largest capability first, at most this many."""


def fmt(x: Any, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "—"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (float, np.floating)):
        return f"{x:.{digits}f}"
    return str(x)


def scenario_section(sc: Scenario) -> dict[str, Any]:
    actors = [{"id": a.id, "name": a.name, "capability": f"{a.capability:g}", "groups": ", ".join(a.groups),
               "rationale": a.rationale or "", "source": a.source or ""} for a in sc.actors]
    issues = [{"id": i.id, "name": i.name, "scale": f"{i.scale_min:g} – {i.scale_max:g}",
               "status_quo": "—" if i.status_quo is None else f"{i.status_quo:g}",
               "anchors": [f"{a.value:g} = {a.label}" for a in i.anchors], "description": i.description or "",
               "status_quo_rationale": i.status_quo_rationale or ""} for i in sc.issues]
    stance = {(s.actor, s.issue): s for s in sc.stances}
    matrix = []
    for a in sc.actors:
        cells = []
        for i in sc.issues:
            s = stance.get((a.id, i.id))
            cells.append(None if s is None else {"position": f"{s.position:g}", "salience": f"{s.salience:g}"})
        matrix.append({"name": a.name, "id": a.id, "cells": cells})
    notes = [{"actor": s.actor, "issue": s.issue, "position": f"{s.position:g}", "salience": f"{s.salience:g}",
              "rationale": s.rationale or "", "source": s.source or ""}
             for s in sc.stances if s.rationale or s.source]
    variants = [{"id": v.id, "name": v.name, "base": v.base or "baseline", "rationale": v.rationale or "",
                 "changes": [_change_text(c) for c in v.changes], "source": v.source or ""} for v in sc.variants]
    affinities = [{"a": f.a, "b": f.b, "value": f"{f.value:g}", "rationale": f.rationale or ""}
                  for f in sc.affinities]
    return {"actors": actors, "issues": issues, "matrix": matrix, "notes": notes, "variants": variants,
            "affinities": affinities, "issue_names": [i.name for i in sc.issues]}


def _change_text(c: Any) -> str:
    parts = [c.op, c.actor]
    if c.issue:
        parts.append(f"on {c.issue}")
    if c.other:
        parts.append(f"with {c.other}")
    if c.value is not None:
        parts.append(f"= {c.value:g}")
    return " ".join(parts)


def forecast_section(sc: Scenario, tables: dict[str, pd.DataFrame], simulation: pd.DataFrame | None = None,
                     runs: int | None = None) -> dict[str, Any] | None:
    """Per issue: the forecast table (with the 90 % interval of models that have one, and numbered marks for
    the diagnostics), the diagnostics themselves and the figure, which also draws the predictive intervals
    and — given the simulation's ``summary`` of ``runs`` runs — each simulated model's Monte Carlo 5–95 %."""
    from .forecast_chart import forecast_plot  # the chart modules (matplotlib) only where a chart is drawn

    frame = tables.get("forecast")
    quantiles, diagnostics = tables.get("quantiles"), tables.get("diagnostics")
    if frame is None or frame.empty:
        return None
    names = {a.id: a.name for a in sc.actors}
    positions = pd.DataFrame([{"actor": s.actor, "issue": s.issue, "name": names[s.actor], "position": s.position}
                              for s in sc.stances])
    out = []
    for issue in sc.issues:
        sub = frame[frame["issue"] == issue.id]
        if sub.empty:
            continue
        models = list(dict.fromkeys(sub["model"]))
        bands = _index(quantiles[quantiles["issue"] == issue.id] if quantiles is not None else None,
                       ["variant", "model"])
        notes = diagnostics[diagnostics["issue"] == issue.id] if diagnostics is not None else None
        notes = notes[notes["kind"] != "domain"] if notes is not None else None
        numbered = [] if notes is None else list(enumerate(zip(notes["variant"], notes["model"], strict=True), 1))
        rows = []
        for variant in dict.fromkeys(sub["variant"]):
            vals = sub[sub["variant"] == variant].set_index("model")["value"]
            cells = []
            for m in models:
                band = bands.get((variant, m))
                marks = [k for k, (v, model) in numbered if v == variant and model in (m, "*")]
                cells.append({"value": fmt(vals.get(m)),
                              "interval": None if band is None else f"{fmt(band['q05'], 0)}–{fmt(band['q95'], 0)}",
                              "marks": marks})
            rows.append({"variant": variant, "cells": cells})
        pos = positions[positions["issue"] == issue.id] if len(positions) else None
        out.append({"id": issue.id, "name": issue.name, "models": models, "rows": rows,
                    "anchors": [f"{a.value:g} = {a.label}" for a in issue.anchors],
                    "diagnostics": [] if notes is None else notes.to_dict(orient="records"),
                    "svg": forecast_plot(issue, sub, pos, _of_issue(quantiles, issue.id),
                                         _of_issue(simulation, issue.id), runs)})
    domain = [] if diagnostics is None else sorted(set(diagnostics.loc[diagnostics["kind"] == "domain", "message"]))
    return {"issues": out, "domain": domain}


def _of_issue(frame: pd.DataFrame | None, issue: str) -> pd.DataFrame | None:
    return None if frame is None or frame.empty else frame[frame["issue"].astype(str) == issue]


def rounds_section(sc: Scenario, tables: dict[str, pd.DataFrame]) -> dict[str, Any] | None:
    """One figure per dynamic model: a row per issue, a panel per variant (at most ``MAX_TRAJECTORY_VARIANTS``),
    the ``MAX_TRAJECTORY_ACTORS`` actors of largest capability."""
    from . import rounds

    traj = tables.get("trajectories")
    if traj is None or traj.empty:
        return None
    names = {a.id: a.name for a in sc.actors}
    capability = {a.id: a.capability for a in sc.actors}
    figures = []
    for model in dict.fromkeys(traj["model"]):
        msub = traj[traj["model"] == model]
        variants = list(dict.fromkeys(msub["variant"]))
        shown = variants[:MAX_TRAJECTORY_VARIANTS]
        actors = list(dict.fromkeys(msub["actor"]))
        kept = sorted(actors, key=lambda a: -capability.get(a, 0.0))[:MAX_TRAJECTORY_ACTORS]
        issues = [i for i in sc.issues if (msub["issue"] == i.id).any()]
        figures.append({"model": model, "omitted": variants[len(shown):],
                        "actors_omitted": [names.get(a, a) for a in actors if a not in kept],
                        "svg": rounds.rounds_plot(model, issues, msub, names, shown, kept)})
    return {"figures": figures}


def simulation_section(sc: Scenario, tables: dict[str, pd.DataFrame], meta: dict[str, Any]) -> dict[str, Any] | None:
    from . import plots

    summary, hist = tables.get("summary"), tables.get("histograms")
    if summary is None or summary.empty:
        return None
    out = []
    for issue in sc.issues:
        sub = summary[summary["issue"].astype(str) == issue.id]
        if sub.empty:
            continue
        rows = [{"variant": r["variant"], "model": r["model"],
                 "cells": [fmt(r.get(c)) for c in ("mean", "sd", "q05", "q50", "q95")]}
                for r in sub.to_dict(orient="records")]
        svg = None
        if hist is not None and not hist.empty:
            h = hist[hist["issue"].astype(str) == issue.id]
            if not h.empty:
                svg = plots.distribution_plot(issue, h.astype({"variant": str, "model": str}))
        out.append({"name": issue.name, "rows": rows, "svg": svg})
    return {"issues": out, "runs": meta.get("runs"), "seed": meta.get("seed"), "se": max_mc_error(meta.get("runs"))}


def sensitivity_section(sc: Scenario, tables: dict[str, pd.DataFrame]) -> dict[str, Any] | None:
    """Sobol indices per output: the strongest drivers as bars and a table.

    Expects a table ``sensitivity`` (or ``indices``) with an input column (``input``/``parameter``/``name``),
    first-order (``S1``) and total (``ST``) indices, and optional ``issue``/``variant``/``model`` columns.
    """
    from . import plots

    frame = tables.get("sensitivity", tables.get("indices"))
    if frame is None or frame.empty:
        return None
    label = next((c for c in ("input", "parameter", "name", "factor") if c in frame.columns), None)
    if label is None:
        return None
    first = next((c for c in ("S1", "s1", "first") if c in frame.columns), None)
    total = next((c for c in ("ST", "st", "total") if c in frame.columns), None)
    group_cols = [c for c in ("variant", "model", "issue", "output") if c in frame.columns]
    groups = frame.groupby(group_cols, sort=False) if group_cols else [((), frame)]
    out = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        title = " · ".join(f"{c} {v}" for c, v in zip(group_cols, key, strict=False)) or "all outputs"
        rank = total or first
        top = sub.sort_values(rank, ascending=False).head(12) if rank else sub.head(12)
        top = top.assign(label=top[label].astype(str))
        rows = [{"input": r["label"], "S1": fmt(r.get(first), 3) if first else "—",
                 "ST": fmt(r.get(total), 3) if total else "—"} for r in top.to_dict(orient="records")]
        out.append({"title": title, "rows": rows, "svg": plots.drivers_plot(title, top, first, total)})
    return {"groups": out}


def alignment_section(sc: Scenario, tables: dict[str, pd.DataFrame]) -> dict[str, Any] | None:
    """Who ends on which side, by variant: a table ``alignment`` with ``variant, actor, side``."""
    frame = tables.get("alignment", tables.get("sides"))
    if frame is None or frame.empty or not {"actor", "side"} <= set(frame.columns):
        return None
    if "variant" not in frame.columns:
        frame = frame.assign(variant="baseline")
    variants = list(dict.fromkeys(frame["variant"].astype(str)))
    records = frame.to_dict(orient="records")
    side = {(str(r["variant"]), str(r["actor"])): r["side"] for r in records}
    p0 = {(str(r["variant"]), str(r["actor"])): r.get("p_side0") for r in records}
    names = {a.id: a.name for a in sc.actors}
    actors = list(dict.fromkeys([a.id for a in sc.actors] + [str(a) for a in frame["actor"]]))
    rows = []
    for a in actors:
        cells = []
        for v in variants:
            s, p = side.get((v, a)), p0.get((v, a))
            text = "—" if s is None or pd.isna(s) else str(int(s)) if isinstance(s, float) else str(s)
            if p is not None and not pd.isna(p):
                text += f" · {100 * p:.0f} %"
            cells.append({"text": text, "cls": "" if s is None or pd.isna(s) else f"side{_side_class(s)}"})
        rows.append({"actor": names.get(a, a), "cells": cells})
    extra = tables.get("alignment_summary")
    summary = None if extra is None else {"columns": list(extra.columns),
                                          "rows": [[fmt(x, 3) for x in r] for r in extra.itertuples(index=False)]}
    has_p = "p_side0" in frame.columns and frame["p_side0"].notna().any()
    side = tables.get("side_theses")
    runs = int(side["runs"].max()) if side is not None and len(side) and "runs" in side.columns else None
    return {"variants": variants, "rows": rows, "summary": summary, "has_p": has_p, "runs": runs,
            "se": max_mc_error(runs)}


def _side_class(s: Any) -> int:
    try:
        return int(float(s)) % 4
    except (TypeError, ValueError):
        return abs(hash(str(s))) % 4


def theses_section(sc: Scenario, tables: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    verdicts = _index(tables.get("verdicts"), ["thesis", "variant"])
    side = _index(tables.get("side_verdicts"), ["thesis", "variant"])
    probs = _index(tables.get("theses"), ["thesis", "variant"])
    rows = []
    for th in sc.theses:
        variant = th.variant or "baseline"
        v = (side if isinstance(th, SideThesis) else verdicts).get((th.id, variant))
        p = probs.get((th.id, variant))
        holds = None if v is None else v.get("holds")
        verdict = "not computed" if v is None else ("n/a" if holds is None or pd.isna(holds)
                                                    else ("holds" if bool(holds) else "fails"))
        if p is None and v is not None and v.get("probability") is not None and not pd.isna(v.get("probability")):
            p = {"probability": v.get("probability")}  # the forecast's own (the ensemble's distribution)
        prob = None if p is None else p.get("probability")
        rows.append({
            "id": th.id, "kind": th.kind, "claim": th.claim, "variant": variant, "what": _thesis_text(th),
            "model": (v or {}).get("model") or getattr(th, "model", None) or "",
            "verdict": verdict, "detail": "" if v is None else str(v.get("detail") or ""),
            "probability": "not computed" if p is None else fmt(None if prob is None else 100 * float(prob), 0)
            + ("" if prob is None or pd.isna(prob) else " %"),
            "se": None if p is None else mc_error(prob, p.get("runs")),
            "quote": th.quote or "", "source": th.source or "",
        })
    return rows


def mc_error(p: Any, runs: Any) -> str | None:
    """The Monte Carlo standard error of a share ``p`` of ``runs`` runs, in percentage points:
    ``√(p(1−p)/runs)``; None when no run count is known (e.g. a model's own predictive distribution)."""
    try:
        p, runs = float(p), int(runs)
    except (TypeError, ValueError):
        return None
    if runs <= 0 or not 0 <= p <= 1:
        return None
    if p in (0.0, 1.0):
        return f"{int(p * runs)} of {runs} runs"
    return f"± {100 * np.sqrt(p * (1 - p) / runs):.1f}"


def max_mc_error(runs: Any) -> str | None:
    """The largest standard error (p = ½) of a share of ``runs`` runs, in percentage points."""
    try:
        return None if int(runs) <= 0 else f"{50 / np.sqrt(int(runs)):.1f}"
    except (TypeError, ValueError):
        return None


def _thesis_text(th: Any) -> str:
    if isinstance(th, ThresholdThesis):
        return f"{th.issue} {th.op} {th.value:g}"
    if isinstance(th, CloserThesis):
        return f"{th.issue}: closer to {th.actor} than to {th.other}"
    return f"{', '.join(th.actors)} {'with' if th.same else 'against'} {th.with_actor}"


def _index(frame: pd.DataFrame | None, keys: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    if frame is None or frame.empty or not set(keys) <= set(frame.columns):
        return {}
    return {(str(r[keys[0]]), str(r[keys[1]])): r for r in frame.to_dict(orient="records")}


def sources_section(sc: Scenario) -> list[dict[str, Any]]:
    cited: dict[str, list[str]] = {}
    for a in sc.actors:
        if a.source:
            cited.setdefault(a.source, []).append(f"actor {a.id}")
    for s in sc.stances:
        if s.source:
            cited.setdefault(s.source, []).append(f"{s.actor}/{s.issue}")
    for th in sc.theses:
        if th.source:
            cited.setdefault(th.source, []).append(f"thesis {th.id}")
    for v in sc.variants:
        if v.source:
            cited.setdefault(v.source, []).append(f"variant {v.id}")
    out = []
    for src in sc.sources:
        url = src.url or ""
        out.append({"id": src.id, "title": src.title, "publisher": src.publisher or "",
                    "date": "" if src.date is None else src.date.isoformat(), "url": url,
                    "link": url.startswith(("http://", "https://")), "cited_by": ", ".join(cited.get(src.id, []))})
    known = {s.id for s in sc.sources}
    for sid, uses in cited.items():
        if sid not in known:
            out.append({"id": sid, "title": sid, "publisher": "", "date": "", "url": "", "link": False,
                        "cited_by": ", ".join(uses)})
    return out
