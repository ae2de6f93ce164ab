"""Decide's tagged input format (the Decide exchange model; ``decide-cop21/FORMAT_inputfiles.md``).

Every line starts with a tag; cells are separated by tabs, ``;`` or ``,`` (the one that follows the first tag);
cells may be quoted in single quotes, as Decide's own published files are (``'#A'\t'USA'\t'USA'\t''``):

* ``#A key name``                                  — an actor;
* ``#P key name``                                  — an issue;
* ``#M issue position description``                — a labelled scale point; an issue's scale runs from the
  smallest to the largest of its ``#M`` points (default 0–100 without any);
* ``#D actor issue position salience power``       — a stance; salience and power are on 0–1;
* ``#0``, ``#/``, ``#O`` — comments (the first ``#O`` line becomes the scenario's title).

Mapping to a :class:`~stakes.scenario.Scenario`: salience × 100 (files of stakes use 0–100); an actor's
capability is its most common power over its rows (the first on a tie) and a row whose power differs keeps it
as the stance's issue-specific capability (Decide lets power vary per issue); ``#M`` points become anchors.
An issue or actor without any ``#D`` row is left out with a warning (Decide reads such files and reports the
issue as empty). Keys that are not valid ids are transliterated and slugged (``EU (incl Norway)`` →
``EU-incl-Norway``); two keys on one id are an error. ``models`` is set to ``["exchange"]``.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..scenario import Scenario
from .ids import IdMaker, make_id
from .reading import Notes, decode, max_input_bytes, parse_number, read_bytes
from .yaml_io import scenario_from_dict

COMMENT_TAGS = ("#0", "#/", "#O")
DATA_TAGS = ("#A", "#P", "#M", "#D")
_TAG = re.compile(r"^\s*'?#[APMD0/O]'?(?P<sep>[\t;,])")


def looks_like_decide(lines: list[str]) -> bool:
    """True when a line among ``lines`` starts with an #A, #P or #D tag (quoted or not)."""
    return any(_TAG.match(ln) and ln.lstrip().lstrip("'")[:2] in ("#A", "#P", "#D") for ln in lines)


def _dialect(lines: list[str]) -> tuple[str, str | None]:
    """The delimiter (the character after the first tag) and the quote character (``'`` or none)."""
    for ln in lines:
        m = _TAG.match(ln)
        if m:
            return m.group("sep"), ("'" if ln.lstrip().startswith("'") else None)
    return "\t", None


def _split(line: str, sep: str, quote: str | None) -> list[str]:
    if quote is None:
        return [c.strip() for c in line.split(sep)]
    return [c.strip() for c in next(csv.reader([line], delimiter=sep, quotechar=quote, skipinitialspace=True))]


def _number(text: str, file: str, row: int, field: str, actor: str | None = None,
            issue: str | None = None, expected: str = "a number") -> float:
    try:
        value = parse_number(text)
    except ValueError:
        raise ScenarioError(f"'{text.strip()[:40]}' is not a number", file=file, row=row, actor=actor,
                            issue=issue, field=field, expected=expected) from None
    if not math.isfinite(value):
        raise ScenarioError(f"'{text.strip()}' is not a finite number", file=file, row=row, actor=actor,
                            issue=issue, field=field, expected=expected)
    return value


def read_decide(path: str | Path, notes: Notes | None = None) -> Scenario:
    """Read a Decide input file; bad input raises :class:`ScenarioError` naming line, actor, issue and field."""
    p = Path(path)
    own = notes is None
    notes = notes or Notes(str(p))
    text, _ = decode(read_bytes(p, max_input_bytes()), str(p), notes)
    scenario = parse_decide(text, file=str(p), name=p.stem, notes=notes)
    if own:
        notes.emit()
    return scenario


