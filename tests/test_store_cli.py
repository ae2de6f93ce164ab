"""``stakes runs ...`` and the default store location, as a user runs them."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from stakes.forecast import forecast
from stakes.io.yaml_io import dump_yaml
from stakes.store import RunStore, default_db_path, record_forecast, recording_disabled, resolve_db_url


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = tmp_path / "runs.db"
    monkeypatch.setenv("STAKES_DB", str(path))
    return f"sqlite:///{path}"


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """``stakes ARGS`` in this process through the real entry point (its error boundary included)."""
    from stakes.cli import main

    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> SimpleNamespace:
        monkeypatch.setattr(sys, "argv", ["stakes", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return run


def test_default_location_follows_xdg_and_env(monkeypatch, tmp_path):
    monkeypatch.delenv("STAKES_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "stakes" / "runs.db"
    assert resolve_db_url() == f"sqlite:///{tmp_path / 'xdg' / 'stakes' / 'runs.db'}"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert str(default_db_path()).startswith(str(tmp_path / "home"))
    monkeypatch.setenv("STAKES_DB", "postgresql+psycopg://u@h/db")
    assert resolve_db_url() == "postgresql+psycopg://u@h/db"
    assert resolve_db_url("other.db") == f"sqlite:///{Path('other.db').resolve()}"
    monkeypatch.setenv("STAKES_DB", "off")
    assert recording_disabled() and not recording_disabled("x.db")


def test_record_forecast_respects_off(monkeypatch, small):
    monkeypatch.setenv("STAKES_DB", "off")
    assert record_forecast(forecast(small, models=["weighted-mean"])) is None


def test_runs_commands(db, small, run_cli):
    ids = [record_forecast(forecast(small, models=["weighted-mean"]), db),
           record_forecast(forecast(small, models=["weighted-mean", "weighted-median"]), db)]
    listed = run_cli("runs", "list", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    frame = pd.read_csv(io.StringIO(listed.stdout))
    assert list(frame.id) == ids[::-1]
    assert set(frame.columns) >= {"id", "kind", "title", "seed", "version", "status", "started", "finished"}
    assert (frame.seed == small.seed).all() and (frame.status == "finished").all()
    table = run_cli("runs", "list")
    assert table.returncode == 0 and "Small test scenario" in table.stdout

    shown = run_cli("runs", "show", str(ids[0]), "--format", "json")
    fields = {r["field"]: r["value"] for r in json.loads(shown.stdout)}
    assert fields["kind"] == "forecast" and fields["models"] == "weighted-mean"
    assert fields["table:forecast"] == "6 rows"  # 3 variants × 2 issues
    yaml_text = run_cli("runs", "show", str(ids[0]), "--scenario").stdout
    assert "title: Small test scenario" in yaml_text

    diff = run_cli("runs", "diff", str(ids[0]), str(ids[1]), "--format", "json")
    rows = json.loads(diff.stdout)
    assert {"table": "run", "key": "", "column": "models", "a": "['weighted-mean']",
            "b": "['weighted-mean', 'weighted-median']", "delta": None} in rows
    assert any(r["column"] == "(row)" and "weighted-median" in r["key"] for r in rows)


def test_export_formats(db, small, tmp_path, run_cli):
    result = forecast(small, models=["weighted-mean"])
    run_id = record_forecast(result, db)
    csv = run_cli("runs", "export", str(run_id), "--table", "forecast")
    assert csv.returncode == 0, csv.stderr
    frame = pd.read_csv(io.StringIO(csv.stdout))
    assert list(frame.value) == pytest.approx(list(result.frame().value))
    data = json.loads(run_cli("runs", "export", str(run_id), "--format", "json").stdout)
    assert data["run"]["seed"] == small.seed and data["run"]["parameters"] == {"weighted-mean": {}}
    assert len(data["tables"]["forecast"]) == len(result.frame())
    out = tmp_path / "run.parquet"
    done = run_cli("runs", "export", str(run_id), "--format", "parquet", "-o", str(out))
    assert done.returncode == 0, done.stderr
    back = pd.read_parquet(out)
    assert back.table.value_counts()["forecast"] == len(result.frame())
    with RunStore(db) as store:
        assert len(back) == len(store.export(run_id))


@pytest.mark.parametrize("args, message", [
    (["runs", "show", "42"], "no run with id 42"),
    (["runs", "diff", "1", "42"], "no run with id"),
    (["runs", "export", "1", "--format", "parquet"], "needs --output"),
    (["runs", "list", "--db", "nosuchdialect://x"], "not a usable database URL"),
])
def test_bad_requests_exit_2_with_a_message(db, small, args, message, run_cli):
    record_forecast(forecast(small, models=["weighted-mean"]), db)
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_forecast_prints_its_answer_before_recording_and_a_failed_record_exits_2(db, small, tmp_path, run_cli):
    path = tmp_path / "small.yaml"
    path.write_text(dump_yaml(small))
    proc = run_cli("forecast", str(path), "-m", "weighted-mean", "-f", "json", "--db", "nosuchdialect://x")
    assert proc.returncode == 2 and "not a usable database URL" in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["forecasts"]  # the forecast was printed whole before the store was opened
    assert run_cli("forecast", str(path), "-m", "weighted-mean", "-f", "json").returncode == 0
    listed = run_cli("runs", "list", "--format", "csv")
    assert pd.read_csv(io.StringIO(listed.stdout)).kind.tolist() == ["forecast"]
