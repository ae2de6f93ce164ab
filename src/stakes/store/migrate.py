"""Bring a store's schema to the newest revision with the Alembic scripts shipped in the package."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from .errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "stakes_alembic_version"
HEAD = "0003"
"""The newest revision of the scripts in ``migrations/versions`` (a test holds it equal to Alembic's head). A
store already at it opens without importing Alembic (~0.25 s of every recorded command)."""
_LOCK = threading.Lock()  # Alembic's `context` proxy is process-global: one migration at a time per process


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return current_revision_on(conn)


def current_revision_on(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def _transactional_sqlite(engine: Engine) -> Engine:
    """An engine on the same SQLite file whose transactions start with ``BEGIN IMMEDIATE``.

    pysqlite does not put DDL inside a transaction by default; this makes a whole migration one write
    transaction, so a second process opening a fresh store waits (busy timeout) instead of seeing half of it.
    """
    from sqlalchemy import create_engine, event

    mig = create_engine(engine.url, connect_args={"timeout": 60}, poolclass=NullPool)

    @event.listens_for(mig, "connect")
    def _connect(dbapi_conn, _rec):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None

    @event.listens_for(mig, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return mig


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (a no-op when it is there already).

    A store written by a newer ``stakes`` (a revision these scripts do not know) is refused rather than
    guessed at. Two processes opening a fresh store at once may race; the loser re-checks and moves on.
    """
    if revision in ("head", HEAD) and _stamped(engine) == HEAD:
        return
    with _LOCK:
        _upgrade(engine, revision)


def _stamped(engine: Engine) -> str | None:
    """The revision stamped in the store's version table, read with one query (None when there is none yet, or
    the table cannot be read: Alembic's path then decides)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    except SQLAlchemyError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def _upgrade(engine: Engine, revision: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

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
        migrator = _transactional_sqlite(engine) if engine.dialect.name == "sqlite" else engine
        try:
            with migrator.begin() as conn:
                if current_revision_on(conn) == target:  # another process finished it while we waited
                    return
                cfg = alembic_config(engine)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, target)
            return
        except SQLAlchemyError as exc:
            if attempt == 1:
                raise StoreError(f"cannot create or upgrade the store at {_shown(engine)}: {exc}") from None


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
