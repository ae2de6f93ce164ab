"""The data model of a scenario: actors, issues, stances, affinities, variants, theses, metadata.

A scenario is validated at the boundary (pydantic v2) and is immutable afterwards: variants produce new
scenarios (:func:`stakes.variants.apply_variant`), they never edit one in place.

Conventions
-----------
* Positions are written on each issue's own scale (``scale_min``..``scale_max``, default 0–100).
* Salience is written on 0–100 in every file format (the analysts' convention); the array core divides by
  100 (:mod:`stakes.arrays`).
* Capability is any non-negative number; only ratios between actors matter to the models.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
FORMAT_VERSION = 1
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PLUS_MINUS = re.compile(rf"(?P<value>{_NUMBER})\s*(?:±|\+/-|\+-)\s*(?P<sd>{_NUMBER})")
DEFAULT_MODELS = ("bdm", "weighted-mean")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _finite(value: float | None, what: str) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value}")
    return value


class Source(_Record):
    """A document a number or a thesis comes from."""

    id: Identifier
    title: str
    url: str | None = None
    date: dt.date | None = None
    publisher: str | None = None


class Anchor(_Record):
    """A labelled point on an issue's scale (e.g. 0 = "restoration of 1991 borders")."""

    value: float
    label: str


class Issue(_Record):
    """A dimension of the negotiation with a numeric scale."""

    id: Identifier
    name: str
    description: str | None = None
    scale_min: float = 0.0
    scale_max: float = 100.0
    anchors: tuple[Anchor, ...] = ()
    status_quo: float | None = None
    """Reversion point if no agreement is reached (used by the Nash bargaining solution)."""
    status_quo_rationale: str | None = None
    status_quo_source: str | None = None

    @model_validator(mode="after")
    def _check_scale(self) -> Issue:
        _finite(self.scale_min, "scale_min")
        _finite(self.scale_max, "scale_max")
        if not self.scale_max > self.scale_min:
            raise ValueError(f"scale_max ({self.scale_max}) must be greater than scale_min ({self.scale_min})")
        for anchor in self.anchors:
            if not self.scale_min <= anchor.value <= self.scale_max:
                raise ValueError(f"anchor {anchor.value} lies outside the scale {self.scale_min}..{self.scale_max}")
        if self.status_quo is not None and not self.scale_min <= self.status_quo <= self.scale_max:
            raise ValueError(f"status_quo {self.status_quo} lies outside the scale {self.scale_min}..{self.scale_max}")
        return self

    @property
    def span(self) -> float:
        return self.scale_max - self.scale_min


class Actor(_Record):
    """A player: a state, a bloc, a government, a faction."""

    id: Identifier
    name: str
    capability: float = Field(ge=0)
    """Relative power to affect the outcome (only ratios between actors matter)."""
    capability_sd: float | None = Field(default=None, ge=0)
    """Uncertainty of the capability, as a relative standard deviation (0.2 = ±20 %)."""
    groups: tuple[str, ...] = ()
    size: float | None = Field(default=None, gt=0)
    """Size in landscape theory (alignment); defaults to the capability."""
    rationale: str | None = None
    source: str | None = None

    @field_validator("capability")
    @classmethod
    def _finite_capability(cls, v: float) -> float:
        return _finite(v, "capability")  # type: ignore[return-value]


