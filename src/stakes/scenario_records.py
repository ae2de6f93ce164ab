"""The records a scenario is made of: sources, issues, actors, stances, affinities, variants, theses and
the uncertainty and alignment settings. :mod:`stakes.scenario` puts them together (and re-exports them).
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
MAX_MAGNITUDE = 1e15
"""Largest capability, size, affinity and absolute scale value accepted: products and squares of such
numbers, summed over thousands of actors and rounds, stay far from float overflow (1.8e308)."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _finite(value: float | None, what: str) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value}")
    return value


def _bounded(value: float | None, what: str, hint: str = "") -> float | None:
    """``value`` finite and within ±:data:`MAX_MAGNITUDE` (so the models' arithmetic cannot overflow)."""
    _finite(value, what)
    if value is not None and abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"{what} {value:g} is too large: at most {MAX_MAGNITUDE:g} in absolute value{hint}")
    return value


_RATIO_HINT = " (only ratios between actors matter: divide every capability by the same number)"


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
        _bounded(self.scale_min, "scale_min", " (rescale the issue, e.g. to 0..100)")
        _bounded(self.scale_max, "scale_max", " (rescale the issue, e.g. to 0..100)")
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
    capability_sd: float | None = Field(default=None, ge=0, le=5)
    """Uncertainty of the capability, as a relative standard deviation (0.2 = ±20 %)."""
    groups: tuple[str, ...] = ()
    size: float | None = Field(default=None, gt=0, le=MAX_MAGNITUDE)
    """Size in landscape theory (alignment); defaults to the capability."""
    rationale: str | None = None
    source: str | None = None

    @field_validator("capability")
    @classmethod
    def _finite_capability(cls, v: float) -> float:
        return _bounded(v, "capability", _RATIO_HINT)  # type: ignore[return-value]


class Stance(_Record):
    """An actor's position and salience on one issue."""

    actor: Identifier
    issue: Identifier
    position: float
    salience: float = Field(ge=0, le=100)
    """How much the actor cares about the issue, on 0–100."""
    capability: float | None = Field(default=None, ge=0)
    """Issue-specific capability (Decide's per-row power); defaults to the actor's capability."""
    position_sd: float | None = Field(default=None, ge=0, le=MAX_MAGNITUDE)
    salience_sd: float | None = Field(default=None, ge=0, le=100)
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

    @field_validator("capability")
    @classmethod
    def _finite_capability(cls, v: float | None) -> float | None:
        return _bounded(v, "capability", _RATIO_HINT)


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
        return _bounded(v, "value")  # type: ignore[return-value]


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
            _bounded(self.value, "value")
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

    @field_validator("value")
    @classmethod
    def _finite_value(cls, v: float) -> float:
        return _bounded(v, "value")  # type: ignore[return-value]


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

    position: float = Field(default=0.0, ge=0, le=1000)
    """In percent of each issue's scale span (5 = 5 % of the span)."""
    salience: float = Field(default=0.0, ge=0, le=100)
    """On the 0–100 salience scale."""
    capability: float = Field(default=0.0, ge=0, le=5)
    """Relative (0.2 = ±20 %), applied multiplicatively (log-normal)."""
    affinity: float = Field(default=0.0, ge=0, le=MAX_MAGNITUDE)
    """In the affinities' own units."""


class Outcome(_Record):
    """A realised outcome of an issue (for backtests and the forecast ledger): what was decided, when, where
    it is documented. ``variant`` names the variant the outcome realises (None = the baseline)."""

    issue: Identifier
    value: float
    variant: Identifier | None = None
    date: dt.date | None = None
    source: str | None = None

    @field_validator("value")
    @classmethod
    def _finite_value(cls, v: float) -> float:
        return _finite(v, "value")  # type: ignore[return-value]


class Uncertainty(_Record):
    """How uncertain the inputs are: defaults plus the per-stance/per-actor ``*_sd`` fields."""

    distribution: Literal["normal", "uniform"] = "normal"
    default: Spread = Spread()


class AlignmentSettings(_Record):
    """How landscape theory derives propensities when ``affinities`` do not give every pair."""

    propensity: Literal["explicit", "derived", "explicit+derived"] = "explicit+derived"
    group_bonus: float = Field(default=0.0, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)
    """Added to the propensity of two actors that share a group (e.g. NATO, EU)."""
