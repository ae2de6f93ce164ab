"""KTAB's SMP CSV (lsyaseen/KTAB, ``examples/smp/data/*.csv``).

Line 1: ``scenario name, description, nActors, nDims,``; line 2: ``Actor,Description,<power>,`` then a
position and a salience column per dimension; then one line per actor. Positions are on 0–100 and saliences
on 0–100 with, per actor, Σ over dimensions ≤ 100 (KTAB's own check). Trailing empty cells are ignored.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..scenario import Scenario
from .ids import IdMaker, make_id
from .reading import Notes, decode, max_input_bytes, read_bytes
from .yaml_io import scenario_from_dict


def looks_like_ktab(head: list[str]) -> bool:
    lines = [ln for ln in head if ln.strip()]
    if len(lines) < 2:
        return False
    second = [c.strip().strip('"').lower() for c in lines[1].split(",")]
    return len(second) >= 5 and second[:2] == ["actor", "description"]


def _num(text: str, file: str, row: int, field: str, actor: str | None) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ScenarioError(f"'{text.strip()}' is not a number", file=file, row=row, actor=actor, field=field,
                            expected="a number") from None
    if not math.isfinite(value):
        raise ScenarioError(f"'{text.strip()}' is not finite", file=file, row=row, actor=actor, field=field)
    return value


def _whole(text: str, file: str, field: str) -> int:
    value = _num(text, file, 1, field, None)
    if value != int(value) or value < 1:
        raise ScenarioError(f"{field} '{text.strip()}' is not a whole number ≥ 1", file=file, row=1, field=field,
                            expected="a count such as 13")
    return int(value)


def read_ktab(path: str | Path) -> Scenario:
    p = Path(path)
    notes = Notes(str(p))
    text, _ = decode(read_bytes(p, max_input_bytes()), str(p), notes)
    scenario = parse_ktab(text, str(p), p.stem)
    notes.emit()
    return scenario


def parse_ktab(text: str, file: str, stem: str) -> Scenario:
    try:
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise ScenarioError(f"unreadable line: {exc}", file=file,
                            expected=f"cells of at most {csv.field_size_limit():,} characters") from None
    rows = [r for r in rows if any(r)]
    if len(rows) < 3:
        raise ScenarioError("too few lines", file=file, expected="a title line, a header line and actor lines")
    title_row, header = rows[0], [c for c in rows[1] if c]
    n_actors = _whole(title_row[2], file, "nActors") if len(title_row) > 2 and title_row[2] else len(rows) - 2
    n_dims = _whole(title_row[3], file, "nDims") if len(title_row) > 3 and title_row[3] else (len(header) - 3) // 2
    if len(header) < 3 + 2 * n_dims:
        raise ScenarioError(f"the header has {len(header)} columns", file=file, row=2,
                            expected=f"Actor, Description, power and {n_dims} position/salience pairs")
    dims = []
    dim_id, actor_id = IdMaker("issue", file), IdMaker("actor", file)
    for k in range(n_dims):
        name = header[3 + 2 * k]
        label = name.removesuffix(" Position").removesuffix("Position").strip() or f"dim{k + 1}"
        dims.append({"id": dim_id(label.lower(), 2), "name": label})
    body = rows[2:]
    if len(body) != n_actors:
        raise ScenarioError(f"the first line announces {n_actors} actors but {len(body)} actor lines follow",
                            file=file, row=1, field="nActors")
    actors: list[dict[str, Any]] = []
    stances: list[dict[str, Any]] = []
    for k, row in enumerate(body, start=3):
        if len(row) < 3 + 2 * n_dims or not row[0]:
            raise ScenarioError(f"the line has {len(row)} cells", file=file, row=k,
                                actor=row[0] if row else None, expected=f"{3 + 2 * n_dims} cells")
        aid = actor_id(row[0], k)
        power = _num(row[2], file, k, header[2], row[0])
        if power < 0:
            raise ScenarioError("negative power", file=file, row=k, actor=row[0], field=header[2],
                                expected="a number ≥ 0")
        actors.append({"id": aid, "name": row[1] or row[0], "capability": power})
        total = 0.0
        for d, dim in enumerate(dims):
            pos = _num(row[3 + 2 * d], file, k, header[3 + 2 * d], row[0])
            sal = _num(row[4 + 2 * d], file, k, header[4 + 2 * d], row[0])
            if not 0 <= pos <= 100:
                raise ScenarioError(f"position {pos} is off the scale", file=file, row=k, actor=row[0],
                                    issue=dim["id"], field=header[3 + 2 * d], expected="0..100")
            if not 0 <= sal <= 100:
                raise ScenarioError(f"salience {sal} is off the scale", file=file, row=k, actor=row[0],
                                    issue=dim["id"], field=header[4 + 2 * d], expected="0..100")
            total += sal
            stances.append({"actor": aid, "issue": dim["id"], "position": pos, "salience": sal})
        if total > 100 + 1e-9:
            raise ScenarioError(f"saliences add up to {total:g}", file=file, row=k, actor=row[0],
                                expected="a sum ≤ 100 across dimensions (KTAB's rule)")
    return scenario_from_dict({
        "id": make_id(title_row[0].lower()) or make_id(stem) or "ktab",
        "title": title_row[0] or stem,
        "description": title_row[1] if len(title_row) > 1 else None,
        "models": ["smp"],
        "issues": dims, "actors": actors, "stances": stances,
    }, file=file)
