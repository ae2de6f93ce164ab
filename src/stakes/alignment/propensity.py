"""Landscape inputs from a scenario: actor sizes and the pairwise propensity matrix.

Sizes: ``Actor.size`` if given, else the actor's capability. A variant that changes the capability of an
actor with an explicit size scales that size by the same factor (new capability / baseline capability).

Propensities (``Scenario.alignment.propensity``):

* ``explicit`` — the scenario's ``affinities`` (symmetric pairs, any real value; positive pulls the pair
  together); a pair not given is 0, plus ``group_bonus`` per shared group;
* ``derived`` — from the bargaining data: for actors i and j and every issue d on which both have a
  stance, closeness ``c = 1 − 2|x_i − x_j| / span_d`` (+1 same position, −1 opposite ends of the scale),
  weighted by ``√(sal_i · sal_j)`` (saliences on [0, 1]), averaged over those issues:
  ``p_ij = Σ_d √(sal_i sal_j) c_d / #shared issues`` ∈ [−1, 1] (0 with no shared issue); plus
  ``group_bonus`` for every group (``Actor.groups``) the two share. Explicit affinities are ignored;
* ``explicit+derived`` (default) — derived, except that an explicitly given pair takes its explicit value
  as is (the analyst's number already includes alliance membership, so no group bonus is added to it).

A propensity matrix file (:func:`read_propensity_matrix`) adds explicit pairs that override the scenario's.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..arrays import compile_scenario
from ..errors import ScenarioError
from ..scenario import Scenario
from .energy import weight_matrix

MODES = ("explicit", "derived", "explicit+derived")
Pairs = dict[frozenset[str], float]


@dataclass(frozen=True)
class Landscape:
    """Validated inputs of landscape theory: ids, sizes ``(n,)`` > 0, symmetric propensity ``(n, n)``."""

    actor_ids: tuple[str, ...]
    sizes: np.ndarray
    propensity: np.ndarray

    def __post_init__(self) -> None:
        check_landscape(self.actor_ids, self.sizes, self.propensity)

    @property
    def n(self) -> int:
        return len(self.actor_ids)

    @property
    def weights(self) -> np.ndarray:
        return weight_matrix(self.sizes, self.propensity)


def check_landscape(ids: tuple[str, ...], sizes: np.ndarray, p: np.ndarray, file: str | None = None) -> None:
    """Raise :class:`ScenarioError` for a size ≤ 0 or not finite, a NaN propensity, a non-symmetric pair."""
    n = len(ids)
    if sizes.shape != (n,) or p.shape != (n, n):
        raise ScenarioError(f"{n} actors need {n} sizes and an {n}×{n} propensity matrix, got "
                            f"{sizes.shape} and {p.shape}", file=file)
    for i, a in enumerate(ids):
        if not math.isfinite(sizes[i]) or sizes[i] <= 0:
            raise ScenarioError(f"landscape size {sizes[i]} is not a positive number", file=file, actor=a,
                                field="size", expected="a size > 0 (set 'size' or a capability > 0)")
    off = ~np.eye(n, dtype=bool)
    bad = np.argwhere(~np.isfinite(p) & off)
    if bad.size:
        i, j = bad[0]
        raise ScenarioError(f"propensity of pair '{ids[i]}'–'{ids[j]}' is {p[i, j]}", file=file,
                            field="propensity", expected="a finite number")
    asym = np.argwhere(np.triu(~np.isclose(p, p.T, rtol=1e-12, atol=1e-12), 1))
    if asym.size:
        i, j = asym[0]
        raise ScenarioError(f"propensity matrix is not symmetric: '{ids[i]}'→'{ids[j]}' is {p[i, j]:g} but "
                            f"'{ids[j]}'→'{ids[i]}' is {p[j, i]:g}", file=file, field="propensity",
                            expected="p_ij = p_ji")


def landscape_sizes(scenario: Scenario, baseline: Scenario | None = None) -> np.ndarray:
    """Sizes of the scenario's actors (see the module docstring for variants)."""
    base = {a.id: a for a in (baseline or scenario).actors}
    out = []
    for a in scenario.actors:
        if a.size is None:
            out.append(a.capability)
            continue
        ref = base.get(a.id)
        factor = a.capability / ref.capability if ref is not None and ref.capability > 0 else 1.0
        out.append(a.size * factor)
    return np.asarray(out, dtype=float)


