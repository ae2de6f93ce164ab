"""Models: one module (or one package, for a model family) a model, each a pure function on
:class:`stakes.arrays.ScenarioArrays`.

Importing a model module registers it (:func:`stakes.models.base.register`). ``MODEL_MODULES`` lists them in the
order ``stakes models`` shows; the lookups below import them on first use, so ``import stakes`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..arrays import ScenarioArrays
from ..errors import OptionError
from .base import _REGISTRY, ModelResult, ModelSpec, Parameter, register

MODEL_MODULES = ("baseline", "bdm", "smp", "nash", "exchange")

_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in MODEL_MODULES:
        importlib.import_module(f"{__name__}.{name}")


def get_model(model_id: str) -> ModelSpec:
    _load_all()
    try:
        return _REGISTRY[model_id]
    except KeyError:
        raise OptionError(f"unknown model '{model_id}' (known: {', '.join(_REGISTRY)})") from None


def is_registered(model_id: str) -> bool:
    _load_all()
    return model_id in _REGISTRY


def list_models() -> list[ModelSpec]:
    _load_all()
    return list(_REGISTRY.values())


def run_model(model_id: str, arrays: ScenarioArrays, params: dict[str, Any] | None = None) -> ModelResult:
    spec = get_model(model_id)
    return spec.run(arrays, **spec.resolve(params))


__all__ = ["ModelResult", "ModelSpec", "Parameter", "get_model", "is_registered", "list_models", "register",
           "run_model"]
