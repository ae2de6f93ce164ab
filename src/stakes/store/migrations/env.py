"""Alembic environment of the run store; run programmatically by :func:`stakes.store.migrate.upgrade`.

The connection comes in ``config.attributes["connection"]``; the version table is
``stakes_alembic_version`` so a store can live in a database that other Alembic projects also use.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from stakes.store.schema import Base

VERSION_TABLE = "stakes_alembic_version"

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
