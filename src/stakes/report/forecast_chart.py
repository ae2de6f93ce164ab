"""The forecast of one issue: a row per variant, a lane per model, each model's interval where it has one.

Intervals (issue 11): a model with a predictive distribution (the ensemble: ``ModelResult.extra["quantiles"]``
on :data:`stakes.scoring.QUANTILE_LEVELS`) shows q05–q95 as a thin line and q25–q75 as a thick one; a model
that was simulated shows the Monte Carlo 5–95 % band of the simulation section as a line with end ticks. The
legend says which is which. The actors' baseline positions sit in a last row, named underneath.

Laid out in inches, drawn once (no ``bbox_inches="tight"``, which would draw the figure twice): margins come
from estimated text widths (:mod:`.labels`), conservative for matplotlib's default font.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..scenario import Issue
from . import labels as fit
from .plots import COLORS, MARKERS, MAX_WIDTH_IN, RC, scale_axis, t, to_svg

AXES_IN = 5.8
"""Width of the plotting area (inches), less when the labels and the legend need the room."""
LANE_IN = 0.095
"""Height of one model's lane inside a variant's row (inches)."""
ACTOR_ROW_IN = 0.42
ACTOR_FONT = 6
LEVEL_PT = 3 * fit.LINE_H * ACTOR_FONT + 2  # one level of actor labels: up to three lines
MAX_LEVELS = 8
MAX_LABELLED_ACTORS = 40
"""Beyond this many actors the plot marks positions without names (the tables name them)."""
PREDICTIVE = "predictive interval: thin 5–95 %, thick 25–75 %"
LEGEND_FONT = 7.0


def forecast_plot(issue: Issue, forecast: pd.DataFrame, positions: pd.DataFrame | None,
                  predictive: pd.DataFrame | None = None, monte_carlo: pd.DataFrame | None = None,
                  runs: int | None = None) -> str:
    """The chart as inline SVG (:func:`forecast_figure`)."""
    return to_svg(forecast_figure(issue, forecast, positions, predictive, monte_carlo, runs))


def forecast_figure(issue: Issue, forecast: pd.DataFrame, positions: pd.DataFrame | None,
                    predictive: pd.DataFrame | None = None, monte_carlo: pd.DataFrame | None = None,
                    runs: int | None = None) -> Figure:
    """``forecast``: ``variant, model, value`` rows of this issue; ``positions``: ``actor, name, position``;
    ``predictive``: ``variant, model, q05, q25, q75, q95`` (models with a predictive distribution);
    ``monte_carlo``: ``variant, model, q05, q95`` from a simulation of ``runs`` runs."""
    variants = list(dict.fromkeys(forecast["variant"]))
    models = list(dict.fromkeys(forecast["model"]))
    has_actors = positions is not None and len(positions) > 0
    pred = _by_key(predictive, ["q05", "q25", "q75", "q95"])
    mc = _by_key(monte_carlo, ["q05", "q95"])
    row_in = LANE_IN * len(models) + 0.14  # data unit on y: one variant's row
    lo, hi = issue.scale_min - 0.03 * issue.span, issue.scale_max + 0.03 * issue.span
    ticks = ["\n".join(fit.wrap(t(v), 28, 2)) for v in variants] + (["actors (baseline)"] if has_actors else [])
    left = (max(len(line) for tick in ticks for line in tick.split("\n")) * fit.CHAR_W * 9 + 14) / 72
    legend = [t(m) for m in models] + ([PREDICTIVE] if pred else []) + ([_mc_label(runs)] if mc else [])
    right = (max(len(x) for x in legend) * fit.CHAR_W * LEGEND_FONT + 34) / 72
    axes_in = max(3.0, min(AXES_IN, MAX_WIDTH_IN - left - right))
    texts, levels, below = _actor_labels(issue, positions, (lo, hi), axes_in) if has_actors else ([], [], 0.0)
    actor_rows = (ACTOR_ROW_IN + below / 72) / row_in if has_actors else 0.0
    span = len(variants) + actor_rows  # y range in rows
    top, bottom = 0.4, (0.75 if issue.anchors else 0.4)
    height, width = top + span * row_in + bottom, left + axes_in + right
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(left=left / width, right=(left + axes_in) / width, top=1 - top / height,
                            bottom=bottom / height)
        ax = fig.add_subplot()
        lane = LANE_IN / row_in
        offsets = {m: (k - (len(models) - 1) / 2) * lane for k, m in enumerate(models)}
        for k, model in enumerate(models):
            color = COLORS[k % len(COLORS)]
            sub = forecast[forecast["model"] == model]
            ys = np.array([variants.index(v) for v in sub["variant"]], dtype=float) + offsets[model]
            _bands(ax, [pred.get((v, model)) for v in sub["variant"]], [mc.get((v, model)) for v in sub["variant"]],
                   ys, lane, color)
            # markers as a Line2D without a line (a scatter collection costs ~6 ms a call)
            ax.plot(sub["value"].to_numpy(dtype=float), ys, linestyle="none", marker=MARKERS[k % len(MARKERS)],
                    markersize=30**0.5, color=color, markeredgecolor="white", markeredgewidth=0.5, zorder=3)
        for r in range(1, len(variants) + (1 if has_actors else 0)):
            ax.axhline(r - 0.5, color="#e4e4e8", linewidth=0.6, zorder=0)
        y_ticks = list(range(len(variants)))
        if has_actors:
            y = len(variants) - 0.5 + ACTOR_ROW_IN / row_in / 2
            y_ticks.append(y)
            ax.plot(positions["position"].to_numpy(dtype=float), [y] * len(positions), linestyle="none", marker="|",
                    markersize=160**0.5, markeredgewidth=1.5, color="#555555")
            for (pos, text), level in zip(texts, levels, strict=True):
                if level >= 0:
                    ax.annotate(text, (pos, y), xytext=(0, -9 - LEVEL_PT * level), textcoords="offset points",
                                ha="center", va="top", fontsize=ACTOR_FONT, color="#333333")
        ax.set_yticks(y_ticks, ticks)
        ax.set_ylim(len(variants) - 0.5 + actor_rows, -0.5)
        scale_axis(ax, issue)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_title(t(f"{issue.name} — forecast by variant and model"), loc="left")
        ax.legend(*_legend(models, bool(pred), bool(mc), runs), loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  fontsize=LEGEND_FONT, frameon=False)
        return fig


def _by_key(frame: pd.DataFrame | None, cols: list[str]) -> dict[tuple[str, str], list[float]]:
    if frame is None or frame.empty or not set(cols) <= set(frame.columns):
        return {}
    out = {}
    for r in frame.to_dict(orient="records"):
        vals = [float(r[c]) for c in cols]
        if all(np.isfinite(vals)):
            out[(str(r["variant"]), str(r["model"]))] = vals
    return out


def _bands(ax, pred: list[list[float] | None], mc: list[list[float] | None], ys: np.ndarray,  # type: ignore[no-untyped-def]
           lane: float, color: str) -> None:
    """One model's intervals, one line per kind (segments split by NaN): few artists, a cheap figure."""
    def segments(spans: list[tuple[float, float, float]]) -> tuple[np.ndarray, np.ndarray]:
        xs = np.array([[a, b, np.nan] for a, b, _ in spans]).ravel()
        return xs, np.array([[y, y, np.nan] for _, _, y in spans]).ravel()

    wide = [(q[0], q[3], y) for q, y in zip(pred, ys, strict=True) if q is not None]
    if wide:
        ax.plot(*segments(wide), color=color, linewidth=1.1, solid_capstyle="butt", zorder=2, label="_q05-q95")
        middle = [(q[1], q[2], y) for q, y in zip(pred, ys, strict=True) if q is not None]
        ax.plot(*segments(middle), color=color, linewidth=4.0, alpha=0.55, solid_capstyle="butt", zorder=2,
                label="_q25-q75")
    sims = [(b[0], b[1], y + (0.3 * lane if p is not None else 0.0))  # below the predictive interval if both
            for b, p, y in zip(mc, pred, ys, strict=True) if b is not None]
    if sims:
        ax.plot(*segments(sims), color=color, linewidth=1.0, marker="|", markersize=6, markeredgewidth=1.0,
                linestyle=(0, (3, 1.5)), zorder=2, label="_mc-05-95")


