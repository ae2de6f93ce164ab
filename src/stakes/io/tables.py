"""Flat tables: tidy CSV/XLSX (one row per actor × issue) and Predictioneer-style tables.

Tidy layout — header ``actor,issue,position,salience,capability``; optional columns ``actor_name``,
``issue_name``, ``scale_min``, ``scale_max``, ``status_quo``, ``groups`` (separated by ``;``). Issues are on
0–100 unless ``scale_min``/``scale_max`` declare otherwise. When an actor's rows disagree on capability,
each stance keeps its own (issue-specific capability) and the actor gets the mean.

Predictioneer layout — ``Actor, Capability|Clout|Power|Influence|Resources, Position, Salience`` (any case),
one issue (named after the file) unless an ``Issue`` column is present.

Row numbers in errors are the file's line numbers (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ScenarioError
from ..scenario import Scenario, slugify
from .yaml_io import scenario_from_dict

CAPABILITY_NAMES = ("capability", "clout", "power", "influence", "resources")
TIDY_COLUMNS = ("actor", "issue", "position", "salience", "capability")


def read_table_csv(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read: {exc}", file=str(p)) from None
    dialect_delim = "\t" if p.suffix.lower() == ".tsv" else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=dialect_delim))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ScenarioError("the file is empty", file=str(p), expected="a header row and data rows")
    return scenario_from_rows(rows[0], rows[1:], file=str(p), title=p.stem)


def read_xlsx(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        frame = pd.read_excel(p, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except ImportError:
        raise ScenarioError("reading .xlsx needs the optional extra: pip install 'stakes[xlsx]'",
                            file=str(p)) from None
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise ScenarioError(f"not a readable .xlsx workbook: {exc}", file=str(p)) from None
    cells = [["" if _blank(v) else str(v) for v in row] for row in frame.itertuples(index=False)]
    cells = [r for r in cells if any(c.strip() for c in r)]
    if not cells:
        raise ScenarioError("the first sheet is empty", file=str(p))
    return scenario_from_rows(cells[0], cells[1:], file=str(p), title=p.stem)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def scenario_from_rows(header: list[str], rows: Iterable[list[str]], file: str, title: str) -> Scenario:
    names = [h.strip().lower() for h in header]
    if {"actor", "issue", "position", "salience"} <= set(names):
        return _from_tidy(names, rows, file, title)
    if "actor" in names and "position" in names and "salience" in names:
        return _from_predictioneer(names, rows, file, title)
    raise ScenarioError(
        f"unrecognised header {header}", file=file, row=1,
        expected="tidy 'actor,issue,position,salience,capability' or Predictioneer "
        "'Actor, Capability|Clout|Power|Influence|Resources, Position, Salience'",
    )


def _number(value: str, file: str, row: int, field: str, actor: str | None, issue: str | None) -> float:
    try:
        x = float(value.strip())
    except ValueError:
        raise ScenarioError(f"'{value}' is not a number", file=file, row=row, actor=actor, issue=issue,
                            field=field, expected="a number") from None
    if not math.isfinite(x):
        raise ScenarioError(f"'{value}' is not a finite number", file=file, row=row, actor=actor,
                            issue=issue, field=field, expected="a finite number")
    return x


def _cap_column(names: list[str], file: str) -> str:
    for name in CAPABILITY_NAMES:
        if name in names:
            return name
    raise ScenarioError("no capability column", file=file, row=1,
                        expected=f"one of {', '.join(CAPABILITY_NAMES)}")


def _cell(row: list[str], names: list[str], col: str) -> str:
    k = names.index(col)
    return row[k].strip() if k < len(row) else ""


def _from_tidy(names: list[str], rows: Iterable[list[str]], file: str, title: str) -> Scenario:
    cap_col = _cap_column(names, file)
    actors: dict[str, dict[str, Any]] = {}
    issues: dict[str, dict[str, Any]] = {}
    stances: list[dict[str, Any]] = []
    caps: dict[str, list[float]] = {}
    for k, row in enumerate(rows, start=2):
        actor = _cell(row, names, "actor")
        issue = _cell(row, names, "issue")
        if not actor:
            raise ScenarioError("empty actor", file=file, row=k, field="actor", expected="an actor id")
        if not issue:
            raise ScenarioError("empty issue", file=file, row=k, actor=actor, field="issue", expected="an issue id")
        aid, iid = slugify(actor), slugify(issue)
        pos = _number(_cell(row, names, "position"), file, k, "position", actor, issue)
        sal = _number(_cell(row, names, "salience"), file, k, "salience", actor, issue)
        cap = _number(_cell(row, names, cap_col), file, k, cap_col, actor, issue)
        if not 0 <= sal <= 100:
            raise ScenarioError(f"salience {sal} is out of range", file=file, row=k, actor=actor, issue=issue,
                                field="salience", expected="0..100")
        if cap < 0:
            raise ScenarioError(f"capability {cap} is negative", file=file, row=k, actor=actor,
                                field=cap_col, expected="a number ≥ 0")
        if iid not in issues:
            spec: dict[str, Any] = {"id": iid, "name": _cell(row, names, "issue_name") if "issue_name" in names
                                    and _cell(row, names, "issue_name") else issue}
            for opt in ("scale_min", "scale_max", "status_quo"):
                if opt in names and _cell(row, names, opt):
                    spec[opt] = _number(_cell(row, names, opt), file, k, opt, actor, issue)
            issues[iid] = spec
        lo, hi = issues[iid].get("scale_min", 0.0), issues[iid].get("scale_max", 100.0)
        if not lo <= pos <= hi:
            raise ScenarioError(f"position {pos} is outside the issue's scale", file=file, row=k, actor=actor,
                                issue=issue, field="position", expected=f"{lo:g}..{hi:g}")
        if aid not in actors:
            a: dict[str, Any] = {"id": aid, "name": _cell(row, names, "actor_name") if "actor_name" in names
                                 and _cell(row, names, "actor_name") else actor, "capability": cap}
            if "groups" in names and _cell(row, names, "groups"):
                a["groups"] = [g.strip() for g in _cell(row, names, "groups").split(";") if g.strip()]
            actors[aid] = a
        if any(s["actor"] == aid and s["issue"] == iid for s in stances):
            raise ScenarioError("a second row for the same actor and issue", file=file, row=k, actor=actor,
                                issue=issue, expected="one row per actor × issue")
        caps.setdefault(aid, []).append(cap)
        stances.append({"actor": aid, "issue": iid, "position": pos, "salience": sal, "capability": cap})
    if not stances:
        raise ScenarioError("no data rows", file=file, expected="one row per actor × issue")
    for s in stances:
        values = caps[s["actor"]]
        if len(set(values)) == 1:
            del s["capability"]
        else:
            actors[s["actor"]]["capability"] = sum(values) / len(values)
    return scenario_from_dict({"id": slugify(title), "title": title, "issues": list(issues.values()),
                               "actors": list(actors.values()), "stances": stances}, file=file)


def _from_predictioneer(names: list[str], rows: Iterable[list[str]], file: str, title: str) -> Scenario:
    cap_col = _cap_column(names, file)
    tidy_names = ["actor", "issue", "position", "salience", cap_col]
    tidy_rows = []
    for row in rows:
        issue = _cell(row, names, "issue") if "issue" in names else title
        tidy_rows.append([_cell(row, names, "actor"), issue or title, _cell(row, names, "position"),
                          _cell(row, names, "salience"), _cell(row, names, cap_col)])
    return _from_tidy(tidy_names, tidy_rows, file, title)


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
