"""Actors' positions round by round: one figure per model, one row per issue, one panel per variant.

Cheap by construction (issue 14): a row is ONE matplotlib Axes whose panels sit side by side on its x axis
(panel k spans ``k·(R + gap) … k·(R + gap) + R`` for R rounds), and each actor is ONE line across all the
panels of a row (NaN between panels). A figure of 6 issues × 7 variants × 20 actors is then 6 Axes and 126
lines instead of 42 Axes and 882 lines; matplotlib's cost is mostly per Axes (ticks, spines, text layout).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..scenario import Issue
from . import labels as fit
from .plots import MAX_WIDTH_IN, RC, fit_anchor_labels, scale_axis, t, to_svg

ROW_IN = 1.55
GAP = 0.35
"""Blank between two panels, as a share of a panel's width."""
STYLES = ["-", "--", ":", "-."]
TICK_FONT = 7.0
Y_CHARS = 24
"""Anchor labels on the y axis wrap at this many characters."""
LEGEND_CHARS = 24
LEGEND_FONT = 7.0


def rounds_plot(model: str, issues: Sequence[Issue], traj: pd.DataFrame, names: dict[str, str],
                variants: Sequence[str], actors: Sequence[str]) -> str:
    """``traj``: ``variant, issue, round, actor, position[, forecast]`` rows of one model; ``actors`` are the
    ones to draw (in legend order), ``variants`` the panels (in order). At most ``MAX_WIDTH_IN`` wide (the
    page's width: a wider SVG is scaled down and its small text would crowd), the actors' legend below."""
    rounds = max(1, int(traj["round"].max())) if len(traj) else 1
    step = rounds * (1 + GAP)
    n_rows, n_cols = len(issues), len(variants)
    y_text = max((len(f"{a.value:g} {a.label}") for i in issues for a in i.anchors), default=4)
    left_in = (min(Y_CHARS, y_text) * fit.CHAR_W * TICK_FONT + 16) / 72
    width = MAX_WIDTH_IN
    panel = (width - left_in - 0.25) / (n_cols + (n_cols - 1) * GAP)
    head_in = 0.45 + 0.14 * max(len(_header(v, panel)) for v in variants)  # title, wrapped variant names
    legend_names = ["\n".join(fit.wrap(t(names.get(a, a)), LEGEND_CHARS, 2)) for a in actors] + ["forecast (median)"]
    entry_pt = LEGEND_CHARS * fit.CHAR_W * LEGEND_FONT + 34
    ncol = max(1, int((width - 0.3) * 72 // entry_pt))
    legend_in = (-(-len(legend_names) // ncol) * (2 * fit.LINE_H + 0.6) * LEGEND_FONT + 8) / 72
    row_gap, foot_in = 0.45, 0.5  # issue name over each row; x labels under the last
    height = head_in + n_rows * ROW_IN + (n_rows - 1) * row_gap + foot_in + legend_in
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height))
        top, bottom = 1 - head_in / height, (foot_in + legend_in) / height
        fig.subplots_adjust(left=left_in / width, right=1 - 0.25 / width, top=top, bottom=bottom,
                            hspace=row_gap / ROW_IN)
        axes = fig.subplots(n_rows, 1, squeeze=False)[:, 0]
        palette = [matplotlib.colors.to_hex(c) for c in matplotlib.colormaps["tab20"].colors]
        style = {a: (palette[j % 20], STYLES[(j // 20) % 4]) for j, a in enumerate(actors)}
        for r, (ax, issue) in enumerate(zip(axes, issues, strict=True)):
            _draw_row(ax, traj[traj["issue"] == issue.id], variants, actors, style, rounds, step)
            ax.set_xlim(-0.04 * step, (n_cols - 1) * step + rounds + 0.04 * step)
            scale_axis(ax, issue, "y")
            ax.set_title(t(issue.name, 90), loc="left", fontsize=8.5, pad=3)
            if r == n_rows - 1:  # round numbers under the last row only; the faint frames mark the panels above
                ax.set_xticks([k * step + x for k in range(n_cols) for x in (0, rounds)],
                              [str(int(x)) for _ in range(n_cols) for x in (0, rounds)], fontsize=TICK_FONT)
            else:
                ax.set_xticks([])
            ax.grid(axis="y", color="#eeeeee", linewidth=0.5)
        axes[-1].set_xlabel("round (each panel: rounds 0 to the last)", fontsize=TICK_FONT)
        for k, v in enumerate(variants):  # variant names over the columns of the first row
            axes[0].annotate("\n".join(_header(v, panel)), (k * step + rounds / 2, 1),
                             xycoords=("data", "axes fraction"), xytext=(0, 14), textcoords="offset points",
                             ha="center", va="bottom", fontsize=7.5)
        handles = [Line2D([], [], color=c, linestyle=s, linewidth=1.1) for c, s in style.values()]
        handles.append(Line2D([], [], color="black", linestyle="--", linewidth=2))
        fig.legend(handles, legend_names, loc="upper left", bbox_to_anchor=(0.1 / width, legend_in / height),
                   ncol=ncol, fontsize=LEGEND_FONT, frameon=False, columnspacing=1.0, handlelength=1.8)
        fig.suptitle(t(f"{model}: positions by round, per issue (rows) and variant (columns)"), x=0.01,
                     ha="left", fontsize=10, y=1 - 0.08 / height, va="top")
        for ax, issue in zip(axes, issues, strict=True):
            fit_anchor_labels(ax, issue, "y", chars=Y_CHARS)
        return to_svg(fig)


def _header(variant: str, panel_in: float) -> list[str]:
    chars = max(6, int(panel_in * 72 * (1 + GAP * 0.8) / (fit.CHAR_W * 7.5)))  # a panel and most of its gap
    return fit.wrap(t(variant), chars, 3)


def _draw_row(ax, sub: pd.DataFrame, variants: Sequence[str], actors: Sequence[str],  # type: ignore[no-untyped-def]
              style: dict[str, tuple[str, str]], rounds: int, step: float) -> None:
    """Every actor as one line through the row's panels; the forecast as one dashed black line."""
    n_cols = len(variants)
    xs = np.concatenate([np.append(k * step + np.arange(rounds + 1), np.nan) for k in range(n_cols)])
    # get_indexer: -1 for a variant or actor not shown
    slot = pd.Index(list(variants)).get_indexer(sub["variant"]) * (rounds + 2) + sub["round"].to_numpy()
    inside = (slot >= 0) & (sub["round"].to_numpy() <= rounds)
    rows = pd.Index(list(actors)).get_indexer(sub["actor"])
    keep = inside & (rows >= 0)
    grid = np.full((len(actors), xs.size), np.nan)
    grid[rows[keep], slot[keep]] = sub["position"].to_numpy(dtype=float)[keep]
    # one collection for the row (one Line2D per actor cost ~3 ms each); NaN breaks a line between panels
    drawn = [j for j in range(len(actors)) if np.isfinite(grid[j]).any()]
    segments = [np.column_stack([xs, grid[j]]) for j in drawn]
    colors = [style[actors[j]][0] for j in drawn]
    dashes = [style[actors[j]][1] for j in drawn]
    if segments:
        ax.add_collection(LineCollection(segments, colors=colors, linestyles=dashes, linewidths=1.1, zorder=2),
                          autolim=False)
    if "forecast" in sub.columns:
        fc = np.full(xs.size, np.nan)
        firsts = sub[inside].assign(slot=slot[inside]).groupby("slot")["forecast"].first()
        fc[firsts.index.to_numpy()] = firsts.to_numpy(dtype=float)
        if np.isfinite(fc).any():
            ax.plot(xs, fc, color="black", linestyle="--", linewidth=2)
    frames = [[(k * step, 0), (k * step + rounds, 0), (k * step + rounds, 1), (k * step, 1)] for k in range(n_cols)]
    ax.add_collection(PolyCollection(frames, transform=ax.get_xaxis_transform(), facecolors="#f6f6f8",
                                     linewidths=0, zorder=0), autolim=False)  # a faint frame per panel