def derived_propensity(scenario: Scenario) -> np.ndarray:
    """Salience-weighted closeness of positions on shared issues, ``(n, n)`` in [−1, 1], zero diagonal."""
    arr = compile_scenario(scenario)
    x = arr.position[0]
    sal = arr.salience[0] * arr.mask
    span = arr.span
    both = arr.mask[:, None, :] & arr.mask[None, :, :]  # (n, n, d)
    close = 1.0 - 2.0 * np.abs(x[:, None, :] - x[None, :, :]) / span
    weight = np.sqrt(sal[:, None, :] * sal[None, :, :])
    count = both.sum(axis=2)
    total = np.where(both, weight * close, 0.0).sum(axis=2)
    p = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    np.fill_diagonal(p, 0.0)
    return p


def shared_groups(scenario: Scenario) -> np.ndarray:
    groups = [set(a.groups) for a in scenario.actors]
    n = len(groups)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = len(groups[i] & groups[j])
    return out


def explicit_pairs(scenario: Scenario) -> Pairs:
    return {frozenset((f.a, f.b)): float(f.value) for f in scenario.affinities}


def propensity_matrix(scenario: Scenario, mode: str | None = None, extra: Pairs | None = None) -> np.ndarray:
    """The propensity matrix the scenario's alignment settings (or ``mode``) ask for."""
    mode = mode or scenario.alignment.propensity
    if mode not in MODES:
        raise ScenarioError(f"unknown propensity mode '{mode}'", field="alignment.propensity",
                            expected=" | ".join(MODES))
    ids = scenario.actor_ids
    pos = {a: i for i, a in enumerate(ids)}
    p = derived_propensity(scenario) if mode != "explicit" else np.zeros((len(ids), len(ids)))
    p = p + scenario.alignment.group_bonus * shared_groups(scenario)
    pairs: Pairs = explicit_pairs(scenario) if mode != "derived" else {}
    pairs.update(extra or {})
    for key, value in pairs.items():
        a, b = sorted(key)
        if a in pos and b in pos:  # pairs of removed actors drop out with them
            p[pos[a], pos[b]] = p[pos[b], pos[a]] = value
    np.fill_diagonal(p, 0.0)
    return p


def landscape_from_scenario(scenario: Scenario, baseline: Scenario | None = None, mode: str | None = None,
                            extra: Pairs | None = None) -> Landscape:
    """Sizes and propensities of ``scenario`` (already a variant, if any; ``baseline`` for size scaling)."""
    ids = tuple(scenario.actor_ids)
    if not ids:
        raise ScenarioError("no actors left to align", field="actors")
    p = propensity_matrix(scenario, mode, extra)
    if len(ids) > 1 and not np.any(p):
        raise ScenarioError("every propensity is zero, so every configuration has the same energy: give "
                            "'affinities', or use alignment.propensity 'derived' or a group_bonus",
                            field="alignment.propensity")
    return Landscape(ids, landscape_sizes(scenario, baseline), p)


def read_propensity_matrix(path: str | Path, actor_ids: list[str] | None = None, offset: float = 0.0) -> Pairs:
    """Pairs from a square CSV matrix (header row and first column: actor ids; diagonal may be blank).

    ``offset`` is added to every value (e.g. −3 maps Furnas's 1–5 codes to −2…2). With ``actor_ids``, every
    name must be one of them.
    """
    file = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    except OSError as exc:
        raise ScenarioError(f"cannot read the propensity matrix: {exc.strerror}", file=file) from None
    if not rows:
        raise ScenarioError("the propensity matrix is empty", file=file)
    names = [c.strip() for c in rows[0][1:]]
    body = rows[1:]
    if [r[0].strip() for r in body] != names:
        raise ScenarioError("the first column must name the same actors, in the same order, as the header row",
                            file=file, row=1, expected=", ".join(names))
    for name in names:
        if actor_ids is not None and name not in actor_ids:
            raise ScenarioError(f"propensity given for unknown actor '{name}'", file=file, actor=name,
                                expected="one of " + ", ".join(actor_ids))
    n = len(names)
    p = np.zeros((n, n))
    for i, row in enumerate(body):
        cells = [c.strip() for c in row[1:]] + [""] * (n + 1 - len(row))
        for j in range(n):
            if i == j:
                continue
            try:
                p[i, j] = float(cells[j]) + offset
            except ValueError:
                raise ScenarioError(f"propensity '{cells[j]}' of pair '{names[i]}'–'{names[j]}' is not a number",
                                    file=file, row=i + 2, field=names[j], expected="a number") from None
    check_landscape(tuple(names), np.ones(n), p, file=file)
    return {frozenset((names[i], names[j])): float(p[i, j]) for i in range(n) for j in range(i + 1, n)}
