"""The model registry and the result every model returns.

A model is a pure function ``run(arrays: ScenarioArrays, **params) -> ModelResult`` over the batch axis.
Its module registers it once with :func:`register`; the lookups (:func:`stakes.models.get_model`, ...) live in
:mod:`stakes.models`, which imports the model modules first. This module imports none of them, nor its package.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..arrays import ScenarioArrays
from ..errors import OptionError, ScenarioError
from ..scopes import cache_scope


@dataclass(frozen=True)
class Parameter:
    """A model parameter as users see it (``stakes models``, scenario ``parameters``).

    ``low``/``high`` bound a numeric parameter (inclusive); when a model leaves them out, :func:`register`
    takes them from :data:`BOUNDS` by name. A parameter whose default is an int (or a bool) only accepts
    ints (bools); a float default accepts any finite number.
    """

    name: str
    default: Any
    description: str
    choices: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None

    def check(self, model_id: str, value: Any) -> Any:
        """``value`` converted to the parameter's type, or an :class:`OptionError` saying what is expected."""
        where = f"model '{model_id}' parameter '{self.name}'"
        if self.choices is not None:
            if value not in self.choices:
                raise OptionError(f"{where} must be one of {self.choices}, got {value!r}")
            return value
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                raise OptionError(f"{where} must be true or false, got {value!r}")
            return value
        if value is None and self.default is None:
            return None
        if isinstance(self.default, int | float) or self.low is not None:
            value = _number(where, value, integer=isinstance(self.default, int))
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if numeric and ((self.low is not None and value < self.low) or (self.high is not None and value > self.high)):
            raise OptionError(f"{where} must be between {self.low:g} and {self.high:g}, got {value!r}")
        return value


BOUNDS: dict[str, tuple[float, float]] = {
    "rounds": (1, 1000),          # BDM 8, exchange 10, SMP 100 by default; 1000 keeps a run within minutes
    "min_turns": (0, 1000),
    "Q": (0.0, 1.0),              # probabilities
    "T": (0.0, 1.0),
    "tolerance": (0.0, 1.0),      # shares of the scale span or of the first turn's movement
    "stop_ratio": (0.0, 1.0),
    "min_sig_delta": (0.0, 1.0),
    "salience_weight": (0.0, 1.0),
    "fixed_weight": (0.0, 1.0),
    "seed": (0, 2**63 - 1),
}
"""Bounds of numeric parameters by name, for models that do not give their own (documented in
docs/decisions/hardening.md)."""


def _number(where: str, value: Any, integer: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionError(f"{where} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise OptionError(f"{where} must be a finite number, got {value!r}")
    if integer:
        if value != int(value):
            raise OptionError(f"{where} must be a whole number, got {value!r}")
        return int(value)
    return float(value)


@dataclass
class ModelResult:
    """What a model computed for a batch.

    ``forecast`` ``(B, d)`` — the predicted outcome on each issue's scale.
    ``positions`` ``(B, T, n, d)`` — actors' positions per round, round 0 = the input (None for one-shot models).
    ``forecasts`` ``(B, T, d)`` — the forecast per round (None for one-shot models).
    ``rounds`` ``(B, d)`` — rounds actually run per issue (models that run issues jointly repeat the value).
    ``extra`` — model-specific outputs (documented by each model).
    """

    model: str
    forecast: np.ndarray
    positions: np.ndarray | None = None
    forecasts: np.ndarray | None = None
    rounds: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)


ModelFunction = Callable[..., ModelResult]

_REUSE: ContextVar[dict[tuple[str, int, str], tuple[ScenarioArrays, ModelResult]] | None] = ContextVar(
    "stakes_reuse_results", default=None)


@contextmanager
def reuse_results() -> Iterator[None]:
    """Inside this block, a model run twice on the same ``ScenarioArrays`` object with the same parameters is
    computed once (e.g. the ensemble's components and the same models run beside it in one forecast). The
    arrays are keyed by identity and held until the block ends, so a key cannot be reused by another object."""
    with cache_scope(_REUSE):
        yield


@dataclass(frozen=True)
class ModelSpec:
    id: str
    name: str
    description: str
    citation: str
    run: ModelFunction
    parameters: tuple[Parameter, ...] = ()
    dynamic: bool = False
    """True when the model runs in rounds and returns trajectories."""
    reference: ModelFunction | None = None
    """The slow per-run implementation tests and benchmarks compare ``run`` against."""

    def run_checked(self, arrays: ScenarioArrays, params: dict[str, Any] | None = None,
                    variant: str | None = None) -> ModelResult:
        """``run`` with resolved ``params``, refusing a result that is not finite (see :func:`check_finite`)."""
        return check_finite(self.call(arrays, **self.resolve(params)), arrays, variant)

    def call(self, arrays: ScenarioArrays, **params: Any) -> ModelResult:
        """``run``, or the result of the same run earlier in a :func:`reuse_results` block."""
        cache = _REUSE.get()
        if cache is None:
            return self.run(arrays, **params)
        key = (self.id, id(arrays), repr(sorted(params.items())))
        if key not in cache:
            cache[key] = (arrays, self.run(arrays, **params))
        return cache[key][1]

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def resolve(self, params: dict[str, Any] | None) -> dict[str, Any]:
        """Defaults overlaid with ``params``; unknown names and values outside ``choices`` are errors."""
        merged = self.defaults()
        known = {p.name: p for p in self.parameters}
        if not isinstance(params or {}, dict):
            raise OptionError(f"the parameters of model '{self.id}' must be a mapping of names to values")
        for key, value in (params or {}).items():
            if key not in known:
                raise OptionError(
                    f"model '{self.id}' has no parameter '{key}' (known: {', '.join(known) or 'none'})"
                )
            merged[key] = known[key].check(self.id, value)
        return merged


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    if spec.id in _REGISTRY:
        raise ValueError(f"model id '{spec.id}' registered twice")
    spec = replace(spec, parameters=tuple(
        replace(p, low=BOUNDS[p.name][0], high=BOUNDS[p.name][1])
        if p.low is None and p.high is None and p.choices is None and p.name in BOUNDS else p
        for p in spec.parameters))
    _REGISTRY[spec.id] = spec
    return spec


def check_finite(result: ModelResult, arrays: ScenarioArrays, variant: str | None = None) -> ModelResult:
    """``result`` unchanged when its forecasts and trajectories are finite; otherwise a :class:`ScenarioError`
    naming the model, the variant and the first issue whose arithmetic overflowed. No NaN or infinity ever
    reaches a table, a JSON document or the store."""
    for what, values in (("forecast", result.forecast), ("per-round forecast", result.forecasts),
                         ("trajectory", result.positions)):
        if values is None or np.isfinite(values).all():
            continue
        bad = ~np.isfinite(values)
        issue = arrays.issue_ids[int(np.argwhere(bad)[0][-1])]
        where = f" on variant '{variant}'" if variant else ""
        raise ScenarioError(
            f"model '{result.model}'{where} gives a {what} that is not a finite number: the inputs' magnitudes "
            "overflow its arithmetic", issue=issue,
            expected="capabilities and scales of moderate size (only ratios of capabilities matter)")
    return result
