"""The report's figures as inline SVG strings (matplotlib, drawn headless).

Figures are built with :class:`matplotlib.figure.Figure` and the SVG canvas directly — no ``pyplot``, so
no global backend switch and no window. Text stays text (``svg.fonttype: none``), which matplotlib
XML-escapes; ``$`` is escaped so names are never read as math. Output is deterministic (fixed hash salt,
no date).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..scenario import Issue
from . import labels as fit

RC = {"svg.fonttype": "none", "svg.hashsalt": "stakes", "font.size": 9, "axes.titlesize": 10,
      "axes.spines.top": False, "axes.spines.right": False}
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf"]
MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]
MAX_LABELLED_ACTORS = 40
"""Beyond this many actors the forecast plot marks positions without names (the tables name them)."""


def t(text: object, width: int | None = None) -> str:
    """Label text safe for matplotlib: no mathtext, optionally wrapped."""
    s = str(text).replace("$", r"\$")
    return "\n".join(textwrap.wrap(s, width)) if width else s


def to_svg(fig: Figure) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG goes inline into HTML


def _scale_axis(ax, issue: Issue, axis: str = "x") -> None:  # type: ignore[no-untyped-def]
    lo, hi = issue.scale_min, issue.scale_max
    pad = 0.03 * (hi - lo)
    (ax.set_xlim if axis == "x" else ax.set_ylim)(lo - pad, hi + pad)
    fit_anchor_labels(ax, issue, axis)


def fit_anchor_labels(ax, issue: Issue, axis: str = "x") -> None:  # type: ignore[no-untyped-def]
    """Anchor ticks labelled "value label", fitted to the room the axes have now (:mod:`.labels`); call
    again after a layout change (labels only get shorter, so the layout still holds)."""
    if not issue.anchors:
        return
    anchors = sorted(issue.anchors, key=lambda a: a.value)
    fig_w, fig_h = ax.figure.get_size_inches()
    box = ax.get_position()
    lo, hi = (ax.get_xlim() if axis == "x" else ax.get_ylim())
    lo, hi = min(lo, hi), max(lo, hi)
    length = (box.width * fig_w if axis == "x" else box.height * fig_h) * 72
    points = [(a.value - lo) / (hi - lo) * length for a in anchors]
    values = [f"{a.value:g}" for a in anchors]
    names = [t(a.label) for a in anchors]
    ticks = [a.value for a in anchors]
    if axis == "x":
        ax.set_xticks(ticks, fit.x_labels(points, values, names, 7, width_cap=130), fontsize=7)
        marks = ax.get_xticklabels()
        inward = ("left", "right")
    else:
        ax.set_yticks(ticks, fit.y_labels(points, values, names, 6.5, chars=30), fontsize=6.5)
        marks = ax.get_yticklabels()
        inward = ("bottom", "top") if not ax.yaxis_inverted() else ("top", "bottom")
    if len(marks) > 1:  # the end labels lean inward, so they use the room on their inner side only
        (marks[0].set_ha if axis == "x" else marks[0].set_va)(inward[0])
        (marks[-1].set_ha if axis == "x" else marks[-1].set_va)(inward[1])


def forecast_plot(issue: Issue, forecast: pd.DataFrame, positions: pd.DataFrame | None) -> str:
    """One row per variant, one marker per model, on the issue's scale; actors' baseline positions on top.

    ``forecast``: ``variant, model, value`` rows of this issue; ``positions``: ``actor, name, position``.
    """
    with matplotlib.rc_context(RC):
        variants = list(dict.fromkeys(forecast["variant"]))
        models = list(dict.fromkeys(forecast["model"]))
        has_actors = positions is not None and len(positions) > 0
        rows = len(variants) + (1 if has_actors else 0)
        base_h = 1.3 + 0.42 * rows + (0.6 if issue.anchors else 0)
        lo, hi = issue.scale_min - 0.03 * issue.span, issue.scale_max + 0.03 * issue.span
        texts, levels, below = _actor_labels(issue, positions, (lo, hi)) if has_actors else ([], [], 0.0)
        # the actors' labels hang below their row: grow the figure and the y range by exactly that many points
        fig = Figure(figsize=(7.5, base_h + below / 72 / AXES_HEIGHT))
        ax = fig.add_subplot()
        for k, model in enumerate(models):
            sub = forecast[forecast["model"] == model]
            ys = [variants.index(v) for v in sub["variant"]]
            ax.scatter(sub["value"], ys, marker=MARKERS[k % len(MARKERS)], s=46, color=COLORS[k % len(COLORS)],
                       label=t(model), zorder=3, edgecolor="white", linewidth=0.5)
        ticks = ["\n".join(fit.wrap(t(v), 28, 2)) for v in variants]
        if has_actors:
            y = len(variants)
            ax.scatter(positions["position"], [y] * len(positions), marker="|", s=160, color="#555555")
            for (pos, text), level in zip(texts, levels, strict=True):
                if level >= 0:
                    ax.annotate(text, (pos, y), xytext=(0, -9 - LEVEL_PT * level), textcoords="offset points",
                                ha="center", va="top", fontsize=ACTOR_FONT, color="#333333")
            ticks.append("actors (baseline)")
        ax.set_yticks(range(len(ticks)), ticks)
        base_range = len(ticks) + 0.2
        ax.set_ylim(-0.6, len(ticks) - 0.4 + below * base_range / (AXES_HEIGHT * base_h * 72))
        ax.invert_yaxis()
        _scale_axis(ax, issue)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_title(t(f"{issue.name} — forecast by variant and model"), loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        return to_svg(fig)


AXES_WIDTH, AXES_HEIGHT = 0.9 - 0.125, 0.88 - 0.11  # matplotlib's default subplot box (figure fractions)
ACTOR_FONT = 6
LEVEL_PT = 3 * fit.LINE_H * ACTOR_FONT + 2  # one level of actor labels: up to three lines
MAX_LEVELS = 8


def _actor_labels(issue: Issue, positions: pd.DataFrame, xlim: tuple[float, float]
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
    width = AXES_WIDTH * 7.5 * 72
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


def trajectory_plot(issue: Issue, model: str, traj: pd.DataFrame, names: dict[str, str],
                    variants: Sequence[str]) -> str:
    """Actors' positions round by round (one panel per variant) with the round's forecast dashed."""
    with matplotlib.rc_context(RC):
        cols = min(3, len(variants))
        nrows = -(-len(variants) // cols)
        fig = Figure(figsize=(3.2 * cols + 1.6, 2.5 * nrows))
        axes = fig.subplots(nrows, cols, squeeze=False, sharey=True)
        actors = list(dict.fromkeys(traj["actor"]))
        palette = [matplotlib.colors.to_hex(c) for c in matplotlib.colormaps["tab20"].colors]
        styles = ["-", "--", ":", "-."]
        by_variant = dict(tuple(traj.groupby("variant", sort=False, observed=True)))
        for k, variant in enumerate(variants):
            ax = axes[k // cols][k % cols]
            sub = by_variant.get(variant, traj.iloc[:0])
            wide = sub.pivot_table(index="round", columns="actor", values="position", sort=True, observed=True)
            rounds = wide.index.to_numpy()
            for j, actor in enumerate(actors):
                if actor in wide.columns:
                    ax.plot(rounds, wide[actor].to_numpy(), color=palette[j % 20], linewidth=1.1,
                            linestyle=styles[(j // 20) % 4], label=t(names.get(actor, actor), 22),
                            marker=None)
            fc = sub.groupby("round")["forecast"].first() if "forecast" in sub else None
            if fc is not None and fc.notna().any():
                ax.plot(fc.index, fc.to_numpy(), color="black", linestyle="--", linewidth=2, label="forecast")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))  # whole rounds, few enough to fit
            ax.set_title(t(variant, 30), fontsize=8.5, loc="left")
            ax.set_xlabel("round")
            _scale_axis(ax, issue, "y")
            ax.grid(color="#eeeeee", linewidth=0.5)
        for k in range(len(variants), nrows * cols):
            axes[k // cols][k % cols].set_visible(False)
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 0.95), fontsize=7, frameon=False)
        fig.suptitle(t(f"{issue.name} — {model}: positions by round"), x=0.02, ha="left", fontsize=10)
        # margins from the label sizes (tight_layout would cost a draw): y labels up to 30 characters
        fig_w, fig_h = fig.get_size_inches()
        y_text = max((len(f"{a.value:g} {a.label}") for a in issue.anchors), default=4)
        left = (min(30, y_text) * fit.CHAR_W * 6.5 + 16) / 72 / fig_w
        top, bottom, gap = 1 - 0.55 / fig_h, 0.5 / fig_h, 0.8  # gap: inches between rows (x label, title)
        panel = (fig_h * (top - bottom) - (nrows - 1) * gap) / nrows
        fig.subplots_adjust(left=left, right=1 - 1.55 / fig_w, top=top, bottom=bottom, wspace=0.08,
                            hspace=gap / panel)
        for ax in axes.flat:
            fit_anchor_labels(ax, issue, "y")
        return to_svg(fig)


def distribution_plot(issue: Issue, hist: pd.DataFrame) -> str:
    """Monte Carlo histograms of the forecast: one panel per model, one step line per variant."""
    with matplotlib.rc_context(RC):
        models = list(dict.fromkeys(hist["model"]))
        fig = Figure(figsize=(3.6 * len(models) + 1.6, 2.6))
        axes = fig.subplots(1, len(models), squeeze=False)[0]
        variants = list(dict.fromkeys(hist["variant"]))
        for ax, model in zip(axes, models, strict=True):
            for j, variant in enumerate(variants):
                sub = hist[(hist["model"] == model) & (hist["variant"] == variant)].sort_values("lo")
                total = sub["count"].sum()
                if not len(sub) or total == 0:
                    continue
                share = sub["count"].to_numpy() / total
                edges = np.append(sub["lo"].to_numpy(), sub["hi"].to_numpy()[-1])
                ax.stairs(share, edges, color=COLORS[j % len(COLORS)], linewidth=1.4, label=t(variant, 26))
            ax.set_title(t(model), fontsize=8.5, loc="left")
            ax.set_ylabel("share of runs")
            _scale_axis(ax, issue)
            ax.grid(color="#eeeeee", linewidth=0.5)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 0.95), fontsize=7, frameon=False)
        fig.suptitle(t(f"{issue.name} — distribution of the forecast"), x=0.02, ha="left", fontsize=10)
        fig.tight_layout()
        for ax in axes:
            fit_anchor_labels(ax, issue)
        return to_svg(fig)


def drivers_plot(title: str, drivers: pd.DataFrame, first: str | None, total: str | None) -> str:
    """Horizontal bars of the strongest drivers (``label`` plus first-order and total indices)."""
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(6.5, 0.6 + 0.28 * len(drivers)))
        ax = fig.add_subplot()
        y = np.arange(len(drivers))
        if total:
            ax.barh(y + 0.18, drivers[total].fillna(0), height=0.36, color="#9ecae1", label=t(total))
        if first:
            ax.barh(y - 0.18 if total else y, drivers[first].fillna(0), height=0.36, color="#08519c",
                    label=t(first))
        ax.set_yticks(y, [t(x, 40) for x in drivers["label"]], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(t(title, 80), loc="left")
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.grid(axis="x", color="#eeeeee", linewidth=0.5)
        return to_svg(fig)
