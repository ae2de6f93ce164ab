"""stakes — forecast multi-actor negotiations and alliances.

The public API (everything else is internal)::

    from stakes import load_scenario, builtin_scenario, forecast, list_models
"""

from __future__ import annotations

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

__version__ = "0.1.0"

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
