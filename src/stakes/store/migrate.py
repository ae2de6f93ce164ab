"""Bring a store's schema to the newest revision with the Alembic scripts shipped in the package."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "stakes_alembic_version"
_LOCK = threading.Lock()  # Alembic's `context` proxy is process-global: one migration at a time per process


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (a no-op when it is there already).

    A store written by a newer ``stakes`` (a revision these scripts do not know) is refused rather than
    guessed at. Two processes opening a fresh store at once may race; the loser re-checks and moves on.
    """
    with _LOCK:
        _upgrade(engine, revision)


def _upgrade(engine: Engine, revision: str) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    target = script.get_current_head() if revision == "head" else revision
    for attempt in range(2):
        current = current_revision(engine)
        if current == target:
            return
        if current is not None and current not in {s.revision for s in script.walk_revisions()}:
            raise StoreError(
                f"the store at {_shown(engine)} has schema revision '{current}', which this version of stakes "
                "does not know; it was written by a newer stakes — upgrade stakes to open it"
            )
        try:
            with engine.begin() as conn:
                cfg = alembic_config(engine)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, target)
            return
        except SQLAlchemyError as exc:
            if attempt == 1:
                raise StoreError(f"cannot create or upgrade the store at {_shown(engine)}: {exc}") from None


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
