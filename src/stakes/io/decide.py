"""Decide's tagged input format (the Decide exchange model; ``decide-cop21/FORMAT_inputfiles.md``).

Every line starts with a tag; cells are separated by tabs or ``;`` (``,`` when neither occurs):

* ``#A key name``                                  — an actor;
* ``#P key name``                                  — an issue;
* ``#M issue position description``                — a labelled scale point; an issue's scale runs from the
  smallest to the largest of its ``#M`` points (default 0–100 without any);
* ``#D actor issue position salience power``       — a stance; salience and power are on 0–1;
* ``#0``, ``#/``, ``#O`` — comments (the first ``#O`` line becomes the scenario's title).

Mapping to a :class:`~stakes.scenario.Scenario`: salience × 100 (files of stakes use 0–100); an actor's
capability is its most common power over its rows (the first on a tie) and a row whose power differs keeps it
as the stance's issue-specific capability (Decide lets power vary per issue); ``#M`` points become anchors.
``models`` is set to ``["exchange"]``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..scenario import ID_PATTERN, Scenario, slugify
from .yaml_io import scenario_from_dict

COMMENT_TAGS = ("#0", "#/", "#O")
DATA_TAGS = ("#A", "#P", "#M", "#D")
_ID_RE = re.compile(ID_PATTERN)


def _delimiter(lines: list[str]) -> str:
    body = [ln for ln in lines if ln.strip()]
    if any("\t" in ln for ln in body):
        return "\t"
    if any(";" in ln for ln in body):
        return ";"
    return ","


def _number(text: str, file: str, row: int, field: str, actor: str | None = None,
            issue: str | None = None, expected: str = "a number") -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ScenarioError(f"'{text.strip()}' is not a number", file=file, row=row, actor=actor, issue=issue,
                            field=field, expected=expected) from None
    if not math.isfinite(value):
        raise ScenarioError(f"'{text.strip()}' is not a finite number", file=file, row=row, actor=actor,
                            issue=issue, field=field, expected=expected)
    return value


def _key(text: str, file: str, row: int, field: str) -> str:
    key = text.strip()
    if not key:
        raise ScenarioError("empty key", file=file, row=row, field=field, expected="an identifier")
    return key if _ID_RE.match(key) and len(key) <= 80 else slugify(key)


def read_decide(path: str | Path) -> Scenario:
    """Read a Decide input file; bad input raises :class:`ScenarioError` naming line, actor, issue and field."""
    p = Path(path)
    file = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror or exc}", file=file) from None
    return parse_decide(text, file=file, name=p.stem)


def parse_decide(text: str, file: str = "<decide>", name: str = "decide") -> Scenario:
    """Parse the text of a Decide input file (see the module docstring)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    sep = _delimiter(lines)
    title: str | None = None
    actors: dict[str, dict[str, Any]] = {}
    issues: dict[str, dict[str, Any]] = {}
    points: dict[str, dict[float, str]] = {}
    rows: list[tuple[int, list[str]]] = []
    marks: list[tuple[int, list[str]]] = []
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        cells = [c.strip() for c in raw.split(sep)]
        tag = cells[0]
        if tag in COMMENT_TAGS:
            if tag == "#O" and title is None and len(cells) > 1 and cells[1]:
                title = cells[1]
            continue
        if tag not in DATA_TAGS:
            raise ScenarioError(f"unknown row tag '{tag[:20]}'", file=file, row=lineno, field="tag",
                                expected="#A, #P, #M, #D or a comment (#0, #/, #O)")
        if tag in ("#A", "#P"):
            if len(cells) < 2 or not cells[1]:
                raise ScenarioError(f"a {tag} row needs a key", file=file, row=lineno, field="key",
                                    expected=f"{tag}, key, name")
            key = _key(cells[1], file, lineno, "key")
            label = next((c for c in cells[2:] if c), cells[1])
            table, what = (actors, "actor") if tag == "#A" else (issues, "issue")
            if key in table:
                raise ScenarioError(f"{what} '{key}' is defined twice (first on line {table[key]['_row']})",
                                    file=file, row=lineno, actor=key if tag == "#A" else None,
                                    issue=key if tag == "#P" else None, field="key")
            table[key] = {"_row": lineno, "name": label}
        elif tag == "#M":
            marks.append((lineno, cells))
        else:
            rows.append((lineno, cells))
    if not actors:
        raise ScenarioError("no actor (#A row)", file=file, expected="at least one '#A key name' row")
    if not issues:
        raise ScenarioError("no issue (#P row)", file=file, expected="at least one '#P key name' row")
    for lineno, cells in marks:
        if len(cells) < 3:
            raise ScenarioError("a #M row needs an issue and a position", file=file, row=lineno,
                                expected="#M, issue, position, description")
        issue = _key(cells[1], file, lineno, "issue")
        if issue not in issues:
            raise ScenarioError(f"#M row names unknown issue '{issue}'", file=file, row=lineno, issue=issue,
                                field="issue", expected=f"one of the #P keys: {', '.join(issues)}")
        value = _number(cells[2], file, lineno, "position", issue=issue)
        label = " ".join(c for c in cells[3:] if c) or f"{value:g}"
        if value in points.setdefault(issue, {}):
            raise ScenarioError(f"scale point {value:g} of issue '{issue}' is given twice", file=file,
                                row=lineno, issue=issue, field="position")
        points[issue][value] = label
    scales: dict[str, tuple[float, float]] = {}
    for key in issues:
        pts = points.get(key)
        lo, hi = (min(pts), max(pts)) if pts else (0.0, 100.0)
        if not hi > lo:
            raise ScenarioError(f"the #M points of issue '{key}' span no interval ({lo:g}..{hi:g})", file=file,
                                issue=key, field="#M", expected="at least two different scale points")
        scales[key] = (lo, hi)
    stances: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    powers: dict[str, list[float]] = {}
    for lineno, cells in rows:
        if len(cells) < 6 or not all(cells[1:6]):
            raise ScenarioError(f"a #D row needs 5 values, found {len([c for c in cells[1:6] if c])}", file=file,
                                row=lineno, expected="#D, actor, issue, position, salience, power")
        actor = _key(cells[1], file, lineno, "actor")
        issue = _key(cells[2], file, lineno, "issue")
        if actor not in actors:
            raise ScenarioError(f"#D row names unknown actor '{actor}'", file=file, row=lineno, actor=actor,
                                field="actor", expected="a key defined by an #A row")
        if issue not in issues:
            raise ScenarioError(f"#D row names unknown issue '{issue}'", file=file, row=lineno, actor=actor,
                                issue=issue, field="issue", expected="a key defined by a #P row")
        if (actor, issue) in seen:
            raise ScenarioError(f"a second #D row for actor '{actor}' on issue '{issue}' (first on line "
                                f"{seen[(actor, issue)]})", file=file, row=lineno, actor=actor, issue=issue)
        seen[(actor, issue)] = lineno
        lo, hi = scales[issue]
        pos = _number(cells[3], file, lineno, "position", actor, issue)
        if not lo <= pos <= hi:
            raise ScenarioError(f"position {pos:g} lies off the issue's #M scale", file=file, row=lineno,
                                actor=actor, issue=issue, field="position", expected=f"a number in {lo:g}..{hi:g}")
        sal = _number(cells[4], file, lineno, "salience", actor, issue)
        if not 0.0 <= sal <= 1.0:
            raise ScenarioError(f"salience {sal:g} lies outside 0..1", file=file, row=lineno, actor=actor,
                                issue=issue, field="salience", expected="a number in 0..1")
        power = _number(cells[5], file, lineno, "power", actor, issue)
        if power < 0:
            raise ScenarioError(f"negative power {power:g}", file=file, row=lineno, actor=actor, issue=issue,
                                field="power", expected="a number ≥ 0 (Decide uses 0..1)")
        powers.setdefault(actor, []).append(power)
        stances.append({"actor": actor, "issue": issue, "position": pos, "salience": sal * 100.0,
                        "capability": power})
    if not stances:
        raise ScenarioError("no stance (#D row)", file=file,
                            expected="'#D actor issue position salience power' rows")
    for key, info in actors.items():
        if key not in powers:
            raise ScenarioError(f"actor '{key}' has no #D row", file=file, row=info["_row"], actor=key,
                                expected="at least one '#D actor issue position salience power' row")
    for key, info in issues.items():
        if not any(st["issue"] == key for st in stances):
            raise ScenarioError(f"issue '{key}' has no #D row", file=file, row=info["_row"], issue=key,
                                expected="at least one '#D actor issue position salience power' row")
    capability = {a: Counter(ps).most_common(1)[0][0] for a, ps in powers.items()}
    for st in stances:
        if st["capability"] == capability[st["actor"]]:
            del st["capability"]
    data = {
        "id": slugify(name),
        "title": title or name,
        "models": ["exchange"],
        "issues": [{"id": k, "name": v["name"], "scale_min": scales[k][0], "scale_max": scales[k][1],
                    "anchors": [{"value": x, "label": lab} for x, lab in sorted(points.get(k, {}).items())]}
                   for k, v in issues.items()],
        "actors": [{"id": k, "name": v["name"], "capability": capability[k]} for k, v in actors.items()],
        "stances": stances,
    }
    return scenario_from_dict(data, file=file)
