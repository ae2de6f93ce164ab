"""Files as people have them: header synonyms, delimiters, decimal commas, encodings, Decide's quoted files;
and what must never be read silently wrong (colliding ids, scales, fractions) or without bound (size)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from stakes import forecast
from stakes.errors import ScenarioError
from stakes.io import InputTooLarge, ScenarioWarning, load_scenario, read_scenario
from stakes.io.ids import make_id
from stakes.io.reading import read_bytes

from .conftest import VALIDATION

DATA = Path(__file__).parent / "data" / "readers"


def _forecast_value(sc, model: str = "weighted-mean", issue: str | None = None) -> float:
    frame = forecast(sc, models=[model], variants=["baseline"]).frame()
    row = frame[frame.issue == (issue or sc.issue_ids[0])]
    return float(row.value.iloc[0])


def test_blog_table_with_synonyms_and_spaces():
    sc = load_scenario(DATA / "blog_table.csv")
    assert sc.actor_ids == ["Government", "Opposition", "Unions", "Employers"]
    assert sc.issue_ids == ["blog_table"]
    assert sc.actor("Unions").capability == 15 and sc.stance("Government", "blog_table").salience == 90
    # weighted mean by hand: Σ c·s·x / Σ c·s
    w = {"Government": (40 * 90, 80), "Opposition": (25 * 70, 20), "Unions": (15 * 60, 30), "Employers": (20 * 50, 70)}
    expected = sum(a * x for a, x in w.values()) / sum(a for a, _ in w.values())
    assert _forecast_value(sc) == pytest.approx(expected)


def test_name_table_and_ignored_column_warns():
    loaded = read_scenario(DATA / "name_table.csv")
    sc = loaded.scenario
    assert sc.actor_ids == ["Mayor", "Council", "Residents"]
    assert sc.stance("Council", "name_table").position == 40 and sc.actor("Council").capability == 5
    assert any("columns ignored: Notes" in w for w in loaded.warnings)
    assert 10 <= _forecast_value(sc, "bdm") <= 60  # within the positions held


def test_european_excel_export():
    loaded = read_scenario(DATA / "european.csv")
    sc = loaded.scenario
    assert sc.actor_ids == ["Germany", "France", "Italy"]
    assert sc.actor("Germany").capability == pytest.approx(0.30)
    assert sc.stance("Italy", "european").position == pytest.approx(55.25)
    assert sc.stance("France", "european").salience == pytest.approx(70.5)
    assert any("Akteur" in w for w in loaded.warnings)
    assert 40 < _forecast_value(sc) < 60


def test_utf16_and_non_latin_names_get_transliterated_ids():
    sc = load_scenario(DATA / "utf16.txt")
    assert sc.actor_ids == ["Ellada", "Rossiya", "ZhongGuo"]
    assert [a.name for a in sc.actors] == ["Ελλάδα", "Россия", "中国"]
    assert 30 < _forecast_value(sc) < 70


def test_windows_1252_is_read_with_a_warning():
    with pytest.warns(ScenarioWarning, match="not UTF-8.*Windows-1252"):
        sc = load_scenario(DATA / "cp1252.csv")
    assert [a.name for a in sc.actors] == ["Côte d’Ivoire", "São Tomé"]
    assert sc.actor_ids == ["Cote-d-Ivoire", "Sao-Tome"]


def test_decide_quoted_file_is_read_and_forecast():
    sc = load_scenario(DATA / "decide_quoted.csv")
    assert sc.actor_ids == ["North", "South", "East-West"] and sc.issue_ids == ["tax", "aid"]
    assert sc.issue("aid").scale_max == 10 and sc.stance("East-West", "aid").salience == 50
    assert sc.actor("North").capability == 0.5
    value = _forecast_value(sc, "exchange", "tax")
    assert 0 <= value <= 100


def test_decide_issues_without_positions_are_skipped_with_a_warning():
    loaded = read_scenario(DATA / "decide_empty_issues.csv")
    sc = loaded.scenario
    assert sc.title == "Treaty talks"
    assert sc.issue_ids == ["treaty", "cuts"]
    assert sc.actor_ids == ["US", "EU-incl-Norway", "BASIC"]
    assert [w for w in loaded.warnings if "'finance', 'control' have no #D row: left out" in w]
    assert 0 <= _forecast_value(sc, "exchange", "cuts") <= 100


def test_cop21_file_unchanged():
    sc = load_scenario(VALIDATION / "decide-cop21" / "cop21_2015_full_with_provenance.tsv")
    assert len(sc.actors) == 15 and len(sc.issues) == 13 and len(sc.stances) == 181


def test_xlsx_with_synonyms(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["Party", "Influence", "Position", "Priority"], ["Left", 3, 10.5, 80], ["Right", 2, 90, 60]):
        ws.append(row)
    path = tmp_path / "vote.xlsx"
    wb.save(path)
    sc = load_scenario(path)
    assert sc.actor_ids == ["Left", "Right"] and sc.stance("Left", "vote").position == 10.5
    assert _forecast_value(sc) == pytest.approx((3 * 80 * 10.5 + 2 * 60 * 90) / (3 * 80 + 2 * 60))


def test_unrecognised_header_says_what_was_detected(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Who;What;Where\nA;1;2\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "unrecognised header" in msg and "delimiter ';'" in msg and "3 columns" in msg
    assert "no column for actor, position, salience, capability" in msg
    assert "stakeholder" in msg and "importance" in msg  # what is expected, with synonyms


@pytest.mark.parametrize(("content", "words"), [
    ("actor,issue,position,salience,capability\nA B,x,1,50,1\nA-B,x,2,50,1\n", "'A B' (row 2) and 'A-B'"),
    ("actor,issue,position,salience,capability\nA,tax rate,1,50,1\nA,tax-rate,2,50,1\n", "issues 'tax rate'"),
    ("actor,issue,position,salience,capability,scale_max\nA,x,1,50,1,10\nB,x,2,50,1,20\n", "a second scale_max"),
    ("actor,issue,position,salience,capability\nA,x,50,50,1\nA,x,60,50,1\n", "second row"),
    ("actor,issue,position,salience,capability\n!!!,x,50,50,1\n", "cannot make an actor id"),
])
def test_silent_misreads_are_errors(tmp_path, content, words):
    path = tmp_path / "t.csv"
    path.write_text(content)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert words in str(info.value) and info.value.row == (2 if "!!!" in content else 3)


def test_scale_declared_on_a_later_row_applies_to_the_issue(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("actor,issue,position,salience,capability,scale_max\nA,x,8,50,1,\nB,x,2,50,1,10\n")
    assert load_scenario(path).issue("x").scale_max == 10


def test_non_latin_names_that_differ_get_different_ids(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("actor,position,salience,capability\nРоссия,1,50,1\nУкраина,2,50,1\n中国,3,50,1\n",
                    encoding="utf-8")
    assert load_scenario(path).actor_ids == ["Rossiya", "Ukraina", "ZhongGuo"]
    assert make_id("Ελλάδα") == "Ellada" and make_id("ok_id") == "ok_id"


def test_fraction_saliences_are_scaled_with_a_warning(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("actor,position,salience,capability\nA,10,0.8,1\nB,90,0.4,1\n")
    loaded = read_scenario(path)
    assert [s.salience for s in loaded.scenario.stances] == [80, 40]
    assert any("within 0..1: read as fractions" in w for w in loaded.warnings)
    path.write_text("actor,position,salience,capability\nA,10,1,1\nB,90,0,1\n")
    loaded = read_scenario(path)
    assert [s.salience for s in loaded.scenario.stances] == [1, 0]
    assert any("every salience is 0 or 1" in w for w in loaded.warnings)


def test_ktab_fractional_dimension_count_is_an_error(tmp_path):
    lines = (VALIDATION / "ktab-soe-pol-comp" / "SOE-Pol-Comp.csv").read_text().splitlines()
    head = lines[0].split(",")
    head[3] = "1.9"
    path = tmp_path / "k.csv"
    path.write_text("\n".join([",".join(head), *lines[1:]]) + "\n")
    with pytest.raises(ScenarioError, match=r"nDims '1\.9' is not a whole number") as info:
        load_scenario(path)
    assert info.value.row == 1 and info.value.field == "nDims"


def test_oversized_cell_is_a_clean_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("actor,position,salience,capability\n" + "A" * 140_000 + ",1,50,1\n")
    with pytest.raises(ScenarioError, match="a cell longer than 131,072 characters") as info:
        load_scenario(path)
    assert info.value.row == 2


def test_size_limit_option_and_environment(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text("actor,position,salience,capability\n" + "".join(f"a{k},1,50,1\n" for k in range(200)))
    with pytest.raises(InputTooLarge, match="--max-input-mb"):
        load_scenario(path, max_bytes=1000)
    monkeypatch.setenv("STAKES_MAX_INPUT_MB", "0.001")
    with pytest.raises(InputTooLarge):
        load_scenario(path)
    monkeypatch.setenv("STAKES_MAX_INPUT_MB", "1")
    assert len(load_scenario(path).actors) == 200


def test_endless_device_is_read_only_up_to_the_limit():
    with pytest.raises(InputTooLarge):
        read_bytes(Path("/dev/zero"), 10_000)


def test_zip_bomb_xlsx_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(InputTooLarge, match="expands to"):
        load_scenario(path, max_bytes=1_000_000)


def test_xlsx_saved_as_csv_is_named(tmp_path):
    path = tmp_path / "t.csv"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a", b"x")
    with pytest.raises(ScenarioError, match="zip archive"):
        load_scenario(path)


@pytest.mark.parametrize("name", ["blog_table.csv", "european.csv", "decide_quoted.csv", "utf16.txt"])
def test_web_upload_reads_the_same_shapes(name):
    pytest.importorskip("fastapi")
    from .web_fixtures import make_client, upload

    with make_client() as client:
        r = upload(client, (DATA / name).read_bytes(), name=name)
    assert r.status_code == 201, r.text
    assert len(r.json()["scenario"]["actors"]) >= 3
