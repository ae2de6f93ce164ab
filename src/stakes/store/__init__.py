"""Stored, reproducible runs: SQLite by default, any SQLAlchemy URL for a server database.

>>> from stakes.store import RunStore, record_forecast
>>> run_id = record_forecast(forecast(scenario))      # into $STAKES_DB or the per-user SQLite file
>>> RunStore().list()                                 # DataFrame: id, kind, scenario, title, seed, version, ...
>>> RunStore().table(run_id, "forecast")

The schema is migrated with Alembic (scripts in ``migrations/``) each time a store is opened, so a store
written by an older ``stakes`` opens with a newer one. Needs the ``store`` extra (sqlalchemy, alembic,
psycopg for PostgreSQL).
"""

from __future__ import annotations

import importlib
from typing import Any

from .paths import default_db_path, recording_disabled, resolve_db_url

# Imported on first use: sqlalchemy and alembic cost a second of start-up, and recording may be off.
_LAZY = {"Recording": "api", "RunStore": "api", "StoredRun": "api", "scenario_text": "api",
         "FrameError": "errors", "StoreError": "errors", "decode_frame": "frames", "encode_frame": "frames",
         "head_revision": "migrate", "record_alignment": "record", "record_forecast": "record",
         "record_result": "record", "record_sensitivity": "record", "record_simulation": "record",
         "recorded": "record", "resolved_parameters": "record"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "FrameError",
    "Recording",
    "RunStore",
    "StoreError",
    "StoredRun",
    "decode_frame",
    "default_db_path",
    "encode_frame",
    "head_revision",
    "record_alignment",
    "record_forecast",
    "record_result",
    "record_sensitivity",
    "record_simulation",
    "recorded",
    "recording_disabled",
    "resolve_db_url",
    "resolved_parameters",
    "scenario_text",
]
