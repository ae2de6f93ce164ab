"""The model registry and the result every model returns.

A model is a pure function ``run(arrays: ScenarioArrays, **params) -> ModelResult`` over the batch axis.
Its module registers it once with :func:`register`; the lookups (:func:`stakes.models.get_model`, ...) live in
:mod:`stakes.models`, which imports the model modules first. This module imports none of them, nor its package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import OptionError


@dataclass(frozen=True)
class Parameter:
    """A model parameter as users see it (``stakes models``, scenario ``parameters``)."""

    name: str
    default: Any
    description: str
    choices: tuple[Any, ...] | None = None


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

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def resolve(self, params: dict[str, Any] | None) -> dict[str, Any]:
        """Defaults overlaid with ``params``; unknown names and values outside ``choices`` are errors."""
        merged = self.defaults()
        known = {p.name: p for p in self.parameters}
        for key, value in (params or {}).items():
            if key not in known:
                raise OptionError(
                    f"model '{self.id}' has no parameter '{key}' (known: {', '.join(known) or 'none'})"
                )
            choices = known[key].choices
            if choices is not None and value not in choices:
                raise OptionError(f"model '{self.id}' parameter '{key}' must be one of {choices}, got {value!r}")
            merged[key] = value
        return merged


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    if spec.id in _REGISTRY:
        raise ValueError(f"model id '{spec.id}' registered twice")
    _REGISTRY[spec.id] = spec
    return spec