class Stance(_Record):
    """An actor's position and salience on one issue."""

    actor: Identifier
    issue: Identifier
    position: float
    salience: float = Field(ge=0, le=100)
    """How much the actor cares about the issue, on 0–100."""
    capability: float | None = Field(default=None, ge=0)
    """Issue-specific capability (Decide's per-row power); defaults to the actor's capability."""
    position_sd: float | None = Field(default=None, ge=0)
    salience_sd: float | None = Field(default=None, ge=0)
    rationale: str | None = None
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _split_plus_minus(cls, data: Any) -> Any:
        """Accept ``position: "30 ± 10"`` (or ``30 +/- 10``) as position 30 with ``position_sd`` 10; same for
        salience."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name in ("position", "salience"):
            value = out.get(name)
            if isinstance(value, str):
                match = _PLUS_MINUS.fullmatch(value.strip())
                if match is None:
                    continue  # let the float validator report the bad value
                if out.get(f"{name}_sd") is not None:
                    raise ValueError(f"{name} gives a spread with ± and {name}_sd gives another")
                out[name], out[f"{name}_sd"] = float(match["value"]), float(match["sd"])
        return out

    @field_validator("position")
    @classmethod
    def _finite_position(cls, v: float) -> float:
        return _finite(v, "position")  # type: ignore[return-value]


class Affinity(_Record):
    """Pairwise propensity of two actors to side together (landscape theory); symmetric.

    Positive values pull the pair onto the same side, negative values push them apart.
    """

    a: Identifier
    b: Identifier
    value: float
    rationale: str | None = None
    source: str | None = None

    @field_validator("value")
    @classmethod
    def _finite_value(cls, v: float) -> float:
        return _finite(v, "value")  # type: ignore[return-value]


ChangeOp = Literal[
    "set_capability",
    "scale_capability",
    "set_position",
    "move_position",
    "set_salience",
    "scale_salience",
    "remove_actor",
    "set_affinity",
]


class Change(_Record):
    """One declarative change of a variant.

    ``set_capability``/``scale_capability`` need ``actor`` and ``value``; ``set_position``/``move_position``/
    ``set_salience``/``scale_salience`` need ``actor``, ``issue`` (omit to apply to every issue the actor has
    a stance on) and ``value``; ``remove_actor`` needs ``actor``; ``set_affinity`` needs ``actor``, ``other``
    and ``value``.
    """

    op: ChangeOp
    actor: Identifier
    issue: Identifier | None = None
    other: Identifier | None = None
    value: float | None = None

    @model_validator(mode="after")
    def _check_fields(self) -> Change:
        if self.op != "remove_actor" and self.value is None:
            raise ValueError(f"change '{self.op}' needs a 'value'")
        if self.value is not None:
            _finite(self.value, "value")
        if self.op == "set_affinity" and self.other is None:
            raise ValueError("change 'set_affinity' needs 'other' (the second actor)")
        return self


class Variant(_Record):
    """A named shock: a list of changes applied to the baseline (or to another variant, ``base``)."""

    id: Identifier
    name: str
    description: str | None = None
    base: Identifier | None = None
    changes: tuple[Change, ...] = ()
    rationale: str | None = None
    source: str | None = None


Comparison = Literal["<", "<=", ">", ">="]


class _ThesisBase(_Record):
    id: Identifier
    claim: str
    """The claim in plain words."""
    variant: Identifier | None = None
    """The variant under which the claim is made; None = the baseline."""
    quote: str | None = None
    """The sentence of the source the claim comes from."""
    source: str | None = None


class ThresholdThesis(_ThesisBase):
    """"The forecast on ``issue`` is below/above ``value``"."""

    kind: Literal["threshold"] = "threshold"
    issue: Identifier
    op: Comparison
    value: float
    model: str | None = None
    """Model whose forecast is checked; None = the scenario's default model."""


class CloserThesis(_ThesisBase):
    """"The outcome on ``issue`` ends closer to ``actor`` than to ``other``"."""

    kind: Literal["closer"] = "closer"
    issue: Identifier
    actor: Identifier
    other: Identifier
    model: str | None = None


class SideThesis(_ThesisBase):
    """"``actors`` end on the same side as ``with_actor``" (or the opposite side, ``same=False``)."""

    kind: Literal["side"] = "side"
    actors: tuple[Identifier, ...]
    with_actor: Identifier
    same: bool = True


Thesis = Annotated[ThresholdThesis | CloserThesis | SideThesis, Field(discriminator="kind")]


class Spread(_Record):
    """Default uncertainty of a scenario's inputs (standard deviations, or half-widths for ``uniform``)."""

    position: float = Field(default=0.0, ge=0)
    """In percent of each issue's scale span (5 = 5 % of the span)."""
    salience: float = Field(default=0.0, ge=0, le=100)
    """On the 0–100 salience scale."""
    capability: float = Field(default=0.0, ge=0, le=5)
    """Relative (0.2 = ±20 %), applied multiplicatively (log-normal)."""
    affinity: float = Field(default=0.0, ge=0)
    """In the affinities' own units."""


class Uncertainty(_Record):
    """How uncertain the inputs are: defaults plus the per-stance/per-actor ``*_sd`` fields."""

    distribution: Literal["normal", "uniform"] = "normal"
    default: Spread = Spread()


class AlignmentSettings(_Record):
    """How landscape theory derives propensities when ``affinities`` do not give every pair."""

    propensity: Literal["explicit", "derived", "explicit+derived"] = "explicit+derived"
    group_bonus: float = 0.0
    """Added to the propensity of two actors that share a group (e.g. NATO, EU)."""


class Scenario(_Record):
    """A whole negotiation: who, over what, wanting what, how strongly, and the claims to check."""

    stakes: int = FORMAT_VERSION
    id: Identifier = "scenario"
    title: str
    description: str | None = None
    as_of: dt.date | None = None
    seed: int = Field(default=20240711, ge=0)
    models: tuple[str, ...] = ()
    """Models to run when none is asked for (default: ``bdm`` and ``weighted-mean``); the first judges theses."""
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
    def default_model(self) -> str:
        """The model that judges theses that name none."""
        return self.default_models[0]

    def model_params(self, model_id: str) -> dict[str, Any]:
        return dict(self.parameters.get(model_id, {}))


def _check_unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{what} id '{i}' is used twice")
        seen.add(i)


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
