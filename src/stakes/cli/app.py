"""The typer application and the error boundary shared by every command."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import typer
    from rich.console import Console
    from rich.markup import escape
except ImportError:  # pragma: no cover - exercised only without the extra
    sys.stderr.write("the stakes command line needs its extra: pip install 'stakes[cli]'\n")
    raise SystemExit(2) from None

from ..errors import ScenarioError, StakesError
from ..scenario import Scenario

app = typer.Typer(
    name="stakes",
    help="Forecast multi-actor negotiations and alliances.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output is read by people too: do not squeeze tables into 80 columns when there is no terminal.
_PIPE_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
# emoji=False: text such as "root:x:0:0" must print literally, not as the ":x:" emoji.
console = Console(width=_PIPE_WIDTH, emoji=False)
err_console = Console(stderr=True, width=_PIPE_WIDTH, emoji=False)

SCENARIO_HELP = ("Scenario file (.yaml, .csv, .xlsx, KTAB or Decide CSV) or a built-in name; "
                 "default: the built-in seed scenario.")

DB_HELP = "Run store (SQLAlchemy URL or SQLite path); default: $STAKES_DB or the per-user file; 'off' = none."


MAX_INPUT_HELP = ("Largest scenario file read, in MB (default: $STAKES_MAX_INPUT_MB or 25); an .xlsx may expand "
                  "to 4 times that.")


def max_input_option() -> Any:
    return typer.Option("--max-input-mb", help=MAX_INPUT_HELP, min=0.001)


def load(scenario: str | None, max_input_mb: float | None = None) -> Scenario:
    """A scenario from a path or a built-in name (None = the default built-in); its warnings go to stderr.

    ``max_input_mb``: the input limit (default ``$STAKES_MAX_INPUT_MB`` or 25 MB)."""
    from ..io import max_input_bytes, read_scenario
    from ..scenarios import DEFAULT, builtin_names, builtin_scenario

    if scenario is None:
        return builtin_scenario(DEFAULT)
    if scenario in builtin_names() and not Path(scenario).exists():
        return builtin_scenario(scenario)
    loaded = read_scenario(scenario, max_bytes=max_input_bytes(max_input_mb))
    for message in loaded.warnings:
        err_console.print(f"warning: {message}", style="yellow", highlight=False, markup=False, soft_wrap=True)
    return loaded.scenario


@contextlib.contextmanager
def located(scenario: str | None) -> Iterator[None]:
    """Name the scenario file in a ScenarioError raised inside (checks after loading do not know it)."""
    try:
        yield
    except ScenarioError as exc:
        if exc.file is None and scenario is not None and Path(scenario).exists():
            exc.file = scenario
        raise


def fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    raise SystemExit(2)


def warn(message: str) -> None:
    """A warning on stderr, printed literally."""
    err_console.print(f"warning: {message}", style="yellow", highlight=False, markup=False, soft_wrap=True)


def main() -> None:
    """Console entry point: run the app, turning StakesError into a message and exit status 2."""
    try:
        app()
    except StakesError as exc:
        err_console.print(f"error: {exc}", style="bold red", highlight=False, markup=False, soft_wrap=True)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        err_console.print("interrupted", style="yellow")
        raise SystemExit(130) from None
