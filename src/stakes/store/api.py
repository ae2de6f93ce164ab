"""``RunStore``: record runs and read them back as DataFrames.

>>> store = RunStore()                      # the per-user SQLite file (or $STAKES_DB)
>>> with store.recording("forecast", scenario, models=["bdm"]) as rec:
...     rec.add("forecast", result.frame())  # buffered; written with the run's end, in one transaction
>>> store.list()                            # id, kind, scenario, title, seed, version, status, times
>>> store.table(run_id, "forecast")

Writes are transactional: a run is inserted as ``running`` when it starts; its result tables and the
``finished`` status are written together in one transaction at the end; an exception marks it ``failed``
with the error (and writes no results). A process killed mid-run leaves a ``running`` row, which the next
opening of the store on the same host marks ``failed`` once the process is gone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ..scenario import Scenario
from .frames import decode_frame, encode_frame
from .migrate import StoreError, upgrade
from .paths import resolve_db_url
from .rows import insert_rows
from .schema import KINDS, ResultRow, ResultTable, Run

LIST_COLUMNS = ["id", "kind", "scenario", "title", "seed", "version", "status", "started", "finished",
                "label", "models", "variants"]


def scenario_text(scenario: Scenario) -> tuple[str, str]:
    """The scenario's canonical YAML and its SHA-256."""
    from ..io.yaml_io import dump_yaml

    text = dump_yaml(scenario)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Recording:
    """A run being recorded: add result tables; they are written when the ``with`` block ends."""

    run_id: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, frame: pd.DataFrame) -> None:
        if not name or len(name) > 80:
            raise StoreError(f"a result table needs a name of 1–80 characters, got {name!r}")
        self.tables[name] = frame


@dataclass(frozen=True)
class StoredRun:
    """A run's metadata as stored (its tables: :meth:`RunStore.tables`)."""

    id: int
    kind: str
    status: str
    scenario_id: str
    scenario_title: str
    scenario_hash: str
    scenario_yaml: str
    variants: list[str]
    models: list[str]
    parameters: dict[str, Any]
    options: dict[str, Any]
    seed: int | None
    stakes_version: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None
    label: str | None
    host: str | None
    pid: int | None
    table_names: tuple[str, ...] = ()

    def scenario(self) -> Scenario:
        from ..io.yaml_io import loads_yaml

        return loads_yaml(self.scenario_yaml, file=f"<run {self.id}>")


