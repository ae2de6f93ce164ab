"""The ``stakes`` command line: the only place that knows about the terminal.

Each command lives in its own module of this package and registers itself on :data:`app`;
``COMMAND_MODULES`` lists them. Errors meant for people (:class:`stakes.errors.StakesError`) print one
clear message and exit with status 2.
"""

from __future__ import annotations

import importlib

from .app import app, main

COMMAND_MODULES = ("forecast", "models", "scenarios", "validate", "backtest", "simulate", "sensitivity", "sweep",
                   "align", "runs", "ledger", "report", "serve", "power")

for _name in COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}")

__all__ = ["app", "main"]
