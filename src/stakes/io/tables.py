"""Flat tables: tidy CSV/XLSX (one row per actor × issue) and Predictioneer-style tables.

Tidy layout — header ``actor,issue,position,salience,capability``; optional columns ``actor_name``,
``issue_name``, ``scale_min``, ``scale_max``, ``status_quo``, ``groups`` (separated by ``;``). Issues are on
0–100 unless ``scale_min``/``scale_max`` declare otherwise (a second, different declaration for one issue is an
error). When an actor's rows disagree on capability, each stance keeps its own (issue-specific capability)
and the actor gets the mean. Without an ``issue`` column the table is one issue named after the file
(Predictioneer's layout). Column names have synonyms (:mod:`.headers`).

Saliences all within 0–1 with some strictly between are read as fractions and multiplied by 100 (with a
warning); saliences that are all exactly 0 or 1 are kept on 0–100, with a warning too.

Row numbers in errors are the file's line numbers (the header is row 1). Reading is linear in the rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ScenarioError
from ..scenario import Scenario
from .headers import expected_header, header_problem, map_columns
from .ids import IdMaker, make_id
from .reading import Dialect, Notes, parse_number, split_rows, uses_decimal_comma
from .yaml_io import scenario_from_dict

TIDY_COLUMNS = ("actor", "issue", "position", "salience", "capability")
SCALE_FIELDS = ("scale_min", "scale_max", "status_quo")
Row = tuple[int, Sequence[str]]


def table_from_text(text: str, dialect: Dialect, file: str, title: str, notes: Notes) -> Scenario:
    rows = split_rows(text, dialect, file)
    if not rows:
        raise ScenarioError("the file is empty", file=file, expected="a header row and data rows")
    return scenario_from_rows(rows[0][1], rows[1:], file=file, title=title, notes=notes,
                              detected=dialect.describe())


def read_xlsx(path: str | Path, notes: Notes | None = None) -> Scenario:
    """The first sheet of a workbook (read-only, row by row) in the tidy or Predictioneer layout; without
    ``notes``, warnings are issued as :class:`~stakes.io.reading.ScenarioWarning`."""
    p = Path(path)
    if notes is None:
        own = Notes(str(p))
        scenario = read_xlsx(p, own)
        own.emit()
        return scenario
    try:
        import openpyxl
    except ImportError:
        raise ScenarioError("reading .xlsx needs the optional extra: pip install 'stakes[xlsx]'",
                            file=str(p)) from None
    rows: list[Row] = []
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        try:
            sheet = wb.worksheets[0]
            for k, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = ["" if v is None else _cell_text(v) for v in values]
                if any(cells):
                    rows.append((k, cells))
        finally:
            wb.close()
    except ScenarioError:
        raise
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise ScenarioError(f"not a readable .xlsx workbook: {exc}", file=str(p)) from None
    if not rows:
        raise ScenarioError("the first sheet is empty", file=str(p))
    return scenario_from_rows(rows[0][1], rows[1:], file=str(p), title=p.stem, notes=notes,
                              detected="read as an .xlsx sheet")


def _cell_text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value).strip()


class _Table:
    """One pass over the rows: ids, numbers and checks that need only the rows seen so far."""

    def __init__(self, cols: dict[str, int], file: str, title: str, decimal_comma: bool) -> None:
        self.cols, self.file, self.title, self.decimal_comma = cols, file, title, decimal_comma
        self.actor_id, self.issue_id = IdMaker("actor", file), IdMaker("issue", file)
        self.actors: dict[str, dict[str, Any]] = {}
        self.issues: dict[str, dict[str, Any]] = {}
        self.declared: dict[tuple[str, str], tuple[float, int]] = {}
        self.stances: list[dict[str, Any]] = []
        self.rows: list[int] = []
        self.seen: dict[tuple[str, str], int] = {}
        self.caps: dict[str, list[float]] = {}

    def cell(self, cells: Sequence[str], fld: str) -> str:
        k = self.cols.get(fld)
        return cells[k].strip() if k is not None and k < len(cells) else ""

    def number(self, cells: Sequence[str], fld: str, row: int, actor: str, issue: str) -> float:
        text = self.cell(cells, fld)
        try:
            x = parse_number(text, self.decimal_comma)
        except ValueError:
            raise ScenarioError(f"'{text[:40]}' is not a number", file=self.file, row=row, actor=actor,
                                issue=issue, field=fld, expected="a number") from None
        if not math.isfinite(x):
            raise ScenarioError(f"'{text}' is not a finite number", file=self.file, row=row, actor=actor,
                                issue=issue, field=fld, expected="a finite number")
        return x

    def add(self, row: int, cells: Sequence[str]) -> None:
        actor = self.cell(cells, "actor")
        issue = self.cell(cells, "issue") if "issue" in self.cols else self.title
        if not actor:
            raise ScenarioError("empty actor", file=self.file, row=row, field="actor", expected="an actor name")
        if not issue:
            raise ScenarioError("empty issue", file=self.file, row=row, actor=actor, field="issue",
                                expected="an issue name")
        aid, iid = self.actor_id(actor, row), self.issue_id(issue, row)
        pos = self.number(cells, "position", row, actor, issue)
        sal = self.number(cells, "salience", row, actor, issue)
        cap = self.number(cells, "capability", row, actor, issue)
        if not 0 <= sal <= 100:
            raise ScenarioError(f"salience {sal:g} is out of range", file=self.file, row=row, actor=actor,
                                issue=issue, field="salience", expected="0..100 (or 0..1 in every row)")
        if cap < 0:
            raise ScenarioError(f"capability {cap:g} is negative", file=self.file, row=row, actor=actor,
                                field="capability", expected="a number ≥ 0")
        if (aid, iid) in self.seen:
            raise ScenarioError(f"a second row for the same actor and issue (first on row {self.seen[aid, iid]})",
                                file=self.file, row=row, actor=actor, issue=issue,
                                expected="one row per actor × issue")
        self.seen[aid, iid] = row
        if iid not in self.issues:
            self.issues[iid] = {"id": iid, "name": self.cell(cells, "issue_name") or issue}
        for fld in SCALE_FIELDS:
            if self.cell(cells, fld):
                self.declare(iid, fld, self.number(cells, fld, row, actor, issue), row, issue)
        if aid not in self.actors:
            a: dict[str, Any] = {"id": aid, "name": self.cell(cells, "actor_name") or actor, "capability": cap}
            groups = [g.strip() for g in self.cell(cells, "groups").split(";") if g.strip()]
            if groups:
                a["groups"] = groups
            self.actors[aid] = a
        self.caps.setdefault(aid, []).append(cap)
        self.stances.append({"actor": aid, "issue": iid, "position": pos, "salience": sal, "capability": cap})
        self.rows.append(row)

    def declare(self, iid: str, fld: str, value: float, row: int, issue: str) -> None:
        first = self.declared.get((iid, fld))
        if first is None:
            self.declared[iid, fld] = (value, row)
            self.issues[iid][fld] = value
        elif first[0] != value:
            raise ScenarioError(f"a second {fld} for the issue: {value:g} here, {first[0]:g} on row {first[1]}",
                                file=self.file, row=row, issue=issue, field=fld,
                                expected=f"one {fld} per issue (or the cell left empty)")


def scenario_from_rows(header: Sequence[str], rows: Sequence[Row], file: str, title: str, notes: Notes,
                       detected: str = "") -> Scenario:
    """A scenario from a table's header and ``(row number, cells)`` rows."""
    header = [h.strip() for h in header]
    cols, ignored = map_columns(header)
    if any(f not in cols for f in ("actor", "position", "salience", "capability")):
        raise ScenarioError(header_problem(header, cols, detected or "read"), file=file, row=1,
                            expected=expected_header())
    if ignored:
        notes.add(f"columns ignored: {', '.join(ignored[:10])}{' ...' if len(ignored) > 10 else ''}")
    table = _Table(cols, file, title, uses_decimal_comma(list(rows)))
    for row, cells in rows:
        table.add(row, cells)
    if not table.stances:
        raise ScenarioError("no data rows", file=file, expected="one row per actor × issue")
    _fraction_saliences(table, notes)
    _check_positions(table)
    for s in table.stances:
        values = table.caps[s["actor"]]
        if min(values) == max(values):
            del s["capability"]
        else:
            table.actors[s["actor"]]["capability"] = sum(values) / len(values)
    return scenario_from_dict({"id": make_id(title) or "scenario", "title": title,
                               "issues": list(table.issues.values()), "actors": list(table.actors.values()),
                               "stances": table.stances}, file=file)


