"""The ``stakes`` command line: the only place that knows about the terminal.

Each command lives in its own module of this package and registers itself on the typer app when imported;
:data:`COMMANDS` maps command names to modules. ``stakes CMD`` imports only CMD's module, so a command pays
only for the libraries it uses, and ``stakes --help`` imports none (it lists :data:`COMMANDS`). Errors meant
for people (:class:`stakes.errors.StakesError`) print one clear message and exit with status 2.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

# name -> (module, one-line help). The help must equal the command's own docstring (a test checks).
COMMANDS: dict[str, tuple[str, str]] = {
    "forecast": ("forecast", "Forecast the outcome of every issue under the baseline and each variant."),
    "models": ("models", "List the available models."),
    "scenarios": ("scenarios", "List the built-in scenarios."),
    "validate": ("validate", "Run every model on every validation case and show how close each comes."),
    "simulate": ("simulate", "Run many perturbed copies: forecast distributions and the probability of each "
                             "thesis."),
    "sensitivity": ("sensitivity", "Sobol indices: the share of each issue's forecast variance due to each "
                                   "actor's inputs."),
    "sweep": ("sweep", "Simulate every variant of several scenarios; finished chunks are kept on disk and "
                       "skipped on rerun."),
    "align": ("align", "Predict the two coalitions (landscape theory) under the baseline and each variant."),
    "report": ("report", "Write one self-contained HTML report (plots inline; no network needed to view it)."),
    "serve": ("serve", "Serve the browser app: edit scenarios, run forecasts and simulations, compare, "
                       "download."),
    "scenario": ("scenarios", "Check and convert scenario files."),
    "runs": ("runs", "List, show, compare and export stored runs."),
    "backtest": ("backtest", "Score every model against realised outcomes (MAE, RMSE, hits, CRPS, coverage, "
                             "bootstrap vs the weighted mean)."),
    "ledger": ("ledger", "Record dated forecasts, grade them against outcomes, and check nobody edited them."),
    "compile": ("compile", "Compile the models' numba kernels now (once after install; later runs load them from "
                           "disk)."),
    "power": ("power", "Voting power of each member: Shapley–Shubik (ssi) and normalized Penrose–Banzhaf "
                       "(banzhaf) indices."),
}


def load_command(name: str) -> None:
    """Import the module that registers command ``name`` on the app."""
    importlib.import_module(f"{__name__}.{COMMANDS[name][0]}")


def load_all() -> Any:
    """Import every command module; returns the complete typer app."""
    for name in COMMANDS:
        load_command(name)
    from .app import app

    return app


def main() -> None:
    """Console entry point: import only the command asked for (all of them for an unknown one)."""
    from .app import help_app, run

    args = sys.argv[1:]
    if not args or args[0] in ("--help", "-h"):
        run(help_app(COMMANDS), notes=False)
    elif args[0] in COMMANDS:
        load_command(args[0])
        from .app import app

        run(app)
    else:
        run(load_all())


def entry() -> None:
    """The ``stakes`` program (console script and ``python -m stakes``): :func:`main`, then a quick exit. At
    exit the interpreter's last collections would walk every object the libraries made (numba, pandas, SciPy:
    ~0.5 s after the answer); frozen (:func:`gc.freeze`) they are left to the operating system, while exit
    handlers still run and files are still flushed and closed. Not in :func:`main`, which tests call in-process."""
    try:
        main()
    finally:
        gc.freeze()


def __getattr__(name: str) -> Any:
    if name == "app":  # ``from stakes.cli import app``: the app with every command registered
        return load_all()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Importing the submodule ``app`` binds it on this package; drop that binding so ``app`` is the typer app above.
importlib.import_module(f"{__name__}.app")
del globals()["app"]
__all__ = ["COMMANDS", "load_all", "main"]
