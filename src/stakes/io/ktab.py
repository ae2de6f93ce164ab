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
from ..scenario import Scenario, slugify
from .yaml_io import scenario_from_dict


def looks_like_ktab(head: list[str]) -> bool:
    if len(head) < 2:
        return False
    second = [c.strip().lower() for c in head[1].split(",")]
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


def read_ktab(path: str | Path) -> Scenario:
    p = Path(path)
    file = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read: {exc}", file=file) from None
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    while rows and not any(rows[-1]):
        rows.pop()
    if len(rows) < 3:
        raise ScenarioError("too few lines", file=file, expected="a title line, a header line and actor lines")
    title_row, header = rows[0], [c for c in rows[1] if c]
    n_actors = int(_num(title_row[2], file, 1, "nActors", None)) if len(title_row) > 2 else len(rows) - 2
    n_dims = int(_num(title_row[3], file, 1, "nDims", None)) if len(title_row) > 3 else (len(header) - 3) // 2
    if len(header) < 3 + 2 * n_dims:
        raise ScenarioError(f"the header has {len(header)} columns", file=file, row=2,
                            expected=f"Actor, Description, power and {n_dims} position/salience pairs")
    dims = []
    for k in range(n_dims):
        name = header[3 + 2 * k]
        label = name.removesuffix(" Position").removesuffix("Position").strip() or f"dim{k + 1}"
        dims.append({"id": slugify(label.lower()), "name": label})
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
        aid = slugify(row[0])
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
        "id": slugify(title_row[0].lower()) if title_row and title_row[0] else slugify(p.stem),
        "title": title_row[0] or p.stem,
        "description": title_row[1] if len(title_row) > 1 else None,
        "models": ["smp"],
        "issues": dims, "actors": actors, "stances": stances,
    }, file=file)
