"""Command line: --param on every command that runs models, per-actor output, reader warnings and limits."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from stakes import forecast
from stakes.io import load_scenario

from .conftest import run_main

DATA = Path(__file__).parent / "data" / "readers"


@pytest.fixture
def small_file(tmp_path, small):
    from stakes.io import save_scenario

    path = tmp_path / "small.yaml"
    save_scenario(small, path)
    return path


def test_param_reaches_the_model(monkeypatch, capsys, small_file):
    code, out, err = run_main(monkeypatch, capsys, "forecast", str(small_file), "-m", "bdm", "-v", "baseline",
                              "--param", "bdm.rounds=2", "-f", "csv")
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert set(frame.n_rounds) <= {1, 2} and frame.n_rounds.max() == 2
    code, out8, _ = run_main(monkeypatch, capsys, "forecast", str(small_file), "-m", "bdm", "-v", "baseline",
                             "-f", "csv")
    assert pd.read_csv(io.StringIO(out8)).n_rounds.max() > 2


def test_param_types_and_choices(monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "forecast", str(DATA / "decide_quoted.csv"), "-f", "json",
                              "-p", "exchange.tie_break=decide", "-p", "exchange.arithmetic=decimal")
    assert code == 0, err
    payload = json.loads(out)
    sc = load_scenario(DATA / "decide_quoted.csv")
    ref = forecast(sc, params={"exchange": {"tie_break": "decide", "arithmetic": "decimal"}})
    assert [f["value"] for f in payload["forecasts"]] == list(ref.frame().value)


@pytest.mark.parametrize(("param", "words"), [
    ("exchange.tie_brk=decide", "has no parameter 'tie_brk' (valid: rounds, tie_break"),
    ("exchange.tie_break=random", "(valid: first, decide)"),
    ("exchange.rounds=2.5", "expected an integer"),
    ("bdm.Q=high", "expected a number"),
    ("bdm.T=abc", "expected a number or none"),
    ("nomodel.x=1", "unknown model 'nomodel' (valid:"),
    ("exchange-rounds", "expected MODEL.KEY=VALUE"),
])
def test_bad_param_exits_2_listing_valid_values(monkeypatch, capsys, small_file, param, words):
    code, _, err = run_main(monkeypatch, capsys, "forecast", str(small_file), "--param", param)
    assert code == 2 and words in err and "Traceback" not in err


@pytest.mark.parametrize("command", [
    ["forecast"], ["simulate", "--runs", "4"], ["sensitivity", "--samples", "4", "--position-sd", "5"],
    ["report", "--runs", "0", "--sobol", "0", "--no-alignment"], ["sweep", "--runs", "4"],
])
def test_every_model_command_takes_param(monkeypatch, capsys, tmp_path, small_file, command):
    extra = ["--out", str(tmp_path / "sweep")] if command[0] == "sweep" else []
    if command[0] == "report":
        extra = ["-o", str(tmp_path / "r.html")]
    args = [command[0], str(small_file), *command[1:], *extra, "-m", "bdm"]
    code, _, err = run_main(monkeypatch, capsys, *args, "--param", "bdm.rounds=3")
    assert code == 0, err
    code, _, err = run_main(monkeypatch, capsys, *args, "--param", "bdm.roundz=3")
    assert code == 2 and "valid: rounds" in err


def test_report_takes_the_spread_options_its_notes_suggest(monkeypatch, capsys, tmp_path, small_file):
    out = tmp_path / "r.html"
    code, _, err = run_main(monkeypatch, capsys, "report", str(small_file), "-o", str(out), "--runs", "0",
                            "--sobol", "4", "--no-alignment", "-m", "weighted-mean")
    assert code == 0 and "--position-sd" in err  # the note suggests the option ...
    code, _, err = run_main(monkeypatch, capsys, "report", str(small_file), "-o", str(out), "--runs", "0",
                            "--sobol", "4", "--no-alignment", "-m", "weighted-mean", "--position-sd", "5")
    assert code == 0 and "sensitivity skipped" not in err  # ... and the report takes it


def test_forecast_json_and_csv_give_final_positions(monkeypatch, capsys, small_file, small):
    code, out, err = run_main(monkeypatch, capsys, "forecast", str(small_file), "-m", "bdm", "-m", "mean",
                              "-v", "baseline", "-f", "json")
    assert code == 0, err
    positions = json.loads(out)["positions"]
    assert {p["model"] for p in positions} == {"bdm"}  # one-shot models move nobody
    assert len(positions) == len(small.stances)
    assert set(positions[0]) == {"variant", "model", "actor", "issue", "position"}
    traj = forecast(small, models=["bdm"], variants=["baseline"]).trajectories()
    last = traj[traj["round"] == traj["round"].max()]
    expected = {(r.actor, r.issue): r.position for r in last.itertuples()}
    assert {(p["actor"], p["issue"]): p["position"] for p in positions} == expected  # full precision
    code, out, _ = run_main(monkeypatch, capsys, "forecast", str(small_file), "-m", "bdm", "-v", "baseline",
                            "-f", "csv")
    frame = pd.read_csv(io.StringIO(out), keep_default_na=False)
    rows = frame[frame.actor != ""]
    assert len(rows) == len(small.stances)
    assert {(r.actor, r.issue): r.value for r in rows.itertuples()} == expected


def test_show_rounds_prints_four_decimals(monkeypatch, capsys, small_file):
    code, out, _ = run_main(monkeypatch, capsys, "forecast", str(small_file), "-m", "bdm", "-v", "baseline",
                            "--show-rounds")
    assert code == 0 and "positions by round" in out
    cells = re.findall(r"\s(-?\d+\.\d+)\s", out[out.index("positions by round"):])
    assert cells and all(len(c.split(".")[1]) == 4 for c in cells)


@pytest.mark.parametrize("name", ["blog_table.csv", "name_table.csv", "european.csv", "utf16.txt", "cp1252.csv",
                                  "decide_quoted.csv", "decide_empty_issues.csv"])
def test_every_shape_forecasts_from_the_command_line(monkeypatch, capsys, name):
    code, out, err = run_main(monkeypatch, capsys, "forecast", str(DATA / name), "-f", "json", "-v", "baseline")
    assert code == 0, err
    assert json.loads(out)["forecasts"]


def test_reader_warnings_go_to_stderr(monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "scenario", "check", str(DATA / "decide_empty_issues.csv"))
    assert code == 0 and "warning:" in err and "'finance', 'control' have no #D row" in err


def test_input_limit_option_and_clean_errors(monkeypatch, capsys, tmp_path):
    big = tmp_path / "big.csv"
    big.write_text("actor,position,salience,capability\n" + "".join(f"a{k},1,50,1\n" for k in range(500)))
    code, _, err = run_main(monkeypatch, capsys, "forecast", str(big), "--max-input-mb", "0.001")
    assert code == 2 and "--max-input-mb" in err
    code, _, err = run_main(monkeypatch, capsys, "scenario", "check", str(big), "--max-input-mb", "1")
    assert code == 0, err
    long = tmp_path / "long.csv"
    long.write_text("actor,position,salience,capability\n" + "x" * 200_000 + ",1,50,1\n")
    code, _, err = run_main(monkeypatch, capsys, "forecast", str(long))
    assert code == 2 and "131,072" in err and "Traceback" not in err