def _mc_label(runs: int | None) -> str:
    return f"Monte Carlo 5–95 % ({runs:,} runs)" if runs else "Monte Carlo 5–95 %"


def _legend(models: list[str], pred: bool, mc: bool, runs: int | None) -> tuple[list[Line2D], list[str]]:
    handles = [Line2D([], [], marker=MARKERS[k % len(MARKERS)], color=COLORS[k % len(COLORS)], linestyle="",
                      markersize=5.5, markeredgecolor="white", markeredgewidth=0.5) for k in range(len(models))]
    names = [t(m) for m in models]
    if pred:
        handles.append(Line2D([], [], color="#555555", linewidth=4.0, alpha=0.55))
        names.append(PREDICTIVE)
    if mc:
        handles.append(Line2D([], [], color="#555555", linewidth=1.0, marker="|", markersize=6,
                              linestyle=(0, (3, 1.5))))
        names.append(_mc_label(runs))
    return handles, names


def _actor_labels(issue: Issue, positions: pd.DataFrame, xlim: tuple[float, float], axes_in: float
                  ) -> tuple[list[tuple[float, str]], list[int], float]:
    """Actor ids under their baseline positions: actors at (nearly) one position share a label; labels go to
    the first free level below the row (:func:`.labels.pack_levels`). Returns (position, text) per label,
    each one's level (-1: no room, left out; the tables name every actor) and the points they need below."""
    if len(positions) > MAX_LABELLED_ACTORS:
        return [], [], 0.0
    tol = 0.015 * issue.span
    groups: list[tuple[float, list[str]]] = []
    for pos, actor in sorted(zip(positions["position"], positions["actor"], strict=True)):
        if groups and pos - groups[-1][0] <= tol:
            groups[-1][1].append(str(actor))
        else:
            groups.append((float(pos), [str(actor)]))
    width = axes_in * 72
    em = fit.CHAR_W * ACTOR_FONT
    texts, spans = [], []
    for pos, ids in groups:
        lines = fit.wrap(t(", ".join(ids)), 18, 3)
        half = max(len(line) for line in lines) * em / 2
        x = (pos - xlim[0]) / (xlim[1] - xlim[0]) * width
        texts.append((pos, "\n".join(lines)))
        spans.append((x - half, x + half))
    levels = fit.pack_levels(spans, MAX_LEVELS)
    used = max(levels, default=-1) + 1
    return texts, levels, 9 + LEVEL_PT * used
