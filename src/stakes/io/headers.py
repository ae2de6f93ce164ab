"""Column names of flat tables: the synonyms people use, and the message when a header is not understood.

A header cell is compared in lower case, without surrounding quotes, a parenthesised note (``Salience
(0-100)``) or a trailing ``s``, with spaces and dashes read as ``_``. Each field takes the first column that
names it; columns no field takes are ignored with a warning.
"""

from __future__ import annotations

import re

SYNONYMS: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "stakeholder", "player", "party", "name"),
    "issue": ("issue", "dimension", "topic"),
    "position": ("position", "stance"),
    "salience": ("salience", "importance", "priority"),
    "capability": ("capability", "clout", "power", "influence", "resources", "resource", "weight"),
    "actor_name": ("actor_name", "name", "full_name"),
    "issue_name": ("issue_name",),
    "scale_min": ("scale_min",),
    "scale_max": ("scale_max",),
    "status_quo": ("status_quo",),
    "groups": ("groups", "group"),
}
REQUIRED = ("actor", "position", "salience", "capability")
_NOTE = re.compile(r"\(.*?\)|\[.*?\]")
_SEP = re.compile(r"[\s\-]+")


def normalise(cell: str) -> str:
    text = _NOTE.sub("", cell.strip().strip("\"'").lower()).strip()
    return _SEP.sub("_", text).strip("_:")


def map_columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Field → column index, and the header cells no field takes (ignored)."""
    names = [normalise(h) for h in header]
    taken: dict[str, int] = {}
    used: set[int] = set()
    for fld, synonyms in SYNONYMS.items():
        for syn in synonyms:
            k = next((i for i, n in enumerate(names) if i not in used and (n == syn or n == syn + "s")), None)
            if k is not None:
                taken[fld] = k
                used.add(k)
                break
    ignored = [h for i, h in enumerate(header) if i not in used and h.strip()]
    return taken, ignored


def expected_header() -> str:
    parts = [f"{fld} ({'|'.join(SYNONYMS[fld])})" for fld in REQUIRED]
    return ("columns " + ", ".join(parts) + "; optional issue, actor_name, issue_name, scale_min, scale_max, "
            "status_quo, groups")


def header_problem(header: list[str], taken: dict[str, int], detected: str) -> str:
    """The message for a header missing required fields: what was read, what is missing."""
    missing = [f for f in REQUIRED if f not in taken]
    shown = [h[:40] for h in header[:12]] + (["..."] if len(header) > 12 else [])
    cols = "one column (no delimiter found among tab, ';', ',', '|')" if len(header) == 1 else \
        f"{len(header)} columns"
    return f"unrecognised header {shown}: {detected}, {cols}; no column for {', '.join(missing)}"
