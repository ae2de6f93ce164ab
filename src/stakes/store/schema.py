"""The tables of the run store (SQLAlchemy 2.0 declarative), at the newest schema revision.

Three tables, all prefixed ``stakes_`` so a store can share a server database with other applications:

* ``stakes_runs`` — one row per run: what ran (kind, scenario text and hash, variants, models, parameters,
  seed, options), with which ``stakes`` version, when, where (host, pid), and how it ended (status, error).
* ``stakes_result_tables`` — one row per result table of a run: its name, order and column spec
  (:mod:`stakes.store.frames`).
* ``stakes_results`` — the long rows: ``(run_id, table_name, row_no, data)`` with ``data`` one JSON object
  per DataFrame row.

The forecast ledger (revision 0003, :mod:`stakes.store.ledger`) adds ``stakes_ledger_scenarios`` (scenario
texts by hash), ``stakes_ledger_entries`` (the hash chain; never updated) and ``stakes_ledger_grades`` (one
re-computable grade per entry).

The migrations in ``migrations/versions`` build exactly these tables; a test checks that they agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

KINDS = ("forecast", "simulation", "sensitivity", "alignment")
STATUSES = ("running", "finished", "failed")


class Base(DeclarativeBase):
    pass


class Run(Base):
    __tablename__ = "stakes_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    scenario_id: Mapped[str] = mapped_column(String(80))
    scenario_title: Mapped[str] = mapped_column(Text)
    scenario_hash: Mapped[str] = mapped_column(String(64))
    scenario_yaml: Mapped[str] = mapped_column(Text)
    variants: Mapped[Any] = mapped_column(JSON)
    models: Mapped[Any] = mapped_column(JSON)
    parameters: Mapped[Any] = mapped_column(JSON)
    options: Mapped[Any] = mapped_column(JSON)
    seed: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    stakes_version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # revision 0002
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (Index("ix_stakes_runs_scenario_hash", "scenario_hash"),)


class ResultTable(Base):
    __tablename__ = "stakes_result_tables"

    run_id: Mapped[int] = mapped_column(ForeignKey("stakes_runs.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    columns: Mapped[Any] = mapped_column(JSON)
    n_rows: Mapped[int] = mapped_column(Integer)


class ResultRow(Base):
    __tablename__ = "stakes_results"

    run_id: Mapped[int] = mapped_column(ForeignKey("stakes_runs.id", ondelete="CASCADE"), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[Any] = mapped_column(JSON)


# -- the forecast ledger (revision 0003) ---------------------------------------------------------------------
class LedgerScenario(Base):
    """A scenario an entry was made with, by the SHA-256 of its canonical YAML (content-addressed)."""

    __tablename__ = "stakes_ledger_scenarios"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(80))
    yaml: Mapped[str] = mapped_column(Text)


class LedgerEntry(Base):
    """One recorded forecast. ``id`` is its place in the chain (1, 2, ...); ``content`` is the canonical JSON
    that ``hash`` covers with ``prev_hash``; the other columns repeat content fields for queries (checked
    against it by ``stakes ledger verify``). Rows are only ever inserted."""

    __tablename__ = "stakes_ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[str] = mapped_column(Text)
    batch: Mapped[int] = mapped_column(Integer, index=True)
    scenario_id: Mapped[str] = mapped_column(String(80), index=True)
    scenario_hash: Mapped[str] = mapped_column(ForeignKey("stakes_ledger_scenarios.sha256"))
    variant: Mapped[str] = mapped_column(String(80))
    issue: Mapped[str] = mapped_column(String(80))
    model: Mapped[str] = mapped_column(String(80))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LedgerGrade(Base):
    """The grade of an entry against a realised outcome (replaced when the entry is graded again)."""

    __tablename__ = "stakes_ledger_grades"

    entry_id: Mapped[int] = mapped_column(ForeignKey("stakes_ledger_entries.id"), primary_key=True)
    outcome: Mapped[float] = mapped_column(Float)
    outcome_date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    error: Mapped[float] = mapped_column(Float)
    crps: Mapped[float] = mapped_column(Float)
    cover50: Mapped[bool] = mapped_column(Boolean)
    cover90: Mapped[bool] = mapped_column(Boolean)
    retrospective: Mapped[bool] = mapped_column(Boolean)
    distribution: Mapped[str] = mapped_column(String(16))
    graded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
