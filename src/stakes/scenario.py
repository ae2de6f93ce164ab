"""The data model of a scenario: actors, issues, stances, affinities, variants, theses, metadata.

A scenario is validated at the boundary (pydantic v2) and is immutable afterwards: variants produce new
scenarios (:func:`stakes.variants.apply_variant`), they never edit one in place.

Conventions
-----------
* Positions are written on each issue's own scale (``scale_min``..``scale_max``, default 0–100).
* Salience is written on 0–100 in every file format (the analysts' convention); the array core divides by
  100 (:mod:`stakes.arrays`).
* Capability is any non-negative number up to 1e15; only ratios between actors matter to the models.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import Field, model_validator

from .scenario_records import (
    FORMAT_VERSION,
    ID_PATTERN,
    Actor,
    Affinity,
    AlignmentSettings,
    Anchor,
    Change,
    ChangeOp,
    CloserThesis,
    Comparison,
    Identifier,
    Issue,
    Outcome,
    SideThesis,
    Source,
    Spread,
    Stance,
    Thesis,
    ThresholdThesis,
    Uncertainty,
    Variant,
    _Record,
)

DEFAULT_MODELS = ("ensemble", "weighted-mean", "mean", "weighted-median", "bdm", "smp", "nash")
"""What ``forecast`` runs when a scenario declares no models: the calibrated ensemble (which judges theses)
and the models it combines."""
SIMULATION_MODELS = ("weighted-mean", "bdm")
"""What ``simulate`` and ``sensitivity`` run when a scenario declares no models (the ensemble is excluded: it
carries its own predictive distribution, and input noise on top of it would count the uncertainty twice)."""

__all__ = [
    "DEFAULT_MODELS",
    "FORMAT_VERSION",
    "ID_PATTERN",
    "SIMULATION_MODELS",
    "Actor",
    "Affinity",
    "AlignmentSettings",
    "Anchor",
    "Change",
    "ChangeOp",
    "CloserThesis",
    "Comparison",
    "Identifier",
    "Issue",
    "Outcome",
    "Scenario",
    "SideThesis",
    "Source",
    "Spread",
    "Stance",
    "Thesis",
    "ThresholdThesis",
    "Uncertainty",
    "Variant",
    "slugify",
]


class Scenario(_Record):
    """A whole negotiation: who, over what, wanting what, how strongly, and the claims to check."""

    stakes: int = FORMAT_VERSION
    id: Identifier = "scenario"
    title: str
    description: str | None = None
    as_of: dt.date | None = None
    seed: int = Field(default=20240711, ge=0)
    models: tuple[str, ...] = ()
    """Models to run when none is asked for (default: :data:`DEFAULT_MODELS`); the first judges theses."""
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Model parameters by model id, e.g. ``{"bdm": {"rounds": 8}}``."""
    sources: tuple[Source, ...] = ()
    issues: tuple[Issue, ...]
    actors: tuple[Actor, ...]
    stances: tuple[Stance, ...]
    affinities: tuple[Affinity, ...] = ()
    alignment: AlignmentSettings = AlignmentSettings()
    variants: tuple[Variant, ...] = ()
    theses: tuple[Thesis, ...] = ()
    uncertainty: Uncertainty = Uncertainty()
    outcomes: tuple[Outcome, ...] = ()
    """Realised outcomes per issue (and variant), for ``stakes backtest`` and ``stakes ledger grade``."""

    @model_validator(mode="after")
    def _check_references(self) -> Scenario:
        _check_unique([a.id for a in self.actors], "actor")
        _check_unique([i.id for i in self.issues], "issue")
        _check_unique([v.id for v in self.variants], "variant")
        _check_unique([t.id for t in self.theses], "thesis")
        if not self.actors:
            raise ValueError("a scenario needs at least one actor")
        if not self.issues:
            raise ValueError("a scenario needs at least one issue")
        actors = {a.id for a in self.actors}
        issues = {i.id: i for i in self.issues}
        seen: set[tuple[str, str]] = set()
        for k, st in enumerate(self.stances):
            where = f"stances[{k}]"
            if st.actor not in actors:
                raise ValueError(f"{where}: unknown actor '{st.actor}'")
            if st.issue not in issues:
                raise ValueError(f"{where}: unknown issue '{st.issue}'")
            if (st.actor, st.issue) in seen:
                raise ValueError(f"{where}: a second stance of actor '{st.actor}' on issue '{st.issue}'")
            seen.add((st.actor, st.issue))
            issue = issues[st.issue]
            if not issue.scale_min <= st.position <= issue.scale_max:
                raise ValueError(
                    f"{where}: position {st.position} of actor '{st.actor}' on issue '{st.issue}' lies outside "
                    f"the issue's scale {issue.scale_min}..{issue.scale_max}"
                )
        for k, af in enumerate(self.affinities):
            for who in (af.a, af.b):
                if who not in actors:
                    raise ValueError(f"affinities[{k}]: unknown actor '{who}'")
            if af.a == af.b:
                raise ValueError(f"affinities[{k}]: an affinity needs two different actors, got '{af.a}' twice")
        pairs: dict[frozenset[str], float] = {}
        for k, af in enumerate(self.affinities):
            key = frozenset((af.a, af.b))
            if key in pairs and pairs[key] != af.value:
                raise ValueError(
                    f"affinities[{k}]: pair '{af.a}'–'{af.b}' is given twice with different values "
                    f"({pairs[key]} and {af.value}); propensities are symmetric"
                )
            pairs[key] = af.value
        variant_ids = {v.id for v in self.variants}
        for v in self.variants:
            if v.base is not None and v.base not in variant_ids:
                raise ValueError(f"variant '{v.id}': unknown base variant '{v.base}'")
            for c in v.changes:
                if c.actor not in actors:
                    raise ValueError(f"variant '{v.id}': change '{c.op}' names unknown actor '{c.actor}'")
                if c.issue is not None and c.issue not in issues:
                    raise ValueError(f"variant '{v.id}': change '{c.op}' names unknown issue '{c.issue}'")
                if c.other is not None and c.other not in actors:
                    raise ValueError(f"variant '{v.id}': change '{c.op}' names unknown actor '{c.other}'")
        _check_variant_cycles(self.variants)
        _check_outcomes(self.outcomes, issues, variant_ids)
        for t in self.theses:
            if t.variant is not None and t.variant not in variant_ids:
                raise ValueError(f"thesis '{t.id}': unknown variant '{t.variant}'")
            named = [getattr(t, "actor", None), getattr(t, "other", None), getattr(t, "with_actor", None)]
            named += list(getattr(t, "actors", ()))
            for who in named:
                if who is not None and who not in actors:
                    raise ValueError(f"thesis '{t.id}': unknown actor '{who}'")
            issue_id = getattr(t, "issue", None)
            if issue_id is not None and issue_id not in issues:
                raise ValueError(f"thesis '{t.id}': unknown issue '{issue_id}'")
        return self

    # -- look-ups ---------------------------------------------------------------------------------
    @property
    def actor_ids(self) -> list[str]:
        return [a.id for a in self.actors]

    @property
    def issue_ids(self) -> list[str]:
        return [i.id for i in self.issues]

    def actor(self, actor_id: str) -> Actor:
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def issue(self, issue_id: str) -> Issue:
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)

    def variant(self, variant_id: str) -> Variant:
        for v in self.variants:
            if v.id == variant_id:
                return v
        known = ", ".join(v.id for v in self.variants) or "none"
        raise KeyError(f"unknown variant '{variant_id}' (known: {known})")

    def stance(self, actor_id: str, issue_id: str) -> Stance | None:
        for s in self.stances:
            if s.actor == actor_id and s.issue == issue_id:
                return s
        return None

    @property
    def default_models(self) -> list[str]:
        return list(self.models) or list(DEFAULT_MODELS)

    @property
    def simulation_models(self) -> list[str]:
        """Models ``simulate`` and ``sensitivity`` run by default (:data:`SIMULATION_MODELS`)."""
        return [m for m in self.models if m != "ensemble"] or list(SIMULATION_MODELS)

    @property
    def default_model(self) -> str:
        """The model that judges theses that name none."""
        return self.default_models[0]

    def outcome(self, issue_id: str, variant: str | None = None) -> Outcome | None:
        """The realised outcome of an issue under a variant (None or ``baseline`` = the baseline)."""
        want = None if variant in (None, "baseline") else variant
        for out in self.outcomes:
            if out.issue == issue_id and (None if out.variant in (None, "baseline") else out.variant) == want:
                return out
        return None

    def model_params(self, model_id: str) -> dict[str, Any]:
        return dict(self.parameters.get(model_id, {}))


