"""The report's figures as inline SVG strings (matplotlib, drawn headless).

Figures are built with :class:`matplotlib.figure.Figure` and the SVG canvas directly — no ``pyplot``, so
no global backend switch and no window. Text stays text (``svg.fonttype: none``), which matplotlib
XML-escapes; ``$`` is escaped so names are never read as math. Output is deterministic (fixed hash salt,
no date).
"""

from __future__ import annotations

import io
import textwrap

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
MAX_WIDTH_IN = 11.5
"""The page's content is 1,129 px = 11.76 in wide: a wider SVG is scaled down, and its small text crowds."""


def t(text: object, width: int | None = None) -> str:
    """Label text safe for matplotlib: no mathtext, optionally wrapped."""
    s = str(text).replace("$", r"\$")
    return "\n".join(textwrap.wrap(s, width)) if width else s


def to_svg(fig: Figure, tight: bool = False) -> str:
    """The figure as inline SVG. The report's figures are laid out in inches beforehand; ``tight`` (crop to
    what was drawn) would cost a second draw of the figure."""
    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight" if tight else None)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG goes inline into HTML


def scale_axis(ax, issue: Issue, axis: str = "x") -> None:  # type: ignore[no-untyped-def]
    lo, hi = issue.scale_min, issue.scale_max
    pad = 0.03 * (hi - lo)
    (ax.set_xlim if axis == "x" else ax.set_ylim)(lo - pad, hi + pad)
    fit_anchor_labels(ax, issue, axis)


def fit_anchor_labels(ax, issue: Issue, axis: str = "x", chars: int = 30) -> None:  # type: ignore[no-untyped-def]
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
        ax.set_yticks(ticks, fit.y_labels(points, values, names, 6.5, chars=chars), fontsize=6.5)
        marks = ax.get_yticklabels()
        inward = ("bottom", "top") if not ax.yaxis_inverted() else ("top", "bottom")
    if len(marks) > 1:  # the end labels lean inward, so they use the room on their inner side only
        (marks[0].set_ha if axis == "x" else marks[0].set_va)(inward[0])
        (marks[-1].set_ha if axis == "x" else marks[-1].set_va)(inward[1])


def distribution_plot(issue: Issue, hist: pd.DataFrame) -> str:
    """Monte Carlo histograms of the forecast: one panel per model, one step line per variant."""
    models = list(dict.fromkeys(hist["model"]))
    variants = list(dict.fromkeys(hist["variant"]))
    gap, left = 0.55, 0.6  # inches: between panels (y tick labels), left (y label)
    right = (max(len(line) for v in variants for line in t(v, 26).split("\n")) * fit.CHAR_W * 7 + 34) / 72
    panel = min(3.0, (MAX_WIDTH_IN - left - right - (len(models) - 1) * gap) / len(models))
    width = left + len(models) * panel + (len(models) - 1) * gap + right
    top, bottom = 0.6, (0.75 if issue.anchors else 0.4)
    height = top + 1.5 + bottom
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                            wspace=gap / panel)
        axes = fig.subplots(1, len(models), squeeze=False)[0]
        groups = {key: sub.sort_values("lo") for key, sub in hist.groupby(["model", "variant"], sort=False)}
        for ax, model in zip(axes, models, strict=True):
            for j, variant in enumerate(variants):
                sub = groups.get((model, variant))
                total = 0 if sub is None else sub["count"].sum()
                if total == 0:
                    continue
                share = sub["count"].to_numpy() / total
                edges = np.append(sub["lo"].to_numpy(), sub["hi"].to_numpy()[-1])
                # a step line (Line2D): as drawn by ``stairs``, without a patch's costly bounds on every add
                ax.plot(np.repeat(edges, 2), np.concatenate([[0.0], np.repeat(share, 2), [0.0]]),
                        color=COLORS[j % len(COLORS)], linewidth=1.4, label=t(variant, 26))
            ax.set_title(t(model), fontsize=8.5, loc="left")
            ax.set_ylim(bottom=0)
            scale_axis(ax, issue)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.grid(color="#eeeeee", linewidth=0.5)
        axes[0].set_ylabel("share of runs")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(1 - (right - 0.1) / width, 1 - top / height),
                   fontsize=7, frameon=False)
        fig.suptitle(t(f"{issue.name} — distribution of the forecast"), x=0.01, ha="left", fontsize=10,
                     y=1 - 0.08 / height, va="top")
        return to_svg(fig, tight=False)


def drivers_plot(title: str, drivers: pd.DataFrame, first: str | None, total: str | None) -> str:
    """Horizontal bars of the strongest drivers (``label`` plus first-order and total indices)."""
    labels = [t(x, 40) for x in drivers["label"]]
    left = (max((len(line) for x in labels for line in x.split("\n")), default=4) * fit.CHAR_W * 7 + 12) / 72
    width, height = left + 5.0 + 0.2, 0.75 + 0.28 * len(drivers) + 0.35
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(left=left / width, right=1 - 0.2 / width, top=1 - 0.35 / height, bottom=0.4 / height)
        ax = fig.add_subplot()
        y = np.arange(len(drivers))
        if total:
            ax.barh(y + 0.18, drivers[total].fillna(0), height=0.36, color="#9ecae1", label=t(total))
        if first:
            ax.barh(y - 0.18 if total else y, drivers[first].fillna(0), height=0.36, color="#08519c",
                    label=t(first))
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_ylim(len(drivers) - 0.5, -0.5)
        ax.set_title(t(title, 80), loc="left")
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.grid(axis="x", color="#eeeeee", linewidth=0.5)
        return to_svg(fig, tight=False)
