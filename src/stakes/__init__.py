"""stakes — forecast multi-actor negotiations and alliances.

The public API (everything else is internal)::

    from stakes import load_scenario, builtin_scenario, forecast, list_models

Names are imported on first use (PEP 562), so ``import stakes`` — and the command line's start-up — does not
pay for numpy, pandas or scipy until something needs them.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module (relative to this package) that defines it
_EXPORTS: dict[str, str] = {
    "ScenarioArrays": "arrays", "compile_scenario": "arrays",
    "OptionError": "errors", "ScenarioError": "errors", "StakesError": "errors",
    "Forecast": "forecast", "forecast": "forecast",
    "load_scenario": "io", "save_scenario": "io",
    "ModelResult": "models", "get_model": "models", "list_models": "models", "run_model": "models",
    "Scenario": "scenario",
    "builtin_scenario": "scenarios",
    "SensitivityResult": "sensitivity", "sensitivity": "sensitivity",
    "SimulationResult": "simulate", "load_sweep": "simulate", "simulate": "simulate",
    "SpreadOverride": "uncertainty",
    "apply_variant": "variants",
}

__all__ = [
    "Forecast",
    "ModelResult",
    "OptionError",
    "Scenario",
    "ScenarioArrays",
    "ScenarioError",
    "SensitivityResult",
    "SimulationResult",
    "SpreadOverride",
    "StakesError",
    "__version__",
    "apply_variant",
    "builtin_scenario",
    "compile_scenario",
    "forecast",
    "get_model",
    "list_models",
    "load_scenario",
    "load_sweep",
    "run_model",
    "save_scenario",
    "sensitivity",
    "simulate",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """``forecast``, ``simulate`` and ``sensitivity`` are functions here and submodules too: importing a
    submodule must not replace the function of the same name (the submodule stays in ``sys.modules``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # for type checkers and IDEs
    from .arrays import ScenarioArrays, compile_scenario
    from .errors import OptionError, ScenarioError, StakesError
    from .forecast import Forecast, forecast
    from .io import load_scenario, save_scenario
    from .models import ModelResult, get_model, list_models, run_model
    from .scenario import Scenario
    from .scenarios import builtin_scenario
    from .sensitivity import SensitivityResult, sensitivity
    from .simulate import SimulationResult, load_sweep, simulate
    from .uncertainty import SpreadOverride
    from .variants import apply_variant
