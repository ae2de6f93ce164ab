"""The typer application and the error boundary shared by every command.

Start-up matters here: this module imports typer and nothing heavy. The rich consoles are made on first use
(``from .app import console`` in a command module creates them) and help is plain click text, which is
several times faster to produce than rich's panels.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    import typer
except ImportError:  # pragma: no cover - exercised only without the extra
    sys.stderr.write("the stakes command line needs its extra: pip install 'stakes[cli]'\n")
    raise SystemExit(2) from None

from ..errors import ScenarioError, StakesError

if TYPE_CHECKING:
    from rich.console import Console

    from ..scenario import Scenario

_SETTINGS: dict[str, Any] = {"no_args_is_help": True, "add_completion": False, "pretty_exceptions_enable": False,
                             "rich_markup_mode": None,
                             "context_settings": {"max_content_width": 120}}
app = typer.Typer(name="stakes", help="Forecast multi-actor negotiations and alliances.", **_SETTINGS)


@app.callback()
def _root() -> None:
    """A group even when only one command module is loaded (``stakes CMD`` loads just CMD's)."""

SCENARIO_HELP = ("Scenario file (.yaml, .csv, .xlsx, KTAB or Decide CSV) or a built-in name; "
                 "default: the built-in seed scenario.")

DB_HELP = "Run store (SQLAlchemy URL or SQLite path); default: $STAKES_DB or the per-user file; 'off' = none."

_consoles: dict[str, Console] = {}


def get_console(stderr: bool = False) -> Console:
    """The shared rich console for stdout (or stderr), made on first use."""
    key = "err_console" if stderr else "console"
    if key not in _consoles:
        from rich.console import Console

        # Piped output is read by people too: do not squeeze tables into 80 columns when there is no terminal.
        width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
        # emoji=False: text such as "root:x:0:0" must print literally, not as the ":x:" emoji.
        _consoles[key] = Console(stderr=stderr, width=width, emoji=False)
    return _consoles[key]


def __getattr__(name: str) -> Any:
    if name in ("console", "err_console"):
        return get_console(stderr=name == "err_console")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def help_app(commands: dict[str, tuple[str, str]]) -> typer.Typer:
    """An app whose commands are placeholders with the real commands' help: ``stakes --help`` imports none."""
    listing = typer.Typer(name="stakes", help=app.info.help, **_SETTINGS)
    for name, (_module, short_help) in commands.items():
        listing.command(name, help=short_help)(lambda: None)
    return listing


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
        get_console(stderr=True).print(f"warning: {message}", style="yellow", highlight=False, markup=False,
                                       soft_wrap=True)
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
    from rich.markup import escape

    get_console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True,
                                   soft_wrap=True)
    raise SystemExit(2)


def warn(message: str) -> None:
    """A warning on stderr, printed literally."""
    get_console(stderr=True).print(f"warning: {message}", style="yellow", highlight=False, markup=False,
                                   soft_wrap=True)


def show_notes() -> None:
    """Print the core's ``stakes`` log lines (e.g. "compiling the BDM kernel") as notes on the current stderr."""
    import logging

    class NoteHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            sys.stderr.write(f"note: {record.getMessage()}\n")
            sys.stderr.flush()

    logger = logging.getLogger("stakes")
    if not any(type(h).__name__ == "NoteHandler" for h in logger.handlers):
        logger.addHandler(NoteHandler())
        logger.setLevel(logging.INFO)


def run(application: typer.Typer, notes: bool = True) -> None:
    """Run ``application``, turning StakesError into a message and exit status 2."""
    if notes:
        show_notes()
    try:
        application()
    except StakesError as exc:
        get_console(stderr=True).print(f"error: {exc}", style="bold red", highlight=False, markup=False,
                                       soft_wrap=True)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        get_console(stderr=True).print("interrupted", style="yellow")
        raise SystemExit(130) from None

