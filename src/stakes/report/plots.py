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

from ..scenario import Issue

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
    if issue.anchors:
        ticks = [a.value for a in issue.anchors]
        labels = [f"{a.value:g}\n{t(a.label, 18)}" for a in issue.anchors]
        if axis == "x":
            ax.set_xticks(ticks, labels, fontsize=7)
        else:
            ax.set_yticks(ticks, [f"{a.value:g} {t(a.label, 30)}" for a in issue.anchors], fontsize=6.5)


def forecast_plot(issue: Issue, forecast: pd.DataFrame, positions: pd.DataFrame | None) -> str:
    """One row per variant, one marker per model, on the issue's scale; actors' baseline positions on top.

    ``forecast``: ``variant, model, value`` rows of this issue; ``positions``: ``actor, name, position``.
    """
    with matplotlib.rc_context(RC):
        variants = list(dict.fromkeys(forecast["variant"]))
        models = list(dict.fromkeys(forecast["model"]))
        rows = len(variants) + (1 if positions is not None and len(positions) else 0)
        fig = Figure(figsize=(7.5, 1.3 + 0.42 * rows + (0.6 if issue.anchors else 0)))
        ax = fig.add_subplot()
        for k, model in enumerate(models):
            sub = forecast[forecast["model"] == model]
            ys = [variants.index(v) for v in sub["variant"]]
            ax.scatter(sub["value"], ys, marker=MARKERS[k % len(MARKERS)], s=46, color=COLORS[k % len(COLORS)],
                       label=t(model), zorder=3, edgecolor="white", linewidth=0.5)
        labels = [t(v, 28) for v in variants]
        if positions is not None and len(positions):
            y = len(variants)
            ax.scatter(positions["position"], [y] * len(positions), marker="|", s=160, color="#555555")
            if len(positions) <= MAX_LABELLED_ACTORS:
                # actors at (nearly) the same position share one label: ids joined, staggered on 4 levels
                tol = 0.015 * issue.span
                groups: list[tuple[float, list[str]]] = []
                for pos, actor in sorted(zip(positions["position"], positions["actor"], strict=True)):
                    if groups and pos - groups[-1][0] <= tol:
                        groups[-1][1].append(str(actor))
                    else:
                        groups.append((float(pos), [str(actor)]))
                for j, (pos, ids) in enumerate(groups):
                    ax.annotate(t(", ".join(ids), 18), (pos, y), xytext=(0, -9 - 15 * (j % 4)),
                                textcoords="offset points", ha="center", va="top", fontsize=6,
                                color="#333333")
            labels.append("actors (baseline)")
        ax.set_yticks(range(len(labels)), labels)
        has_actors = positions is not None and len(positions) > 0
        ax.set_ylim(-0.6, len(labels) - 0.4 + (1.9 if has_actors else 0))
        ax.invert_yaxis()
        _scale_axis(ax, issue)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_title(t(f"{issue.name} — forecast by variant and model"), loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        return to_svg(fig)


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
        for k, variant in enumerate(variants):
            ax = axes[k // cols][k % cols]
            sub = traj[traj["variant"] == variant]
            for j, actor in enumerate(actors):
                a = sub[sub["actor"] == actor].sort_values("round")
                if len(a):
                    ax.plot(a["round"], a["position"], color=palette[j % 20], linewidth=1.1,
                            linestyle=styles[(j // 20) % 4], label=t(names.get(actor, actor), 22),
                            marker="." if len(a) < 12 else None)
            fc = sub.groupby("round")["forecast"].first() if "forecast" in sub else None
            if fc is not None and fc.notna().any():
                ax.plot(fc.index, fc.to_numpy(), color="black", linestyle="--", linewidth=2, label="forecast")
            ax.set_title(t(variant, 30), fontsize=8.5, loc="left")
            ax.set_xlabel("round")
            _scale_axis(ax, issue, "y")
            ax.grid(color="#eeeeee", linewidth=0.5)
        for k in range(len(variants), nrows * cols):
            axes[k // cols][k % cols].set_visible(False)
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 0.95), fontsize=7, frameon=False)
        fig.suptitle(t(f"{issue.name} — {model}: positions by round"), x=0.02, ha="left", fontsize=10)
        fig.tight_layout()
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
