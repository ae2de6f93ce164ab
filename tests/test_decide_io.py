"""Decide's tagged input format: the COP21 file and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stakes.errors import ScenarioError
from stakes.io import ScenarioWarning, load_scenario
from stakes.io.decide import parse_decide, read_decide
from stakes.io.reading import Notes

COP21 = Path(__file__).parent / "data" / "validation" / "decide-cop21" / "cop21_2015_full_with_provenance.tsv"

GOOD = """#A;A1;Actor one
#A;A2;Actor two
#P;p1;Issue one
#P;p2;Issue two
#M;p1;0;nothing
#M;p1;10;everything
#D;A1;p1;2;0.5;0.4
#D;A2;p1;8;0.25;0.6
#D;A1;p2;70;1;0.4
#D;A2;p2;30;0.75;0.9
"""


def test_cop21_file():
    sc = read_decide(COP21)
    assert sc.title.startswith("CoP21 Paris negotiations")
    assert len(sc.actors) == 15 and len(sc.issues) == 13 and len(sc.stances) == 181
    assert sc.models == ("exchange",)
    assert sc.actor_ids[:3] == ["African_grp", "AILAC", "ALBA"]
    assert sc.issue_ids[0] == "differentiation" and sc.issue_ids[-1] == "eaa"
    st = sc.stance("African_grp", "differentiation")
    assert (st.position, st.salience, st.capability) == (70, 75, None)
    assert sc.actor("African_grp").capability == 0.25
    diff = sc.issue("differentiation")
    assert (diff.scale_min, diff.scale_max) == (0, 100)
    assert [a.value for a in diff.anchors] == [0, 25, 50, 75, 100]
    assert sc.stance("China", "amb2050") is None  # 8 actors only on amb2050


def test_load_scenario_dispatches_decide_files():
    assert load_scenario(COP21).actor_ids == read_decide(COP21).actor_ids


def test_semicolon_file_scale_and_per_issue_power(tmp_path):
    sc = parse_decide(GOOD)
    assert sc.issue("p1").scale_max == 10 and sc.issue("p2").scale_max == 100
    assert sc.stance("A1", "p1").salience == 50
    assert sc.stance("A2", "p2").capability == 0.9  # A2: 0.6 and 0.9 once each, the first is its own
    assert sc.actor("A2").capability == 0.6
    path = tmp_path / "x.csv"
    path.write_text(GOOD.replace("\n", "\r"))  # CR line endings
    assert load_scenario(path).stance("A2", "p1").position == 8


@pytest.mark.parametrize(("text", "row", "field", "words"), [
    (GOOD.replace("#D;A2;p1;8;", "#D;A9;p1;8;"), 8, "actor", "unknown actor 'A9'"),
    (GOOD.replace("#D;A2;p1;8;", "#D;A2;p7;8;"), 8, "issue", "unknown issue 'p7'"),
    (GOOD.replace("#D;A2;p1;8;0.25", "#D;A2;p1;8;abc"), 8, "salience", "'abc' is not a number"),
    (GOOD.replace("#D;A2;p1;8;", "#D;A2;p1;11;"), 8, "position", "off the issue's #M scale"),
    (GOOD.replace("0.25;0.6", "25;0.6"), 8, "salience", "outside 0..1"),
    (GOOD.replace("0.25;0.6", "0.25;-1"), 8, "power", "negative power"),
    (GOOD + "#D;A2;p1;8;0.25;0.6\n", 11, None, "a second #D row"),
    (GOOD + "#A;A1;again\n", 11, "key", "defined twice"),
    (GOOD.replace("#D;A2;p2;30;0.75;0.9", "#D;A2;p2;30"), 10, None, "needs 5 values"),
    (GOOD + "#X;what\n", 11, "tag", "unknown row tag"),
    (GOOD + "#M;p9;5;x\n", 11, "issue", "unknown issue 'p9'"),
])
def test_bad_rows_name_file_row_and_field(text, row, field, words):
    with pytest.raises(ScenarioError) as err:
        parse_decide(text, file="bad.csv")
    e = err.value
    assert e.file == "bad.csv" and e.row == row and words in str(e)
    if field:
        assert e.field == field


def test_missing_rows():
    with pytest.raises(ScenarioError, match="no actor"):
        parse_decide("#P;p1;x\n#D;A;p1;1;1;1\n")
    notes = Notes("f.csv")
    sc = parse_decide(GOOD + "#A;A3;three\n#P;p3;three\n", notes=notes)
    assert sc.actor_ids == ["A1", "A2"] and sc.issue_ids == ["p1", "p2"]
    assert any("'A3' has no #D row: left out" in n for n in notes.items)
    assert any("'p3' has no #D row: left out" in n for n in notes.items)
    with pytest.warns(ScenarioWarning, match="'p3' has no #D row"):
        parse_decide(GOOD + "#P;p3;three\n")


def test_cli_exits_2_on_bad_decide_file(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text(GOOD.replace("#D;A2;p1;8;", "#D;A9;p1;8;"))
    proc = subprocess.run([sys.executable, "-m", "stakes", "forecast", str(bad)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "bad.tsv" in proc.stderr and "row 8" in proc.stderr and "A9" in proc.stderr
    assert "Traceback" not in proc.stderr
