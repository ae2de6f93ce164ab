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

from .api import Recording, RunStore, StoredRun, scenario_text
from .errors import FrameError, StoreError
from .frames import decode_frame, encode_frame
from .migrate import head_revision
from .paths import default_db_path, recording_disabled, resolve_db_url
from .record import (
    record_alignment,
    record_forecast,
    record_result,
    record_sensitivity,
    record_simulation,
    recorded,
    resolved_parameters,
)

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
