"""Models: one module a model, each a pure function on :class:`stakes.arrays.ScenarioArrays`.

Importing a model module registers it. ``MODEL_MODULES`` lists them in the order ``stakes models`` shows.
"""

from __future__ import annotations

import importlib

from .base import ModelResult, ModelSpec, Parameter, get_model, is_registered, list_models, register, run_model

MODEL_MODULES = ("baseline", "bdm", "smp", "nash", "exchange")

_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in MODEL_MODULES:
        importlib.import_module(f"{__name__}.{name}")


__all__ = ["ModelResult", "ModelSpec", "Parameter", "get_model", "is_registered", "list_models", "register",
           "run_model"]