def parse_decide(text: str, file: str = "<decide>", name: str = "decide", notes: Notes | None = None) -> Scenario:
    """Parse the text of a Decide input file (see the module docstring)."""
    own = notes is None
    notes = notes or Notes(file)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    sep, quote = _dialect(lines[:200])
    title: str | None = None
    actor_id, issue_id = IdMaker("actor", file), IdMaker("issue", file)
    actors: dict[str, dict[str, Any]] = {}
    issues: dict[str, dict[str, Any]] = {}
    points: dict[str, dict[float, str]] = {}
    rows: list[tuple[int, list[str]]] = []
    marks: list[tuple[int, list[str]]] = []
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            cells = _split(raw, sep, quote)
        except csv.Error as exc:
            raise ScenarioError(f"unreadable line: {exc}", file=file, row=lineno) from None
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
            table, what, ids = (actors, "actor", actor_id) if tag == "#A" else (issues, "issue", issue_id)
            if cells[1] in table:
                raise ScenarioError(f"{what} '{cells[1]}' is defined twice (first on line "
                                    f"{table[cells[1]]['_row']})", file=file, row=lineno,
                                    actor=cells[1] if tag == "#A" else None,
                                    issue=cells[1] if tag == "#P" else None, field="key")
            label = next((c for c in cells[2:] if c), cells[1])
            table[cells[1]] = {"_row": lineno, "id": ids(cells[1], lineno), "name": label}
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
        issue = cells[1]
        if issue not in issues:
            raise ScenarioError(f"#M row names unknown issue '{issue}'", file=file, row=lineno, issue=issue,
                                field="issue", expected=f"one of the #P keys: {', '.join(list(issues)[:20])}")
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
    stances = _stances(rows, actors, issues, scales, file)
    return _scenario(stances, actors, issues, scales, points, title or name, name, file, notes, own)


def _stances(rows: list[tuple[int, list[str]]], actors: dict[str, dict[str, Any]],
             issues: dict[str, dict[str, Any]], scales: dict[str, tuple[float, float]], file: str
             ) -> list[dict[str, Any]]:
    stances: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for lineno, cells in rows:
        if len(cells) < 6 or not all(cells[1:6]):
            raise ScenarioError(f"a #D row needs 5 values, found {len([c for c in cells[1:6] if c])}", file=file,
                                row=lineno, expected="#D, actor, issue, position, salience, power")
        actor, issue = cells[1], cells[2]
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
        stances.append({"actor": actor, "issue": issue, "position": pos, "salience": sal * 100.0,
                        "capability": power})
    if not stances:
        raise ScenarioError("no stance (#D row)", file=file,
                            expected="'#D actor issue position salience power' rows")
    return stances


def _scenario(stances: list[dict[str, Any]], actors: dict[str, dict[str, Any]], issues: dict[str, dict[str, Any]],
              scales: dict[str, tuple[float, float]], points: dict[str, dict[float, str]], title: str, name: str,
              file: str, notes: Notes, emit: bool) -> Scenario:
    """The scenario of the stances; issues and actors without any leave out with a warning."""
    with_issue = {st["issue"] for st in stances}
    powers: dict[str, list[float]] = {}
    for st in stances:
        powers.setdefault(st["actor"], []).append(st["capability"])
    empty = [k for k in issues if k not in with_issue]
    if empty:
        notes.add(f"issue{'s' if len(empty) > 1 else ''} {', '.join(repr(k) for k in empty)} "
                  f"{'have' if len(empty) > 1 else 'has'} no #D row: left out (as Decide reports them empty)")
    idle = [k for k in actors if k not in powers]
    if idle:
        notes.add(f"actor{'s' if len(idle) > 1 else ''} {', '.join(repr(k) for k in idle)} "
                  f"{'have' if len(idle) > 1 else 'has'} no #D row: left out")
    capability = {a: Counter(ps).most_common(1)[0][0] for a, ps in powers.items()}
    for st in stances:
        if st["capability"] == capability[st["actor"]]:
            del st["capability"]
        st["actor"], st["issue"] = actors[st["actor"]]["id"], issues[st["issue"]]["id"]
    data = {
        "id": make_id(name) or "decide",
        "title": title,
        "models": ["exchange"],
        "issues": [{"id": v["id"], "name": v["name"], "scale_min": scales[k][0], "scale_max": scales[k][1],
                    "anchors": [{"value": x, "label": lab} for x, lab in sorted(points.get(k, {}).items())]}
                   for k, v in issues.items() if k in with_issue],
        "actors": [{"id": v["id"], "name": v["name"], "capability": capability[k]}
                   for k, v in actors.items() if k in powers],
        "stances": stances,
    }
    scenario = scenario_from_dict(data, file=file)
    if emit:
        notes.emit()
    return scenario
