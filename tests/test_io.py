"""Readers and writers: YAML round-trip, tidy CSV, Predictioneer tables, XLSX, KTAB CSV; bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from stakes.errors import ScenarioError
from stakes.io import load_scenario, save_scenario
from stakes.io.yaml_io import dump_yaml, loads_yaml

from .conftest import VALIDATION


def test_yaml_round_trip_is_exact(small, tmp_path):
    text = dump_yaml(small)
    again = loads_yaml(text)
    assert again == small
    assert dump_yaml(again) == text
    path = tmp_path / "s.yaml"
    save_scenario(small, path)
    assert load_scenario(path) == small
    assert not list(tmp_path.glob(".*.tmp"))  # temp file renamed away


def test_tidy_csv_round_trip(small, tmp_path):
    path = tmp_path / "s.csv"
    save_scenario(small, path)
    header = path.read_text().splitlines()[0]
    assert header.startswith("actor,issue,position,salience,capability")
    back = load_scenario(path)
    assert back.actor_ids == small.actor_ids and back.issue_ids == small.issue_ids
    for st in small.stances:
        got = back.stance(st.actor, st.issue)
        assert (got.position, got.salience) == (st.position, st.salience)
    assert back.issue("aid").scale_min == -10  # declared scale survives


def test_xlsx_round_trip(small, tmp_path):
    path = tmp_path / "s.xlsx"
    save_scenario(small, path)
    back = load_scenario(path)
    assert [(s.actor, s.issue, s.position, s.salience) for s in back.stances] == [
        (s.actor, s.issue, s.position, s.salience) for s in small.stances]


def test_predictioneer_table(tmp_path):
    path = tmp_path / "emissions.csv"
    path.write_text("Actor,Clout,Position,Salience\nNetherlands,0.08,4,80\nFrance,0.16,10,60\n")
    sc = load_scenario(path)
    assert sc.issue_ids == ["emissions"]
    assert sc.actor("France").capability == 0.16
    assert sc.stance("Netherlands", "emissions").salience == 80


def test_ktab_csv():
    sc = load_scenario(VALIDATION / "ktab-soe-pol-comp" / "SOE-Pol-Comp.csv")
    assert len(sc.actors) == 13 and sc.issue_ids == ["policy", "competitive"]
    assert sc.actor("XJ").capability == 100.0
    assert sc.stance("LK", "competitive").position == 65 and sc.stance("LK", "competitive").salience == 41.3


@pytest.mark.parametrize(
    ("content", "needle", "row", "field"),
    [
        ("actor,issue,position,salience,capability\nA,x,50,50,abc\n", "'abc' is not a number", 2, "capability"),
        ("actor,issue,position,salience,capability\nA,x,150,50,1\n", "outside", 2, "position"),
        ("actor,issue,position,salience,capability\nA,x,50,150,1\n", "out of range", 2, "salience"),
        ("actor,issue,position,salience,capability\nA,x,50,50,-1\n", "negative", 2, "capability"),
        ("actor,issue,position,salience,capability\nA,x,nan,50,1\n", "finite", 2, "position"),
        ("actor,issue,position,salience,capability\nA,x,5,50,1\nA,x,6,50,1\n", "second row", 3, None),
        ("who,what\n1,2\n", "unrecognised header", 1, None),
    ],
)
def test_bad_tidy_csv(tmp_path, content, needle, row, field):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert needle in str(err) and err.row == row and err.field == field and err.file == str(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ScenarioError, match="empty"):
        load_scenario(path)


def test_empty_yaml(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    with pytest.raises(ScenarioError, match="mapping"):
        load_scenario(path)


def test_broken_yaml_names_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("title: x\nactors: [\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "not valid YAML" in str(info.value) and info.value.row is not None


def test_ktab_bad_number(tmp_path):
    src = (VALIDATION / "ktab-soe-pol-comp" / "SOE-Pol-Comp.csv").read_text()
    path = tmp_path / "k.csv"
    path.write_text(src.replace("60.2", "6o.2"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.row == 4 and info.value.actor == "LK" and "'6o.2'" in str(info.value)


def test_unknown_extension(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{}")
    with pytest.raises(ScenarioError, match="unknown file type"):
        load_scenario(path)


def test_missing_file():
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(Path("/nonexistent/s.yaml"))


def test_yaml_alias_bomb_is_refused(tmp_path):
    lines = ["title: t", "parameters:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 9):
        prev = f"*a{k - 1}"
        lines.append(f"  a{k}: &a{k} [{', '.join([prev] * 10)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError, match="anchors and aliases"):
        load_scenario(path)
