"""Institutional capabilities of the DEU actors (Commission ``com``, Parliament ``ep``, member states).

A *scheme* turns the rules in force on a date — Council voting rule and legislative procedure — into one
capability per actor. Member states not in the Union on that date get 0. Schemes:

- ``equal``: every actor 1 (the plain salience-weighted mean, the DEU benchmark's "compromise model").
- ``votes``: the states' Council votes in force (Lisbon: population share in percent; unanimity: 1 each);
  Commission and Parliament 0.
- ``ssi`` / ``banzhaf``: the states' Shapley–Shubik / normalized Penrose–Banzhaf index in the Council rule
  alone; Commission and Parliament 0.
- ``procedure-ssi`` / ``procedure-banzhaf``: the index in a *procedure game* with the Commission and the
  Parliament as players, our encoding of the treaty rules —
  consultation (TEC 250(1) / TFEU 293(1): the Council amends a Commission proposal only unanimously):
  a coalition wins iff it holds the Commission and a Council majority, or the whole Council; Parliament is
  a dummy (it gives an opinion). Co-decision (TEC 251 / TFEU 294): a law needs Parliament and a Council
  majority; the Commission is a dummy because the conciliation route adopts a text without it.
- ``colegislator-ssi``: the states' Council SSI scaled to one half and the Parliament one half under
  co-decision (two equal co-legislators, the reading of Napel & Widgrén 2006, "The inter-institutional
  distribution of power in EU codecision", Social Choice and Welfare 27: 129–154); under consultation the
  Council holds everything. Commission 0.

Unanimity is the Council rule whenever the data say ``Unan``: every member an equal veto (SSI 1/n).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np

from ..errors import OptionError
from .eu import EU28, CouncilRule, council_rule
from .procedure import composite_indices

INSTITUTIONS = ("com", "ep")
PROCEDURES = {"COD": "co-decision", "CNS": "consultation"}


@dataclass(frozen=True)
class Scheme:
    name: str
    description: str


SCHEMES = {s.name: s for s in (
    Scheme("equal", "every actor 1"),
    Scheme("votes", "Council votes in force (Lisbon: population %, unanimity: 1 each); Commission, EP 0"),
    Scheme("ssi", "Shapley–Shubik index in the Council rule in force; Commission, EP 0"),
    Scheme("banzhaf", "normalized Penrose–Banzhaf index in the Council rule in force; Commission, EP 0"),
    Scheme("procedure-ssi", "Shapley–Shubik index in the treaty procedure game with Commission and EP as "
                            "players (consultation: Commission + QMV or unanimity; co-decision: EP + Council)"),
    Scheme("procedure-banzhaf", "normalized Penrose–Banzhaf index in the same procedure game"),
    Scheme("colegislator-ssi", "co-decision: EP 1/2 and the Council 1/2 shared by SSI (Napel & Widgrén "
                               "2006); consultation: Council SSI only; Commission 0"),
)}


def _procedure(procedure: str) -> str:
    key = str(procedure).strip().upper()
    if key not in PROCEDURES:
        raise OptionError(f"procedure: expected one of {', '.join(PROCEDURES)} (co-decision, consultation), "
                          f"got {procedure!r}")
    return key


def procedure_indices(rule: CouncilRule, procedure: str, index: str = "ssi") -> dict[str, float]:
    """Index of Commission, Parliament and every member in the procedure game (see module docstring)."""
    procedure = _procedure(procedure)
    game = rule.compiled_game
    n = game.n
    council = np.asarray(game.thresholds)
    never = sum(game.weights) + 1
    whole_council = np.array([never] * n + [0])  # unanimity: only the coalition of all n members
    nobody = np.full(n + 1, never)

    def thresholds(present: frozenset[str]) -> np.ndarray:
        if procedure == "CNS":
            return council if "com" in present else whole_council
        return council if "ep" in present else nobody

    def exceptions(present: frozenset[str]) -> frozenset[frozenset[int]]:
        decisive = "com" if procedure == "CNS" else "ep"
        return game.exceptions if decisive in present else frozenset()

    ssi, swings = composite_indices(game.weights, INSTITUTIONS, thresholds, exceptions)
    if index == "ssi":
        values = ssi
    elif index == "banzhaf":
        values = swings / swings.sum() if swings.sum() else swings
    else:
        raise OptionError(f"index: expected 'ssi' or 'banzhaf', got {index!r}")
    return dict(zip((*INSTITUTIONS, *rule.members), values.tolist(), strict=True))


def actor_capabilities(actor_ids: Iterable[str], on: date | str, voting_rule: str, procedure: str,
                       scheme: str = "ssi", nice_until_2017: bool = False) -> dict[str, float]:
    """Capability of each DEU actor (``com``, ``ep``, member-state codes) for a proposal introduced ``on``."""
    actors = list(actor_ids)
    unknown = [a for a in actors if a not in INSTITUTIONS and a not in EU28]
    if unknown:
        raise OptionError(f"actors: unknown DEU actor id(s) {', '.join(unknown)} (expected com, ep or one of "
                          f"{' '.join(EU28)})")
    if scheme not in SCHEMES:
        raise OptionError(f"scheme: expected one of {', '.join(SCHEMES)}, got {scheme!r}")
    procedure = _procedure(procedure)
    rule = council_rule(on, voting_rule, nice_until_2017=nice_until_2017)
    key = (rule.name, rule.voting_rule, rule.members, rule.population_year, procedure, scheme)
    if key not in _CACHE:  # a backtest asks the same rule for many issues; rules differ only by these
        _CACHE[key] = _scheme_values(rule, procedure, scheme)
    values = _CACHE[key]
    return {a: float(values.get(a, 0.0)) for a in actors}


_CACHE: dict[tuple, dict[str, float]] = {}


def _scheme_values(rule: CouncilRule, procedure: str, scheme: str) -> dict[str, float]:
    members = rule.members
    if scheme == "equal":
        return {a: 1.0 for a in (*INSTITUTIONS, *members)}
    if scheme == "votes":
        return {m: 1.0 for m in members} if rule.voting_rule == "Unan" else rule.raw_votes()
    if scheme == "ssi":
        return rule.shapley_shubik()
    if scheme == "banzhaf":
        return rule.banzhaf()
    if scheme in ("procedure-ssi", "procedure-banzhaf"):
        return procedure_indices(rule, procedure, scheme.removeprefix("procedure-"))
    # colegislator-ssi
    council = rule.shapley_shubik()
    if procedure == "COD":
        return {**{m: v / 2 for m, v in council.items()}, "ep": 0.5, "com": 0.0}
    return {**council, "ep": 0.0, "com": 0.0}
