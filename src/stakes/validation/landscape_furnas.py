"""Landscape theory replication: Furnas's Syria 2016 run (11 actors, 1,024 configurations).

Data: github alexanderfurnas/Landscape_Theory (R, 2016), reference data only; see the case README in
``tests/data/validation/``. Convention that reproduces the published ``Energy`` column exactly:
``E = Σ_{i≠j} s_i s_j p_ij d_ij`` over ordered pairs, sizes from ``Actor_data.csv``, propensities
``p = code − 3`` (codes 1–5 → −2…2) from ``Pairwise_propensity_Feb_20.csv`` (the strength row and US
propensity row printed in the results file's header are stale and are not used). The file's per-actor
``*_Frustration`` columns are ``s_i · F_i`` (each actor's share of E), which is what we compare them with.

Rows (``model="landscape"``, ``kind="replication"``), rather than one row per configuration:

* ``energy max abs error (N configurations)``: max |E − Energy| over every configuration in the file;
* ``frustration max abs error``: max |s_i F_i − column| over every configuration and actor;
* ``local minima (count)``: how many local minima we find versus how many the file flags;
* ``global minimum energy``: ours versus the file's lowest Energy;
* one row per local minimum (ours or flagged in the file): our energy there versus the file's.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..alignment.energy import energy, frustration
from ..alignment.exact import exact_landscape
from ..alignment.propensity import Landscape, read_propensity_matrix
from ..errors import ScenarioError
from .cases import CaseHandler, ValidationRow, register_case

CASE = "landscape-furnas-syria"
ACTORS = "Actor_data.csv"
PROPENSITY = "Pairwise_propensity_Feb_20.csv"
RESULTS = "Landscape_Results_2016-02-20.csv"
CODE_OFFSET = -3.0
MODEL = "landscape"


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [r for r in csv.reader(fh) if any(c.strip() for c in r)]


def furnas_landscape(folder: Path) -> tuple[Landscape, list[str]]:
    """The landscape (ids = the matrix's short names) and the long actor names, in the files' order."""
    actors = _rows(folder / ACTORS)
    if actors[0][:3] != ["id", "actor", "strength"]:
        raise ScenarioError("expected the columns id, actor, strength", file=str(folder / ACTORS), row=1)
    names = [r[1] for r in actors[1:]]
    sizes = np.array([float(r[2]) for r in actors[1:]])
    header = _rows(folder / PROPENSITY)[0]
    short = [c.strip() for c in header[1:]]
    if len(short) != len(names):
        raise ScenarioError(f"{len(short)} actors in the matrix but {len(names)} in {ACTORS}",
                            file=str(folder / PROPENSITY), row=1)
    pairs = read_propensity_matrix(folder / PROPENSITY, offset=CODE_OFFSET)
    n = len(short)
    p = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                p[i, j] = pairs[frozenset((short[i], short[j]))]
    return Landscape(tuple(short), sizes, p), names


def furnas_results(folder: Path, ids: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Configurations (sides 0/1, actor 0 on side 0), labels, Energy, frustration columns, Local Min flags."""
    rows = _rows(folder / RESULTS)
    try:
        start = next(k for k, r in enumerate(rows) if "Energy" in r and "Local Min" in r)
    except StopIteration:
        raise ScenarioError("no header row with 'Energy' and 'Local Min'", file=str(folder / RESULTS)) from None
    head = rows[start]
    body = [r for r in rows[start + 1:] if r[0].strip()]
    col = {name: k for k, name in enumerate(head)}
    missing = [a for a in ids if a not in col]
    if missing:
        raise ScenarioError(f"actor columns missing: {', '.join(missing)}", file=str(folder / RESULTS),
                            row=start + 1)
    codes = np.array([[int(r[col[a]]) for a in ids] for r in body])
    sides = (codes != codes[:, :1]).astype(np.int8)  # canonical: the first actor's side is side 0
    return {
        "label": np.array([r[0] for r in body]),
        "sides": sides,
        "energy": np.array([float(r[col["Energy"]]) for r in body]),
        "frustration": np.array([[float(r[col[f"{a}_Frustration"]]) for a in ids] for r in body]),
        "local_min": np.array([r[col["Local Min"]].strip().upper() == "TRUE" for r in body]),
    }


def _coalitions(ids: tuple[str, ...], sides: np.ndarray) -> str:
    return " | ".join(",".join(a for a, s in zip(ids, sides, strict=True) if s == k) for k in (0, 1))


def run(folder: Path) -> list[ValidationRow]:
    land, _ = furnas_landscape(folder)
    ref = furnas_results(folder, land.actor_ids)
    w = land.weights
    ours = energy(ref["sides"], w)
    contrib = land.sizes * frustration(ref["sides"], land.sizes, land.propensity)
    exact = exact_landscape(w)
    n_conf = len(ref["energy"])
    rows = [
        ValidationRow(CASE, f"energy max abs error ({n_conf} configurations)", None, MODEL,
                      float(np.abs(ours - ref["energy"]).max()), 0.0, "replication"),
        ValidationRow(CASE, "frustration max abs error", None, MODEL,
                      float(np.abs(contrib - ref["frustration"]).max()), 0.0, "replication"),
        ValidationRow(CASE, "local minima (count)", None, MODEL, float(len(exact.minima)),
                      float(ref["local_min"].sum()), "replication"),
        ValidationRow(CASE, "global minimum energy", None, MODEL, exact.best.energy,
                      float(ref["energy"].min()), "replication"),
    ]
    index = {m.sides.tobytes(): m for m in exact.minima}
    flagged = {ref["sides"][k].tobytes(): k for k in np.flatnonzero(ref["local_min"])}
    for key in sorted(set(index) | set(flagged)):
        k = flagged.get(key)
        if k is None:
            hit = np.flatnonzero([s.tobytes() == key for s in ref["sides"]])
            k = int(hit[0]) if hit.size else None
        sides = np.frombuffer(key, dtype=np.int8)
        label = f"local minimum {ref['label'][k] if k is not None else '?'} ({_coalitions(land.actor_ids, sides)})"
        value = index[key].energy if key in index else float(energy(sides, w))
        reference = float(ref["energy"][k]) if k is not None else float("nan")
        rows.append(ValidationRow(CASE, label, None, MODEL, value, reference, "replication"))
    return rows


def _detect(folder: Path) -> bool:
    return all((folder / f).is_file() for f in (ACTORS, PROPENSITY, RESULTS))


register_case(CaseHandler(CASE, _detect, run))