class RunStore:
    """A store of runs at any SQLAlchemy URL (default: see :func:`stakes.store.paths.resolve_db_url`)."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = resolve_db_url(url)
        self.engine = _make_engine(self.url)
        self.shown_url = self.engine.url.render_as_string(hide_password=True)
        if migrate:
            try:
                upgrade(self.engine)
            except SQLAlchemyError as exc:
                raise StoreError(f"cannot open the store at {self.shown_url}: {_short(exc)}") from None
            self.reap_stale()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def recording(
        self,
        kind: str,
        scenario: Scenario,
        *,
        variants: Sequence[str] = (),
        models: Sequence[str] = (),
        parameters: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
        seed: int | None = None,
        label: str | None = None,
    ) -> Iterator[Recording]:
        """Record a run: ``running`` now; ``finished`` with its tables, or ``failed``, when the block ends."""
        if kind not in KINDS:
            raise StoreError(f"unknown run kind '{kind}' (expected one of {', '.join(KINDS)})")
        text, digest = scenario_text(scenario)
        from .. import __version__

        values = dict(
            kind=kind, status="running", scenario_id=scenario.id, scenario_title=scenario.title,
            scenario_hash=digest, scenario_yaml=text, variants=list(variants), models=list(models),
            parameters=_jsonable(dict(parameters or {})), options=_jsonable(dict(options or {})),
            seed=seed, stakes_version=__version__, started_at=_now(), label=label,
            host=socket.gethostname()[:255], pid=os.getpid(),
        )
        with self._write() as conn:
            run_id = int(conn.execute(insert(Run).values(**values).returning(Run.id)).scalar_one())
        rec = Recording(run_id)
        try:
            yield rec
        except BaseException as exc:
            self._mark_failed(run_id, exc)
            raise
        try:
            self._finish(run_id, rec)
        except BaseException as exc:
            self._mark_failed(run_id, exc)
            if isinstance(exc, SQLAlchemyError):
                raise StoreError(f"cannot write run {run_id} to {self.shown_url}: {_short(exc)}") from None
            raise

    def record(self, kind: str, scenario: Scenario, tables: Mapping[str, pd.DataFrame], **meta: Any) -> int:
        """Record a finished run in one go; returns its id. ``meta``: see :meth:`recording`."""
        with self.recording(kind, scenario, **meta) as rec:
            for name, frame in tables.items():
                rec.add(name, frame)
        return rec.run_id

    def _finish(self, run_id: int, rec: Recording) -> None:
        encoded = [(name, *encode_frame(frame)) for name, frame in rec.tables.items()]
        with self._write() as conn:
            for pos, (name, columns, rows) in enumerate(encoded):
                conn.execute(insert(ResultTable).values(run_id=run_id, name=name, position=pos,
                                                        columns=columns, n_rows=len(rows)))
                if rows:
                    insert_rows(conn, run_id, name, rows)
            values: dict[str, Any] = {"status": "finished", "finished_at": _now()}
            if rec.options:
                old = conn.execute(select(Run.options).where(Run.id == run_id)).scalar_one()
                values["options"] = {**(old or {}), **_jsonable(rec.options)}
            conn.execute(update(Run).where(Run.id == run_id).values(**values))

    def _mark_failed(self, run_id: int, exc: BaseException) -> None:
        message = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
        with self._write() as conn:
            conn.execute(delete(ResultRow).where(ResultRow.run_id == run_id))
            conn.execute(delete(ResultTable).where(ResultTable.run_id == run_id))
            conn.execute(update(Run).where(Run.id == run_id).values(
                status="failed", finished_at=_now(), error=message[:4000]))

    def reap_stale(self) -> list[int]:
        """Mark ``failed`` the runs left ``running`` by a process of this host that no longer exists."""
        host = socket.gethostname()[:255]
        with self._read() as conn:
            rows = conn.execute(select(Run.id, Run.pid).where(Run.status == "running", Run.host == host)).all()
        dead = [rid for rid, pid in rows if pid is not None and not _alive(pid)]
        if dead:
            with self._write() as conn:
                conn.execute(update(Run).where(Run.id.in_(dead), Run.status == "running").values(
                    status="failed", finished_at=_now(),
                    error="interrupted: the process that ran it ended before the run finished"))
        return dead

    def delete(self, run_id: int) -> None:
        self.get(run_id)
        with self._write() as conn:
            conn.execute(delete(ResultRow).where(ResultRow.run_id == run_id))
            conn.execute(delete(ResultTable).where(ResultTable.run_id == run_id))
            conn.execute(delete(Run).where(Run.id == run_id))

    # -- reading -------------------------------------------------------------------------------------
    def list(self, *, limit: int | None = None, kind: str | None = None, status: str | None = None,
             scenario_hash: str | None = None) -> pd.DataFrame:
        """One row per run, newest first: ``id, kind, scenario, title, seed, version, status, started, ...``."""
        query = select(Run).order_by(Run.id.desc())
        if kind:
            query = query.where(Run.kind == kind)
        if status:
            query = query.where(Run.status == status)
        if scenario_hash:
            query = query.where(Run.scenario_hash == scenario_hash)
        if limit:
            query = query.limit(limit)
        with self._read() as conn:
            runs = conn.execute(query).all()
        rows = [{
            "id": r.id, "kind": r.kind, "scenario": r.scenario_id, "title": r.scenario_title, "seed": r.seed,
            "version": r.stakes_version, "status": r.status, "started": _utc(r.started_at),
            "finished": _utc(r.finished_at), "label": r.label, "models": ",".join(r.models or []),
            "variants": ",".join(r.variants or []),
        } for r in runs]
        frame = pd.DataFrame(rows, columns=LIST_COLUMNS)
        for col in ("started", "finished"):
            frame[col] = pd.to_datetime(frame[col], utc=True)
        return frame.astype({"id": "int64"})

    def get(self, run_id: int) -> StoredRun:
        with self._read() as conn:
            r = conn.execute(select(Run).where(Run.id == run_id)).first()
            if r is None:
                raise StoreError(f"no run with id {run_id} in the store at {self.shown_url}")
            names = conn.execute(select(ResultTable.name).where(ResultTable.run_id == run_id)
                                 .order_by(ResultTable.position)).scalars().all()
        return StoredRun(
            id=r.id, kind=r.kind, status=r.status, scenario_id=r.scenario_id, scenario_title=r.scenario_title,
            scenario_hash=r.scenario_hash, scenario_yaml=r.scenario_yaml, variants=list(r.variants or []),
            models=list(r.models or []), parameters=dict(r.parameters or {}), options=dict(r.options or {}),
            seed=r.seed, stakes_version=r.stakes_version, started_at=_utc(r.started_at),  # type: ignore[arg-type]
            finished_at=_utc(r.finished_at), error=r.error, label=r.label, host=r.host, pid=r.pid,
            table_names=tuple(names),
        )

    def show(self, run_id: int) -> pd.DataFrame:
        """The run's metadata as ``field, value`` rows (its tables are listed as ``table:<name>`` rows)."""
        run = self.get(run_id)
        fields: list[tuple[str, Any]] = [
            ("id", run.id), ("kind", run.kind), ("status", run.status), ("label", run.label),
            ("scenario", run.scenario_id), ("title", run.scenario_title), ("scenario_sha256", run.scenario_hash),
            ("variants", ", ".join(run.variants)), ("models", ", ".join(run.models)),
            ("parameters", run.parameters), ("options", run.options), ("seed", run.seed),
            ("version", run.stakes_version), ("started", run.started_at), ("finished", run.finished_at),
            ("host", run.host), ("pid", run.pid), ("error", run.error),
        ]
        counts = self._table_counts(run_id)
        fields += [(f"table:{name}", f"{counts[name]} rows") for name in run.table_names]
        return pd.DataFrame(fields, columns=["field", "value"])

    def _table_counts(self, run_id: int) -> dict[str, int]:
        with self._read() as conn:
            return dict(conn.execute(select(ResultTable.name, ResultTable.n_rows)
                                     .where(ResultTable.run_id == run_id)).all())

    def table(self, run_id: int, name: str) -> pd.DataFrame:
        """One result table of a run, as it was recorded."""
        with self._read() as conn:
            spec = conn.execute(select(ResultTable.columns).where(
                ResultTable.run_id == run_id, ResultTable.name == name)).scalar_one_or_none()
            if spec is None:
                run = self.get(run_id)
                known = ", ".join(run.table_names) or "none"
                raise StoreError(f"run {run_id} has no result table '{name}' (it has: {known})")
            data = conn.execute(select(ResultRow.data).where(
                ResultRow.run_id == run_id, ResultRow.table_name == name).order_by(ResultRow.row_no)).scalars()
            return decode_frame(spec, list(data))

    def tables(self, run_id: int) -> dict[str, pd.DataFrame]:
        return {name: self.table(run_id, name) for name in self.get(run_id).table_names}

    def diff(self, a: int, b: int) -> pd.DataFrame:
        """What differs between two runs (metadata and results): see :func:`stakes.store.diff.diff_runs`."""
        from .diff import diff_runs

        return diff_runs(self.get(a), self.get(b), self.tables(a), self.tables(b))

    def export(self, run_id: int, table: str | None = None) -> pd.DataFrame:
        """All result tables of a run stacked, with leading ``run_id`` and ``table`` columns."""
        run = self.get(run_id)
        names = [table] if table else list(run.table_names)
        frames = []
        for name in names:
            frame = self.table(run_id, name).reset_index(drop=True)
            frame.insert(0, "table", name)
            frame.insert(0, "run_id", run_id)
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["run_id", "table"])
        return pd.concat(frames, ignore_index=True, sort=False)

    # -- connections ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _write(self) -> Iterator[Any]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot write to the store at {self.shown_url}: {_short(exc)}") from None

    @contextlib.contextmanager
    def _read(self) -> Iterator[Any]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the store at {self.shown_url}: {_short(exc)}") from None

    def count(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(Run)).scalar_one())


def _make_engine(url: str) -> Engine:
    try:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                from pathlib import Path

                Path(path).parent.mkdir(parents=True, exist_ok=True)
            if path in ("", ":memory:"):
                from sqlalchemy.pool import StaticPool

                engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
            else:
                engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise StoreError(f"not a usable database URL '{url}': {exc}",) from None
    except OSError as exc:
        raise StoreError(f"cannot create the folder of the store '{url}': {exc}") from None


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _jsonable(value: Any) -> Any:
    """Plain JSON data (numpy scalars and tuples converted; anything else as its string)."""
    import json

    return json.loads(json.dumps(value, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0][:300] if text else type(exc).__name__