def _check_unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{what} id '{i}' is used twice")
        seen.add(i)


def _check_outcomes(outcomes: tuple[Outcome, ...], issues: dict[str, Issue], variant_ids: set[str]) -> None:
    seen: set[tuple[str | None, str]] = set()
    for k, out in enumerate(outcomes):
        where = f"outcomes[{k}]"
        issue = issues.get(out.issue)
        if issue is None:
            raise ValueError(f"{where}: unknown issue '{out.issue}'")
        if out.variant is not None and out.variant != "baseline" and out.variant not in variant_ids:
            raise ValueError(f"{where}: unknown variant '{out.variant}'")
        if not issue.scale_min <= out.value <= issue.scale_max:
            raise ValueError(f"{where}: outcome {out.value} of issue '{out.issue}' lies outside the issue's scale "
                             f"{issue.scale_min}..{issue.scale_max}")
        key = (None if out.variant in (None, "baseline") else out.variant, out.issue)
        if key in seen:
            raise ValueError(f"{where}: a second outcome for issue '{out.issue}'"
                             + (f" under variant '{out.variant}'" if key[0] else ""))
        seen.add(key)


def _check_variant_cycles(variants: tuple[Variant, ...]) -> None:
    base = {v.id: v.base for v in variants}
    for start in base:
        chain = [start]
        cur = base[start]
        while cur is not None:
            if cur in chain:
                raise ValueError(f"variants build on each other in a cycle: {' -> '.join([*chain, cur])}")
            chain.append(cur)
            cur = base.get(cur)


def slugify(text: str) -> str:
    """A safe identifier from free text (for readers of formats without ids)."""
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "-", text.strip()).strip("-.")
    return slug[:80] or "x"
