"""Realised outcomes to grade the ledger against: a CSV file or a scenario's ``outcomes:``.

CSV header (any order, extra columns ignored): ``scenario,variant,issue,value,date,source``. An empty
``variant`` means the baseline (the world as the scenario describes it). ``date`` is when the outcome was
known (ISO ``YYYY-MM-DD``); ``value`` is on the issue's own scale. Every problem is reported with the file,
the row (the file's line number, header = 1) and the field, before anything is graded.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..scenario import Scenario
from ..variants import BASELINE

COLUMNS = ("scenario", "variant", "issue", "value", "date", "source")


@dataclass(frozen=True)
class Outcome:
    scenario: str
    variant: str
    issue: str
    value: float
    date: dt.date
    source: str
    file: str
    row: int | str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.scenario, self.variant, self.issue


def looks_like_outcomes_csv(path: Path) -> bool:
    """A CSV whose header names ``value``, ``date`` or ``source`` (scenario tables name none of them), so an
    outcomes file missing a column is still read as one and the missing column reported."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError):
        return False
    names = {h.strip().lower() for h in header}
    return bool({"value", "date", "source"} & names)


def read_outcomes_csv(path: Path) -> list[Outcome]:
    file = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise ScenarioError(f"cannot read the outcomes file: {exc.strerror or exc}", file=file) from None
    except UnicodeDecodeError:
        raise ScenarioError("the outcomes file is not UTF-8 text", file=file) from None
    if not rows:
        raise ScenarioError("the outcomes file is empty", file=file, expected=f"a header {','.join(COLUMNS)}")
    header = [h.strip().lower() for h in rows[0]]
    for name in COLUMNS:
        if name not in header:
            raise ScenarioError(f"column '{name}' is missing", file=file, row=1, field=name,
                                expected=f"a header with {','.join(COLUMNS)}")
    col = {name: header.index(name) for name in COLUMNS}
    out = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        get = {name: (cells[k].strip() if k < len(cells) else "") for name, k in col.items()}
        out.append(_outcome(get, file, line))
    if not out:
        raise ScenarioError("the outcomes file has no rows", file=file, expected="one row per realised outcome")
    return out


def _outcome(cells: Mapping[str, Any], file: str, row: int | str) -> Outcome:
    for name in ("scenario", "issue", "value"):
        if cells.get(name) in (None, ""):
            raise ScenarioError("value is empty", file=file, row=row, field=name)
    if cells.get("date") in (None, ""):
        raise ScenarioError("no date: grading needs the day the outcome was known (to refuse outcomes known "
                            "before the scenario was written)", file=file, row=row, field="date",
                            expected="YYYY-MM-DD")
    try:
        value = float(cells["value"])
    except (TypeError, ValueError):
        raise ScenarioError(f"'{cells['value']}' is not a number", file=file, row=row, field="value") from None
    if not math.isfinite(value):
        raise ScenarioError(f"'{cells['value']}' is not a finite number", file=file, row=row, field="value")
    return Outcome(scenario=str(cells["scenario"]), variant=str(cells.get("variant") or BASELINE),
                   issue=str(cells["issue"]), value=value, date=_date(cells["date"], file, row),
                   source=str(cells.get("source") or ""), file=file, row=row)


def _date(value: Any, file: str, row: int | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"'{value}' is not a date", file=file, row=row, field="date",
                            expected="YYYY-MM-DD") from None


def scenario_outcomes(scenario: Scenario, file: str) -> list[Outcome]:
    """A scenario's own ``outcomes:`` (``Outcome(issue, value, date, source, variant=None)`` records)."""
    declared = list(getattr(scenario, "outcomes", ()) or ())
    if not declared:
        raise ScenarioError("the scenario declares no outcomes", file=file, field="outcomes",
                            expected="an 'outcomes:' list, or a CSV with columns " + ",".join(COLUMNS))
    out = []
    for k, o in enumerate(declared):
        cells = {"scenario": scenario.id, "variant": getattr(o, "variant", None), "issue": getattr(o, "issue", None),
                 "value": getattr(o, "value", None), "date": getattr(o, "date", None),
                 "source": getattr(o, "source", None)}
        out.append(_outcome(cells, file, f"outcomes[{k}]"))
    return out


def check_outcomes(outcomes: Sequence[Outcome], known: Mapping[str, Iterable[Scenario]]) -> None:
    """Refuse outcomes the ledger cannot place: unknown scenario, variant or issue, a value off the issue's
    scale (in any recorded version of the scenario), or a second outcome for the same question."""
    seen: dict[tuple[str, str, str], int | str] = {}
    for o in outcomes:
        versions = list(known.get(o.scenario, ()))
        if not versions:
            names = ", ".join(sorted(known)) or "none recorded yet"
            raise ScenarioError(f"no entry of the ledger is about scenario '{o.scenario}'", file=o.file,
                                row=o.row, field="scenario", expected=f"one of: {names}")
        variants = {BASELINE} | {v.id for sc in versions for v in sc.variants}
        if o.variant not in variants:
            raise ScenarioError(f"scenario '{o.scenario}' has no variant '{o.variant}'", file=o.file, row=o.row,
                                field="variant", expected="empty (the baseline) or one of: "
                                + ", ".join(sorted(variants)))
        issues = [i for sc in versions for i in sc.issues if i.id == o.issue]
        if not issues:
            names = sorted({i.id for sc in versions for i in sc.issues})
            raise ScenarioError(f"scenario '{o.scenario}' has no issue '{o.issue}'", file=o.file, row=o.row,
                                field="issue", expected="one of: " + ", ".join(names))
        for issue in issues:
            if not issue.scale_min <= o.value <= issue.scale_max:
                raise ScenarioError(f"{o.value:g} lies outside the scale of issue '{o.issue}'", file=o.file,
                                    row=o.row, issue=o.issue, field="value",
                                    expected=f"{issue.scale_min:g}..{issue.scale_max:g}")
        if o.key in seen:
            raise ScenarioError(f"a second outcome for scenario '{o.scenario}', variant '{o.variant}', issue "
                                f"'{o.issue}' (the first is at row {seen[o.key]})", file=o.file, row=o.row,
                                field="issue", expected="one outcome per scenario × variant × issue")
        seen[o.key] = o.row
