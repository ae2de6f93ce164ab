"""Axis labels that do not overlap: text fitted to the room between ticks before matplotlib draws it.

Widths are estimated, not measured (measuring needs a draw, which costs as much as the figure): a glyph is at
most ``CHAR_W`` em wide on average and a line ``LINE_H`` em high, conservative for DejaVu Sans, matplotlib's
default font. Between two neighbouring ticks each label may use half of the gap; the first and last labels
are aligned inward (left/right, or bottom/top) so they use the half-gap on their inner side only. A label
that does not fit is wrapped shorter, then cut with "…", then reduced to the tick value, then left out. The
browser test (tests/test_label_overlap_browser.py) checks the result on the rendered bounding boxes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

CHAR_W = 0.62
LINE_H = 1.25
PAD = 3.0  # points kept free between two labels
MAX_LINES = 4


def wrap(label: str, chars: int, lines: int) -> list[str]:
    """``label`` in at most ``lines`` lines of at most ``chars`` characters (the last cut with "…")."""
    if chars < 1 or lines < 1:
        return []
    out = textwrap.wrap(label, max(1, chars), break_long_words=False) or [""]
    cut = len(out) > lines
    out = [line if len(line) <= chars else line[: max(0, chars - 1)] + "…" for line in out[:lines]]
    if cut and not out[-1].endswith("…"):
        out[-1] = out[-1][: max(0, chars - 1)] + "…"
    return out


def _rooms(points: Sequence[float]) -> list[float]:
    """Room (points along the axis) of each label; ends use the inner half-gap only."""
    n = len(points)
    if n == 1:
        return [float("inf")]
    gaps = [points[k + 1] - points[k] for k in range(n - 1)]
    rooms = []
    for k in range(n):
        if k == 0:
            rooms.append(gaps[0] / 2 - PAD)
        elif k == n - 1:
            rooms.append(gaps[-1] / 2 - PAD)
        else:
            rooms.append(2 * (min(gaps[k - 1], gaps[k]) / 2 - PAD))
    return rooms


def x_labels(points: Sequence[float], values: Sequence[str], labels: Sequence[str], fontsize: float,
             width_cap: float) -> list[str]:
    """Tick texts ("value\\nlabel …") for ticks at ``points`` (ascending, in points); each line at most
    ``width_cap`` points wide."""
    em = CHAR_W * fontsize
    out = []
    for room, value, label in zip(_rooms(points), values, labels, strict=True):
        chars = int(min(room, width_cap) // em)
        if chars < len(value):
            out.append("")
        elif chars < 6 or not label:
            out.append(value)
        else:
            out.append("\n".join([value, *wrap(label, chars, MAX_LINES - 1)]))
    return out


def y_labels(points: Sequence[float], values: Sequence[str], labels: Sequence[str], fontsize: float,
             chars: int) -> list[str]:
    """Tick texts ("value label", wrapped at ``chars``) for ticks at ``points`` (ascending, in points)."""
    line = LINE_H * fontsize
    out = []
    for room, value, label in zip(_rooms(points), values, labels, strict=True):
        lines = int(min(room, MAX_LINES * line) // line)
        if lines < 1:
            out.append("")
        elif not label:
            out.append(value)
        else:
            out.append("\n".join(wrap(f"{value} {label}", chars, lines)))
    return out


def pack_levels(spans: Sequence[tuple[float, float]], max_levels: int) -> list[int]:
    """Greedy level (row) for each horizontal span (left, right) so that spans on one level do not overlap;
    -1 where every level is taken."""
    ends = [-float("inf")] * max_levels
    out = []
    for left, right in spans:
        level = next((k for k in range(max_levels) if left >= ends[k] + PAD), -1)
        if level >= 0:
            ends[level] = right
        out.append(level)
    return out
