"""The model registry and the result every model returns.

A model is a pure function ``run(arrays: ScenarioArrays, **params) -> ModelResult`` over the batch axis.
Register it once with :func:`register`; ``stakes models`` lists the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..arrays import ScenarioArrays
from ..errors import OptionError, ScenarioError


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

    def run_checked(self, arrays: ScenarioArrays, params: dict[str, Any] | None = None,
                    variant: str | None = None) -> ModelResult:
        """``run`` with resolved ``params``, refusing a result that is not finite (see :func:`check_finite`)."""
        return check_finite(self.run(arrays, **self.resolve(params)), arrays, variant)

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


def get_model(model_id: str) -> ModelSpec:
    from . import _load_all

    _load_all()
    try:
        return _REGISTRY[model_id]
    except KeyError:
        raise OptionError(f"unknown model '{model_id}' (known: {', '.join(_REGISTRY)})") from None


def is_registered(model_id: str) -> bool:
    from . import _load_all

    _load_all()
    return model_id in _REGISTRY


def list_models() -> list[ModelSpec]:
    from . import _load_all

    _load_all()
    return list(_REGISTRY.values())


def run_model(model_id: str, arrays: ScenarioArrays, params: dict[str, Any] | None = None) -> ModelResult:
    return get_model(model_id).run_checked(arrays, params)


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
