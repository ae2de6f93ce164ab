"""The forecast ledger in the run store: append hash-chained entries, verify them, store their grades.

>>> ledger = LedgerStore(RunStore(url))
>>> ids = ledger.append(forecast_entries(forecast(scenario)))   # one transaction for the whole batch
>>> ledger.verify().ok
>>> ledger.save_grades(grades)                                   # replaces earlier grades of those entries

Entries are only inserted. The chain stays linear under concurrent writers: an entry's ``id`` is its
place in the chain and ``prev_hash`` is unique, so a writer that raced another one fails on the constraint,
re-reads the head and tries again. Hashing and grading live in :mod:`stakes.ledger`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, text

from ..ledger.chain import (
    GENESIS,
    ChainCheck,
    ChainLink,
    LedgerError,
    canonical_json,
    check_chain,
    entry_hash,
    text_sha256,
)
from ..ledger.entries import NewEntries
from .api import RunStore, _utc
from .errors import StoreError
from .schema import LedgerEntry, LedgerGrade, LedgerScenario

APPEND_LOCK = 0x5354414B  # "STAK": PostgreSQL advisory lock key held while a transaction appends to the chain

# content fields repeated as columns, checked against the content by verify()
MIRRORED = ("scenario_id", "scenario_hash", "variant", "issue", "model", "value", "recorded_at")


@dataclass(frozen=True)
class StoredEntry:
    id: int
    prev_hash: str
    hash: str
    batch: int
    content: dict[str, Any]
    grade: dict[str, Any] | None = None


class LedgerStore:
    """The ledger tables of a :class:`~stakes.store.RunStore` (same engine, same migrations)."""

    def __init__(self, store: RunStore) -> None:
        self.store = store

    # -- writing -------------------------------------------------------------------------------------
    def append(self, new: NewEntries, attempts: int = 5) -> list[int]:
        """Append the entries in one transaction; returns their ids."""
        if not new.contents:
            raise LedgerError("nothing to record")
        for attempt in range(attempts):
            try:
                return self._append(new)
            except StoreError as exc:
                if "UNIQUE" not in str(exc).upper() or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _append(self, new: NewEntries) -> list[int]:
        with self.store._write() as conn:
            # one appender at a time: the head read below decides the ids
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
            elif conn.dialect.name == "sqlite":  # take the write lock before reading (pysqlite would BEGIN deferred
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # at the first INSERT, after the head was read)
            known = conn.execute(select(LedgerScenario.sha256).where(
                LedgerScenario.sha256 == new.scenario_sha256)).first()
            if known is None:  # a writer racing us on the same scenario fails on the key and retries
                conn.execute(insert(LedgerScenario).values(
                    sha256=new.scenario_sha256, scenario_id=new.contents[0]["scenario"], yaml=new.scenario_yaml))
            head = conn.execute(select(LedgerEntry.id, LedgerEntry.hash).order_by(LedgerEntry.id.desc())
                                .limit(1)).first()
            next_id, prev = (1, GENESIS) if head is None else (head.id + 1, head.hash)
            batch = next_id
            rows = []
            for content in new.contents:
                digest = entry_hash(content, prev)
                rows.append({"id": next_id, "prev_hash": prev, "hash": digest, "content": canonical_json(content),
                             "batch": batch, **_mirror(content)})
                prev, next_id = digest, next_id + 1
            conn.execute(insert(LedgerEntry), rows)
        return [r["id"] for r in rows]

    def save_grades(self, grades: Sequence[dict[str, Any]], clear: Sequence[int] = ()) -> None:
        """Store ``grades`` (replacing earlier grades of the same entries) and drop the grades of ``clear``."""
        now = dt.datetime.now(dt.UTC)
        ids = sorted({int(g["entry"]) for g in grades} | {int(i) for i in clear})
        with self.store._write() as conn:
            if ids:
                conn.execute(delete(LedgerGrade).where(LedgerGrade.entry_id.in_(ids)))
            if grades:
                conn.execute(insert(LedgerGrade), [{
                    "entry_id": g["entry"], "outcome": g["outcome"],
                    "outcome_date": dt.date.fromisoformat(g["outcome_date"]), "source": g["source"],
                    "error": g["error"], "crps": g["crps"], "cover50": g["cover50"], "cover90": g["cover90"],
                    "retrospective": g["retrospective"], "distribution": g["distribution"], "graded_at": now,
                } for g in grades])

    # -- reading -------------------------------------------------------------------------------------
    def count(self) -> int:
        with self.store._read() as conn:
            return int(conn.execute(select(func.count()).select_from(LedgerEntry)).scalar_one())

    def entries(self, *, scenario: str | None = None, limit: int | None = None,
                newest_first: bool = False) -> list[StoredEntry]:
        """Entries (with their grade, if any), in chain order unless ``newest_first``."""
        query = _with_grades()
        if scenario:
            query = query.where(LedgerEntry.scenario_id == scenario)
        query = query.order_by(LedgerEntry.id.desc() if newest_first else LedgerEntry.id)
        if limit:
            query = query.limit(limit)
        with self.store._read() as conn:
            rows = conn.execute(query).all()
        return [_stored(r) for r in rows]

    def get(self, entry_id: int) -> StoredEntry:
        with self.store._read() as conn:
            row = conn.execute(_with_grades().where(LedgerEntry.id == entry_id)).first()
        if row is None:
            raise LedgerError(f"no ledger entry with id {entry_id} in the store at {self.store.shown_url}")
        return _stored(row)

    def scenario_yaml(self, sha256: str) -> str | None:
        with self.store._read() as conn:
            return conn.execute(select(LedgerScenario.yaml).where(LedgerScenario.sha256 == sha256)).scalar()

    def scenarios(self) -> dict[str, list[Any]]:
        """Every recorded scenario version, parsed, by scenario id."""
        from ..io.yaml_io import loads_yaml

        with self.store._read() as conn:
            rows = conn.execute(select(LedgerScenario).order_by(LedgerScenario.scenario_id)).all()
        out: dict[str, list[Any]] = {}
        for r in rows:
            out.setdefault(r.scenario_id, []).append(loads_yaml(r.yaml, file=f"<ledger scenario {r.sha256[:12]}>"))
        return out

    def links(self) -> Iterator[tuple[ChainLink, Any]]:
        """Each entry as a chain link, with its row (or the reason its content cannot be read)."""
        with self.store._read() as conn:
            rows = conn.execute(select(LedgerEntry).order_by(LedgerEntry.id)).all()
        for r in rows:
            try:
                content = json.loads(r.content)
            except ValueError as exc:
                yield ChainLink(r.id, r.prev_hash, r.hash, {}), f"its content is not JSON any more ({exc})"
                continue
            yield ChainLink(r.id, r.prev_hash, r.hash, content), r

    # -- checking ------------------------------------------------------------------------------------
    def verify(self) -> ChainCheck:
        """The chain re-hashed from the first entry; stops at the first entry that does not match."""
        pairs = list(self.links())
        chain = check_chain(link for link, _ in pairs)
        n_before = chain.n_entries - 1 if not chain.ok else len(pairs)
        with self.store._read() as conn:
            texts = dict(conn.execute(select(LedgerScenario.sha256, LedgerScenario.yaml)).all())
        intact = {digest for digest, text in texts.items() if text_sha256(text) == digest}  # each text once
        for position, (link, row) in enumerate(pairs[:n_before], start=1):
            problem = row if isinstance(row, str) else _mismatch(link, row, intact)
            if position != link.id and problem is None:
                problem = f"its id {link.id} is not its place in the chain ({position})"
            if problem is not None:
                return ChainCheck(position, link.prev, link.id, problem)
        return chain

    def export_lines(self) -> Iterator[str]:
        """The chain as JSON Lines: ``{"id", "prev", "hash", "content"}`` per entry, in order."""
        for link, _row in self.links():
            yield json.dumps({"id": link.id, "prev": link.prev, "hash": link.hash, "content": link.content},
                             ensure_ascii=False, sort_keys=True, allow_nan=False)


def _mirror(content: dict[str, Any]) -> dict[str, Any]:
    return {"scenario_id": content["scenario"], "scenario_hash": content["scenario_sha256"],
            "variant": content["variant"], "issue": content["issue"], "model": content["model"],
            "value": content["value"], "recorded_at": dt.datetime.fromisoformat(content["recorded_at"])}


def _mismatch(link: ChainLink, row: Any, intact: set[str]) -> str | None:
    """Why the row's columns or its scenario text disagree with its (hash-checked) content, if they do."""
    try:
        expected = _mirror(dict(link.content))
    except (KeyError, TypeError, ValueError) as exc:
        return f"its content lacks a field ({exc})"
    for name in MIRRORED:
        stored, wanted = getattr(row, name), expected[name]
        if isinstance(wanted, dt.datetime):
            stored, wanted = _utc(stored), _utc(wanted)
        if stored != wanted:
            return f"its column '{name}' holds {stored!r} but its recorded content says {wanted!r}"
    if row.scenario_hash not in intact:
        return f"the scenario it was made with (sha256 {row.scenario_hash[:12]}…) is missing or was edited"
    return None


