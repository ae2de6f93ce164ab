"""The ledger in the run store, on SQLite and on a real PostgreSQL server (fixtures of test_store.py):
append, verify, tamper detection by direct database edits, grades, and races between writers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import create_engine

from stakes.errors import ScenarioError
from stakes.forecast import forecast
from stakes.io.yaml_io import scenario_from_dict
from stakes.ledger import Outcome, forecast_entries
from stakes.store import RunStore, head_revision
from stakes.store.ledger import LedgerStore, grade_ledger

from .conftest import small_scenario_dict
from .test_store import db_url, pg_server  # noqa: F401  (fixtures: SQLite and PostgreSQL stores)


@pytest.fixture
def dated():
    """The small scenario, written on 15 July 2024."""
    return scenario_from_dict({**small_scenario_dict(), "as_of": "2024-07-15"})


@pytest.fixture
def ledger(db_url):  # noqa: F811
    with RunStore(db_url) as store:
        yield LedgerStore(store)


def _record(ledger: LedgerStore, scenario, models=("weighted-mean",), variants=("baseline",), note=None, now=None):
    result = forecast(scenario, models=list(models), variants=list(variants))
    return ledger.append(forecast_entries(result, note=note, now=now))


def _sql(db_url: str, statement: str) -> None:  # noqa: F811
    """An edit made behind stakes' back, with the database's own driver."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


def test_the_store_is_at_the_ledger_revision(ledger):
    assert head_revision() == "0003"
    assert ledger.count() == 0 and ledger.verify().ok and ledger.verify().n_entries == 0


def test_entries_append_in_order_and_read_back_as_recorded(ledger, small):
    first = _record(ledger, small, models=("weighted-mean", "mean"), note="before the summit")
    second = _record(ledger, small, variants=("us-out",))
    assert first == list(range(1, 5)) and second == [5, 6]
    entries = ledger.entries()
    assert [e.id for e in entries] == list(range(1, 7)) and [e.batch for e in entries] == [1] * 4 + [5] * 2
    assert entries[0].content["note"] == "before the summit" and entries[4].content["variant"] == "us-out"
    assert entries[1].prev_hash == entries[0].hash
    check = ledger.verify()
    assert check.ok and check.n_entries == 6 and check.head == entries[-1].hash
    assert list(ledger.scenarios()) == ["small"]
    assert ledger.get(3).content == entries[2].content


@pytest.mark.parametrize(("statement", "bad", "words"), [
    ("UPDATE stakes_ledger_entries SET value = value + 0.5 WHERE id = 3", 3, "column 'value'"),
    ("UPDATE stakes_ledger_entries SET content = REPLACE(content, '\"value\":', '\"value\":1') WHERE id = 2", 2,
     "edited"),
    ("UPDATE stakes_ledger_entries SET model = 'bdm' WHERE id = 4", 4, "column 'model'"),
    # flip the hash's first digit to another one (a fixed 'f' is no edit when the hash starts with 'f': 1 in 16)
    ("UPDATE stakes_ledger_entries SET hash = CASE WHEN SUBSTR(hash, 1, 1) = 'f' THEN '0' ELSE 'f' END"
     " || SUBSTR(hash, 2) WHERE id = 1", 1, "edited"),
    ("UPDATE stakes_ledger_scenarios SET yaml = yaml || ' '", 1, "scenario it was made with"),
])
def test_any_direct_edit_makes_verify_name_the_entry(ledger, db_url, small, statement, bad, words):  # noqa: F811
    _record(ledger, small, models=("weighted-mean", "mean"))
    assert ledger.verify().ok
    _sql(db_url, statement)
    check = ledger.verify()
    assert not check.ok and check.bad_id == bad and words in check.reason


def test_deleting_an_entry_breaks_the_chain_at_the_next_one(ledger, db_url, small):  # noqa: F811
    _record(ledger, small, models=("weighted-mean", "mean"))
    _sql(db_url, "DELETE FROM stakes_ledger_entries WHERE id = 2")
    check = ledger.verify()
    assert check.bad_id == 3 and "previous hash" in check.reason


def test_an_export_holds_the_chain_line_by_line(ledger, small):
    import json

    _record(ledger, small, models=("weighted-mean", "mean"))
    lines = [json.loads(line) for line in ledger.export_lines()]
    assert [e["id"] for e in lines] == [1, 2, 3, 4]
    assert lines[0]["content"] == ledger.get(1).content and lines[-1]["hash"] == ledger.verify().head


def _outcomes(*rows: tuple[str, str, float, str]) -> list[Outcome]:
    return [Outcome("small", v, i, y, dt.date.fromisoformat(d), "src", "o.csv", k + 2)
            for k, (v, i, y, d) in enumerate(rows)]


def test_grades_are_stored_replaced_on_regrading_and_kept_apart_from_entries(ledger, dated):
    before = dt.datetime(2024, 8, 1, tzinfo=dt.UTC)
    _record(ledger, dated, models=("weighted-mean", "mean"), now=before)
    report = grade_ledger(ledger, _outcomes(("baseline", "territory", 40.0, "2025-01-01")))
    assert [g["entry"] for g in report.grades] == [1, 3] and not report.refused
    assert ledger.get(1).grade["outcome"] == 40.0 and ledger.get(2).grade is None
    assert report.ranking is None and report.sealed_questions == 1
    report = grade_ledger(ledger, _outcomes(("baseline", "territory", 60.0, "2025-01-01")))
    assert ledger.get(1).grade["outcome"] == 60.0 and len(report.summary) == 2
    assert {r["entries"] for r in report.summary} == {1}  # replaced, not added
    assert ledger.verify().ok  # grading never touches entries
    # an outcome dated before as-of now refuses those entries: their old grades go
    report = grade_ledger(ledger, _outcomes(("baseline", "territory", 60.0, "2020-01-01")))
    assert [r.entry_id for r in report.refused] == [1, 3] and ledger.get(1).grade is None


def test_a_refused_outcomes_file_changes_nothing(ledger, small):
    _record(ledger, small)
    grade_ledger(ledger, _outcomes(("baseline", "aid", 1.0, "2025-01-01")))
    state = [(e.id, e.hash, e.grade) for e in ledger.entries()]
    with pytest.raises(ScenarioError, match="outside the scale"):
        grade_ledger(ledger, _outcomes(("baseline", "territory", 30.0, "2025-01-01"),
                                       ("baseline", "aid", 99.0, "2025-01-01")))
    assert [(e.id, e.hash, e.grade) for e in ledger.entries()] == state


def test_concurrent_writers_keep_one_linear_chain(db_url, small):  # noqa: F811
    new = forecast_entries(forecast(small, models=["weighted-mean"], variants=["baseline"]))
    RunStore(db_url).close()  # migrate once, before the race
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with RunStore(db_url) as store:
                ledger = LedgerStore(store)
                for _ in range(4):
                    ledger.append(new)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with RunStore(db_url) as store:
        ledger = LedgerStore(store)
        assert ledger.count() == 4 * 4 * 2 and ledger.verify().ok
