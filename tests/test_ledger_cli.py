"""``stakes ledger``: add → grade --format json, verify after a direct edit, export checked by the README's
snippet, and the refusals (exit 2 naming file, row and field; the ledger unchanged)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, run_main
from .test_package import EDGE
from .test_store import db_url, pg_server  # noqa: F401  (fixtures: SQLite and PostgreSQL stores)

OUTCOMES = "scenario,variant,issue,value,date,source\n"


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "ledger.db")


def _add(monkeypatch, capsys, db: str, *args: str) -> str:
    code, out, err = run_main(monkeypatch, capsys, "ledger", "add", "--db", db, *args)
    assert code == 0, err
    return out


def _dump(db: str) -> list:
    with sqlite3.connect(db) as conn:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("stakes_ledger_entries", "stakes_ledger_grades", "stakes_ledger_scenarios")]


def test_add_then_grade_gives_per_entry_and_per_model_scores(monkeypatch, capsys, db, tmp_path):
    out = _add(monkeypatch, capsys, db, "-m", "weighted-mean", "-m", "bdm", "-v", "baseline", "--note", "test")
    assert "recorded 12 entries (1–12) of scenario 'ukraine-2024-07'" in out
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text(OUTCOMES + "ukraine-2024-07,,territory,55,2025-03-01,a report\n"
                        "ukraine-2024-07,baseline,ceasefire,10,2025-03-01,another\n", encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "ledger", "grade", str(outcomes), "--db", db, "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    graded = payload["graded"]
    assert sorted((g["model"], g["issue"]) for g in graded) == [
        ("bdm", "ceasefire"), ("bdm", "territory"), ("weighted-mean", "ceasefire"), ("weighted-mean", "territory")]
    for g in graded:
        assert {"error", "crps", "cover50", "cover90", "retrospective"} <= set(g)
        assert g["error"] == pytest.approx(abs(g["forecast"] - g["outcome"]))  # issues on 0–100
        assert g["crps"] == pytest.approx(g["error"]) and g["retrospective"] is True  # recorded today, after 2025
    models = {(r["record"], r["model"]): r for r in payload["summary"]}
    assert set(models) == {("retrospective", "bdm"), ("retrospective", "weighted-mean")}
    assert models[("retrospective", "bdm")]["questions"] == 2
    assert payload["ranking"] is None and payload["sealed_questions"] == 0 and "noise" in payload["ranking_note"]
    code, out, _ = run_main(monkeypatch, capsys, "ledger", "list", "--db", db, "--format", "json")
    listed = json.loads(out)
    assert len(listed) == 12 and sum(r["crps"] is not None for r in listed) == 4 and listed[0]["note"] == "test"
    code, out, _ = run_main(monkeypatch, capsys, "ledger", "show", "1", "--db", db, "--format", "json")
    shown = json.loads(out)
    assert shown["content"]["scenario"] == "ukraine-2024-07" and shown["content"]["as_of"] == "2024-07-15"
    assert shown["content"]["stakes_version"] and shown["content"]["parameters"] is not None


def test_add_grade_verify_on_sqlite_and_postgresql(monkeypatch, capsys, db_url, tmp_path):  # noqa: F811
    from sqlalchemy import create_engine

    _add(monkeypatch, capsys, db_url, "-m", "weighted-mean", "-v", "baseline", "-v", "trump-wins")
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text(OUTCOMES + "ukraine-2024-07,trump-wins,territory,30,2025-01-01,x\n", encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "ledger", "grade", str(outcomes), "--db", db_url, "-f", "json")
    assert code == 0, err
    (graded,) = json.loads(out)["graded"]
    assert graded["variant"] == "trump-wins" and graded["issue"] == "territory" and graded["entry"] == 7
    assert run_main(monkeypatch, capsys, "ledger", "verify", "--db", db_url)[0] == 0
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE stakes_ledger_entries SET value = value * 2 WHERE id = 9")
    engine.dispose()
    code, _, err = run_main(monkeypatch, capsys, "ledger", "verify", "--db", db_url)
    assert code == 1 and "entry 9" in err


def test_add_without_arguments_records_the_builtin_scenario_with_its_default_models(monkeypatch, capsys, db):
    from stakes.scenarios import builtin_scenario

    sc = builtin_scenario()
    out = _add(monkeypatch, capsys, db)
    n = len(sc.default_models) * len(sc.issues) * (1 + len(sc.variants))
    assert f"recorded {n} entries" in out


def test_an_edited_number_makes_verify_exit_1_naming_the_entry(monkeypatch, capsys, db):
    _add(monkeypatch, capsys, db, "-m", "weighted-mean", "-v", "baseline")
    code, out, _ = run_main(monkeypatch, capsys, "ledger", "verify", "--db", db)
    assert code == 0 and "chain intact: 6 entries" in out
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE stakes_ledger_entries SET value = 12.5 WHERE id = 4")
    code, _, err = run_main(monkeypatch, capsys, "ledger", "verify", "--db", db)
    assert code == 1 and "entry 4" in err and "value" in err


def _readme_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Forecast ledger", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return code


def test_the_readme_snippet_verifies_an_export_and_catches_an_edit(monkeypatch, capsys, db, tmp_path):
    snippet = _readme_snippet()
    assert len(snippet.strip().splitlines()) <= 12
    _add(monkeypatch, capsys, db, "-m", "weighted-mean", "-m", "mean", "--note", "ünïcode note")
    code, _, _ = run_main(monkeypatch, capsys, "ledger", "export", str(tmp_path / "ledger.jsonl"), "--db", db)
    assert code == 0
    code, head, _ = run_main(monkeypatch, capsys, "ledger", "verify", "--db", db)
    head = head.split("head ")[1].strip()
    lines = (tmp_path / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 * 6 * 7  # models × issues × (baseline + 6 variants)
    ok = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.strip() == f"intact: 84 entries, head {head}", ok.stderr
    entry = json.loads(lines[6])
    entry["content"]["value"] += 1
    lines[6] = json.dumps(entry)
    (tmp_path / "ledger.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode != 0 and "line 7: entry 7 does not match" in bad.stderr


@pytest.mark.parametrize(("body", "words"), [
    ("nowhere,,territory,50,2025-01-01,x\n", ["row 2", "field 'scenario'"]),
    ("ukraine-2024-07,moon-landing,territory,50,2025-01-01,x\n", ["row 2", "field 'variant'"]),
    ("ukraine-2024-07,,territory,50,2025-01-01,x\nukraine-2024-07,,borders,50,2025-01-01,x\n",
     ["row 3", "field 'issue'"]),
    ("ukraine-2024-07,,territory,150,2025-01-01,x\n", ["row 2", "field 'value'", "0..100"]),
    ("ukraine-2024-07,,territory,50,1 March 2025,x\n", ["row 2", "field 'date'", "YYYY-MM-DD"]),
])
def test_bad_outcomes_exit_2_naming_file_row_and_field_and_change_nothing(monkeypatch, capsys, db, tmp_path,
                                                                          body, words):
    _add(monkeypatch, capsys, db, "-m", "weighted-mean", "-v", "baseline")
    good = tmp_path / "good.csv"
    good.write_text(OUTCOMES + "ukraine-2024-07,,nato-path,20,2025-01-01,x\n", encoding="utf-8")
    assert run_main(monkeypatch, capsys, "ledger", "grade", str(good), "--db", db)[0] == 0
    before = _dump(db)
    path = tmp_path / "outcomes.csv"
    path.write_text(OUTCOMES + body, encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "ledger", "grade", str(path), "--db", db)
    flat = " ".join(err.split())
    assert code == 2 and str(path) in flat and all(w in flat for w in words), err
    assert _dump(db) == before


def test_a_missing_column_is_named(monkeypatch, capsys, db, tmp_path):
    _add(monkeypatch, capsys, db, "-m", "weighted-mean", "-v", "baseline")
    path = tmp_path / "outcomes.csv"
    path.write_text("scenario,issue,value,date,source\nukraine-2024-07,territory,50,2025-01-01,x\n", encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "ledger", "grade", str(path), "--db", db)
    flat = " ".join(err.split())
    assert code == 2 and "row 1" in flat and "field 'variant'" in flat and "missing" in flat


def test_a_scenario_without_outcomes_and_a_store_turned_off_are_refused(monkeypatch, capsys, db):
    _add(monkeypatch, capsys, db, "-m", "weighted-mean", "-v", "baseline")
    code, _, err = run_main(monkeypatch, capsys, "ledger", "grade", "ukraine-2024-07", "--db", db)
    assert code == 2 and "declares no outcomes" in err
    monkeypatch.setenv("STAKES_DB", "off")
    code, _, err = run_main(monkeypatch, capsys, "ledger", "list")
    assert code == 2 and "turned off" in err
    code, _, err = run_main(monkeypatch, capsys, "ledger", "show", "99", "--db", db)
    assert code == 2 and "no ledger entry with id 99" in err


def test_the_ledger_core_imports_no_database_or_cli_code():
    code = f"import sys, stakes.ledger; print(sorted(m for m in {EDGE!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_readme_documents_the_ledger_commands():
    assert "stakes ledger add" in Path(ROOT / "README.md").read_text(encoding="utf-8")


def _with_outcomes(tmp_path, outcomes: str) -> Path:
    from stakes.scenarios import builtin_text

    path = tmp_path / "later.yaml"
    path.write_text(builtin_text() + "\noutcomes:\n" + outcomes, encoding="utf-8")
    return path


def test_a_scenarios_own_outcomes_grade_the_ledger(monkeypatch, capsys, db, tmp_path):
    _add(monkeypatch, capsys, db, "-m", "weighted-mean", "-v", "baseline", "-v", "trump-wins")
    path = _with_outcomes(tmp_path, "  - {issue: territory, value: 60, date: 2025-06-01, source: report}\n"
                                    "  - {issue: ceasefire, variant: trump-wins, value: 70, date: 2025-06-01}\n")
    code, out, err = run_main(monkeypatch, capsys, "ledger", "grade", str(path), "--db", db, "-f", "json")
    assert code == 0, err
    graded = {(g["variant"], g["issue"]): g for g in json.loads(out)["graded"]}
    assert set(graded) == {("baseline", "territory"), ("trump-wins", "ceasefire")}
    territory = graded[("baseline", "territory")]
    assert territory["outcome"] == 60 and territory["source"] == "report"
    assert run_main(monkeypatch, capsys, "ledger", "verify", "--db", db)[0] == 0


def test_a_scenario_outcome_without_a_date_is_refused(monkeypatch, capsys, db, tmp_path):
    _add(monkeypatch, capsys, db, "-m", "weighted-mean", "-v", "baseline")
    before = _dump(db)
    path = _with_outcomes(tmp_path, "  - {issue: territory, value: 60, date: 2025-06-01}\n"
                                    "  - {issue: ceasefire, value: 70}\n")
    code, _, err = run_main(monkeypatch, capsys, "ledger", "grade", str(path), "--db", db)
    flat = " ".join(err.split())
    assert code == 2 and str(path) in flat and "outcomes[1]" in flat and "field 'date'" in flat
    assert _dump(db) == before


def test_the_ensembles_quantiles_are_recorded_and_scored_as_a_distribution(monkeypatch, capsys, db, tmp_path):
    import numpy as np

    from stakes.forecast import forecast
    from stakes.scenarios import builtin_scenario
    from stakes.scoring import QUANTILE_LEVELS

    _add(monkeypatch, capsys, db, "-m", "ensemble", "-v", "baseline")
    expected = forecast(builtin_scenario(), models=["ensemble"], variants=["baseline"])
    grid = expected.results[("baseline", "ensemble")].extra["quantiles"][0]  # (d, 19)
    code, out, _ = run_main(monkeypatch, capsys, "ledger", "show", "1", "--db", db, "--format", "json")
    content = json.loads(out)["content"]
    assert content["issue"] == expected.arrays["baseline"].issue_ids[0]
    assert content["quantiles"] == pytest.approx(list(grid[0]))
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text(OUTCOMES + f"ukraine-2024-07,,{content['issue']},55,2025-03-01,x\n", encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "ledger", "grade", str(outcomes), "--db", db, "-f", "json")
    assert code == 0, err
    (g,) = json.loads(out)["graded"]
    pinball = [(q - (x > 55)) * (55 - x) for q, x in zip(QUANTILE_LEVELS, np.sort(grid[0]), strict=True)]
    assert g["distribution"] == "quantiles" and g["crps"] == pytest.approx(2 * np.mean(pinball))  # 0–100 issue
    assert g["cover90"] == bool(grid[0][0] <= 55 <= grid[0][-1])
