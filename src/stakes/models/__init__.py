"""Models: each a pure function on :class:`stakes.arrays.ScenarioArrays`.

A one-file model is a module here (``baseline.py``, ``nash.py``). A model with several engines is a package
(``bdm/``, ``smp/``, ``exchange/``): ``__init__.py`` has the formula and papers, the public function and its
registration; beside it the engines ``numpy.py`` and ``numba.py``, the per-run ``reference.py`` and shared
pieces named by role (``kernels.py``, ``constants.py``). Importing a model module registers it
(:func:`stakes.models.base.register`); ``MODEL_MODULES`` lists them in the order ``stakes models`` shows, and
the lookups below import them on first use, so ``import stakes`` stays light. Nothing a model imports may
import this package back (tests/test_structure.py).
"""

from __future__ import annotations

import importlib
from typing import Any

from ..arrays import ScenarioArrays
from ..errors import OptionError
from .base import _REGISTRY, ModelResult, ModelSpec, Parameter, register

MODEL_MODULES = ("baseline", "bdm", "smp", "nash", "exchange", "ensemble")

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
    return get_model(model_id).run_checked(arrays, params)


__all__ = ["ModelResult", "ModelSpec", "Parameter", "get_model", "is_registered", "list_models", "register",
           "run_model"]