def _with_grades() -> Any:
    return select(LedgerEntry, *(c.label(f"g_{c.name}") for c in LedgerGrade.__table__.columns)).join(
        LedgerGrade, LedgerGrade.entry_id == LedgerEntry.id, isouter=True)


def _stored(row: Any) -> StoredEntry:
    try:
        content = json.loads(row.content)
    except ValueError:
        content = {}
    graded = None
    if row.g_entry_id is not None:
        graded = {"outcome": row.g_outcome, "outcome_date": row.g_outcome_date.isoformat(),
                  "source": row.g_source, "error": row.g_error, "crps": row.g_crps, "cover50": bool(row.g_cover50),
                  "cover90": bool(row.g_cover90), "retrospective": bool(row.g_retrospective),
                  "distribution": row.g_distribution, "graded_at": _utc(row.g_graded_at).isoformat()}
    return StoredEntry(row.id, row.prev_hash, row.hash, row.batch, content, graded)


@dataclass(frozen=True)
class GradeReport:
    """What ``stakes ledger grade`` found: this run's grades and refusals, and the whole record's summary."""

    grades: list[dict[str, Any]]
    refused: list[Any]
    summary: list[dict[str, Any]]
    sealed_questions: int
    ranking: list[dict[str, Any]] | None
    ranking_note: str

    def payload(self) -> dict[str, Any]:
        return {"graded": self.grades, "refused": [vars(r) for r in self.refused], "summary": self.summary,
                "sealed_questions": self.sealed_questions, "ranking": self.ranking, "ranking_note": self.ranking_note}


def grade_ledger(ledger: LedgerStore, outcomes: Sequence[Any]) -> GradeReport:
    """Check ``outcomes`` against the recorded scenarios (refusing the whole file on any problem), grade every
    entry they match, store the grades (one transaction) and summarise every stored grade."""
    from ..ledger import check_outcomes, grade, ranking, sealed_questions, summarise

    check_outcomes(outcomes, ledger.scenarios())
    entries = ledger.entries()
    grades, refused = grade([(e.id, e.content) for e in entries], outcomes)
    ledger.save_grades(grades, clear=[r.entry_id for r in refused])
    record = graded_records(ledger.entries())
    summary = summarise(record)
    n_sealed = sealed_questions(record)
    ranked, note = ranking(summary, n_sealed)
    return GradeReport(grades, refused, summary, n_sealed, ranked, note)


def graded_records(entries: Sequence[StoredEntry]) -> list[dict[str, Any]]:
    """The stored grades joined with their entries' questions and models (for summaries)."""
    out = []
    for e in entries:
        if e.grade is None:
            continue
        c = e.content
        out.append({"entry": e.id, "scenario": c.get("scenario"), "variant": c.get("variant"),
                    "issue": c.get("issue"), "model": c.get("model"), **e.grade})
    return out