def _fraction_saliences(table: _Table, notes: Notes) -> None:
    values = [s["salience"] for s in table.stances]
    if max(values) > 1:
        return
    if any(0 < v < 1 for v in values):
        for s in table.stances:
            s["salience"] *= 100.0
        notes.add("every salience lies within 0..1: read as fractions and multiplied by 100 (stakes uses 0..100); "
                  "write them on 0..100 to silence this")
    elif max(values) == 1:
        notes.add("every salience is 0 or 1: read on stakes' 0..100 scale (1 = almost indifferent); "
                  "if they are fractions, write 0 and 100")


def _check_positions(table: _Table) -> None:
    for s, row in zip(table.stances, table.rows, strict=True):
        issue = table.issues[s["issue"]]
        lo, hi = issue.get("scale_min", 0.0), issue.get("scale_max", 100.0)
        if not lo <= s["position"] <= hi:
            raise ScenarioError(f"position {s['position']:g} is outside the issue's scale", file=table.file,
                                row=row, actor=s["actor"], issue=s["issue"], field="position",
                                expected=f"{lo:g}..{hi:g}" + ("" if "scale_min" in issue or "scale_max" in issue
                                                               else " (or declare scale_min/scale_max)"))


def to_tidy_frame(scenario: Scenario) -> pd.DataFrame:
    """The scenario's stances as the tidy table (positions on each issue's scale, salience 0–100)."""
    caps = {a.id: a.capability for a in scenario.actors}
    records = [
        {"actor": s.actor, "issue": s.issue, "position": s.position, "salience": s.salience,
         "capability": caps[s.actor] if s.capability is None else s.capability}
        for s in scenario.stances
    ]
    frame = pd.DataFrame.from_records(records, columns=list(TIDY_COLUMNS))
    scales = {i.id: (i.scale_min, i.scale_max) for i in scenario.issues}
    if any(v != (0.0, 100.0) for v in scales.values()):
        frame["scale_min"] = frame["issue"].map(lambda i: scales[i][0])
        frame["scale_max"] = frame["issue"].map(lambda i: scales[i][1])
    return frame


def write_xlsx(scenario: Scenario, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.tmp.xlsx")
    try:
        to_tidy_frame(scenario).to_excel(tmp, index=False, engine="openpyxl")
        tmp.replace(path)
    except ImportError:
        tmp.unlink(missing_ok=True)
        raise ScenarioError("writing .xlsx needs the optional extra: pip install 'stakes[xlsx]'",
                            file=str(path)) from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ScenarioError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
