"""Where the run store lives: ``--db URL`` > ``$STAKES_DB`` > a per-user SQLite file.

The per-user file follows the XDG base directories on Linux (``$XDG_DATA_HOME/stakes/runs.db``, else
``~/.local/share/stakes/runs.db``), ``~/Library/Application Support/stakes/runs.db`` on macOS and
``%LOCALAPPDATA%\\stakes\\runs.db`` on Windows. A value without ``://`` is a path to a SQLite file.
``STAKES_DB=off`` (or ``none``) turns recording off for the ``record_*`` helpers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV = "STAKES_DB"
OFF = ("off", "none", "no", "0", "false")


def default_db_path() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        base = Path(xdg)
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path.home() / ".local" / "share"
    return base / "stakes" / "runs.db"


def recording_disabled(db: str | None = None) -> bool:
    value = db if db is not None else os.environ.get(ENV, "")
    return value.strip().lower() in OFF


def resolve_db_url(db: str | None = None) -> str:
    """The SQLAlchemy URL of the store: ``db`` if given, else ``$STAKES_DB``, else the per-user file."""
    value = (db or os.environ.get(ENV) or "").strip()
    if not value or value.lower() in OFF:
        return sqlite_url(default_db_path())
    if "://" in value:
        return value
    return sqlite_url(Path(value).expanduser())


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"
