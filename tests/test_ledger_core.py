"""The ledger's core without a database: canonical JSON and the hash chain, entries, outcomes, grading."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from stakes.errors import ScenarioError
from stakes.forecast import forecast
from stakes.io.yaml_io import scenario_from_dict
from stakes.ledger import (
    GENESIS,
    ChainLink,
    LedgerError,
    Outcome,
    canonical_json,
    check_chain,
    check_outcomes,
    entry_hash,
    forecast_entries,
    grade,
    ranking,
    read_outcomes_csv,
    scenario_outcomes,
    sealed_questions,
    summarise,
)
from stakes.scoring import QUANTILE_LEVELS

from .conftest import small_scenario_dict


# -- canonical JSON and the chain -------------------------------------------------------------------------
def test_canonical_json_sorts_keys_drops_spaces_and_refuses_nan():
    assert canonical_json({"b": 1, "a": [1.5, None, "é"], "c": (2, 3)}) == '{"a":[1.5,null,"é"],"b":1,"c":[2,3]}'
    assert canonical_json({"x": np.float64(0.25), "n": np.int64(3)}) == '{"n":3,"x":0.25}'
    with pytest.raises(LedgerError, match="non-finite"):
        canonical_json({"x": float("nan")})


def test_entry_hash_is_sha256_of_the_documented_text():
    body = '{"content":{"a":1,"b":"x"},"prev":"' + GENESIS + '"}'
    assert entry_hash({"b": "x", "a": 1}, GENESIS) == hashlib.sha256(body.encode()).hexdigest()


def _chain(contents: list[dict]) -> list[ChainLink]:
    links, prev = [], GENESIS
    for k, c in enumerate(contents, start=1):
        h = entry_hash(c, prev)
        links.append(ChainLink(k, prev, h, c))
        prev = h
    return links


def test_an_intact_chain_passes_and_reports_its_head():
    links = _chain([{"v": 1}, {"v": 2}, {"v": 3}])
    check = check_chain(links)
    assert check.ok and check.n_entries == 3 and check.head == links[-1].hash


def test_an_edited_content_names_that_entry():
    links = _chain([{"v": 1}, {"v": 2}, {"v": 3}])
    links[1] = ChainLink(2, links[1].prev, links[1].hash, {"v": 2.5})
    check = check_chain(links)
    assert not check.ok and check.bad_id == 2 and "edited" in check.reason


def test_a_removed_or_rehashed_entry_breaks_the_next_link():
    links = _chain([{"v": 1}, {"v": 2}, {"v": 3}])
    check = check_chain([links[0], links[2]])
    assert check.bad_id == 3 and "previous hash" in check.reason
    # editing entry 2 and re-hashing it alone still breaks entry 3
    new2 = ChainLink(2, links[1].prev, entry_hash({"v": 9}, links[1].prev), {"v": 9})
    assert check_chain([links[0], new2, links[2]]).bad_id == 3


# -- entries ----------------------------------------------------------------------------------------------
def test_entries_hold_one_forecast_per_variant_issue_model(small):
    result = forecast(small, models=["weighted-mean", "mean"], variants=["baseline", "us-out"])
    now = dt.datetime(2024, 8, 1, 12, tzinfo=dt.UTC)
    new = forecast_entries(result, note="n", now=now)
    assert len(new.contents) == 2 * 2 * 2
    frame = result.frame().set_index(["variant", "model", "issue"])["value"]
    for c in new.contents:
        assert c["value"] == frame[(c["variant"], c["model"], c["issue"])]
        assert c["quantiles"] is None and c["note"] == "n" and c["recorded_at"] == now.isoformat()
        assert c["scenario_sha256"] == new.scenario_sha256 == hashlib.sha256(new.scenario_yaml.encode()).hexdigest()
    aid = next(c for c in new.contents if c["issue"] == "aid")
    assert aid["scale"] == [-10.0, 10.0]


def test_quantiles_in_the_model_result_are_recorded_and_a_bad_shape_refused(small):
    result = forecast(small, models=["weighted-mean"], variants=["baseline"])
    res = result.results[("baseline", "weighted-mean")]
    grid = res.forecast[..., None] + np.linspace(-9, 9, len(QUANTILE_LEVELS))  # (1, d, 19)
    res.extra["quantiles"] = grid
    new = forecast_entries(result)
    assert [c["quantiles"] for c in new.contents] == [list(grid[0, d]) for d in range(grid.shape[1])]
    res.extra["quantiles"] = grid[..., :5]
    with pytest.raises(LedgerError, match="shape"):
        forecast_entries(result)


def test_an_ensemble_entry_names_the_weights_it_was_made_with(small):
    from importlib.resources import files

    result = forecast(small, models=["ensemble", "weighted-mean"], variants=["baseline"])
    contents = forecast_entries(result).contents
    weights = files("stakes.ensemble").joinpath("weights.json").read_bytes()
    assert {c["calibration_sha256"] for c in contents if c["model"] == "ensemble"} == {
        hashlib.sha256(weights).hexdigest()}
    assert {c["calibration_sha256"] for c in contents if c["model"] == "weighted-mean"} == {None}


# -- outcomes ---------------------------------------------------------------------------------------------
HEADER = "scenario,variant,issue,value,date,source\n"


def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "outcomes.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_outcomes_csv_is_read_with_empty_variant_as_baseline(tmp_path):
    path = _csv(tmp_path, "small,,territory,40,2025-01-02,news\nsmall,us-out,aid,-3,2025-02-01,\n")
    first, second = read_outcomes_csv(path)
    assert first.key == ("small", "baseline", "territory") and first.date == dt.date(2025, 1, 2) and first.row == 2
    assert second.value == -3 and second.source == "" and second.row == 3


@pytest.mark.parametrize(("header", "body", "row", "field"), [
    ("scenario,variant,issue,value,source\n", "small,,territory,40,x\n", "row 1", "field 'date'"),
    (HEADER, "small,,territory,forty,2025-01-02,x\n", "row 2", "field 'value'"),
    (HEADER, "small,,territory,40,2025-01-02,x\nsmall,,aid,1,02/03/2025,x\n", "row 3", "field 'date'"),
    (HEADER, "small,,,40,2025-01-02,x\n", "row 2", "field 'issue'"),
])
def test_a_malformed_outcomes_file_names_file_row_and_field(tmp_path, header, body, row, field):
    path = _csv(tmp_path, body, header)
    with pytest.raises(ScenarioError) as err:
        read_outcomes_csv(path)
    text = str(err.value)
    assert str(path) in text and row in text and field in text


@pytest.mark.parametrize(("line", "field", "words"), [
    ("other,,territory,40,2025-01-02,x", "scenario", "no entry of the ledger is about scenario 'other'"),
    ("small,no-such,territory,40,2025-01-02,x", "variant", "has no variant 'no-such'"),
    ("small,,borders,40,2025-01-02,x", "issue", "has no issue 'borders'"),
    ("small,,aid,11,2025-01-02,x", "value", "outside the scale"),
])
def test_outcomes_the_ledger_cannot_place_are_refused(tmp_path, small, line, field, words):
    outcomes = read_outcomes_csv(_csv(tmp_path, line + "\n"))
    with pytest.raises(ScenarioError) as err:
        check_outcomes(outcomes, {"small": [small]})
    assert words in str(err.value) and f"field '{field}'" in str(err.value) and "row 2" in str(err.value)


def test_a_second_outcome_for_one_question_is_refused(tmp_path, small):
    outcomes = read_outcomes_csv(_csv(tmp_path, "small,,aid,1,2025-01-02,x\nsmall,baseline,aid,2,2025-01-03,y\n"))
    with pytest.raises(ScenarioError, match=r"second outcome.*row 2"):
        check_outcomes(outcomes, {"small": [small]})


def test_a_scenarios_outcomes_are_read_through_its_outcomes_attribute(small):
    declared = SimpleNamespace(id="small", outcomes=(
        SimpleNamespace(issue="territory", value=30.0, date=dt.date(2025, 1, 1), source="s", variant=None),))
    (o,) = scenario_outcomes(declared, "x.yaml")  # type: ignore[arg-type]
    assert o.key == ("small", "baseline", "territory") and o.row == "outcomes[0]"
    with pytest.raises(ScenarioError, match="declares no outcomes"):
        scenario_outcomes(small, "small.yaml")


# -- grading ----------------------------------------------------------------------------------------------
def _content(**kw) -> dict:
    base = {"scenario": "small", "variant": "baseline", "issue": "aid", "model": "m", "scale": [-10.0, 10.0],
            "value": 2.0, "quantiles": None, "as_of": "2024-07-15", "recorded_at": "2024-08-01T00:00:00+00:00"}
    return {**base, **kw}


def _outcome(value: float, date: str = "2025-01-01", issue: str = "aid", variant: str = "baseline") -> Outcome:
    return Outcome("small", variant, issue, value, dt.date.fromisoformat(date), "src", "o.csv", 2)


def _pinball_crps(grid: np.ndarray, y: float) -> float:
    """CRPS ≈ 2/|Q| Σ_q pinball_q (Berrisch & Ziel 2023), written out here independently of scoringrules."""
    losses = [(q - (y < x)) * (y - x) for q, x in zip(QUANTILE_LEVELS, grid, strict=True)]
    return 2 * float(np.mean(losses))


def test_a_point_forecast_is_scored_on_a_0_100_scale_and_its_crps_is_its_error():
    (g,), refused = grade([(1, _content())], [_outcome(-3.0)])
    assert not refused
    assert g["error"] == pytest.approx(25.0)  # |2 - (-3)| = 5 on a 20-wide scale
    assert g["crps"] == pytest.approx(25.0)
    assert g["cover50"] is False and g["cover90"] is False and g["retrospective"] is False
    (hit,), _ = grade([(1, _content())], [_outcome(2.0)])
    assert hit["error"] == 0 and hit["cover50"] and hit["cover90"]


def test_a_quantile_forecast_gets_its_crps_and_interval_coverage():
    grid = np.linspace(-6.0, 8.0, len(QUANTILE_LEVELS))  # q25 = -2.5, q75 = 4.5; q05 = -6, q95 = 8
    content = _content(quantiles=list(grid), value=1.0)
    for y, c50, c90 in [(0.0, True, True), (6.0, False, True), (9.0, False, False)]:
        (g,), _ = grade([(1, content)], [_outcome(y)])
        assert g["crps"] == pytest.approx(_pinball_crps(grid, y) * 100 / 20)
        assert (g["cover50"], g["cover90"]) == (c50, c90)
        assert g["distribution"] == "quantiles"


def test_an_outcome_before_as_of_is_refused_and_one_after_recording_is_sealed():
    entries = [(1, _content()), (2, _content(recorded_at="2025-03-01T09:00:00+00:00")), (3, _content(as_of=None))]
    grades, refused = grade(entries, [_outcome(1.0, "2024-07-01")])
    assert [r.entry_id for r in refused] == [1, 2] and "before the scenario's as-of date" in refused[0].reason
    assert [g["entry"] for g in grades] == [3]  # no as-of: nothing to refuse on
    grades, _ = grade(entries[:2], [_outcome(1.0, "2025-03-01")])
    assert {g["entry"]: g["retrospective"] for g in grades} == {1: False, 2: True}  # recorded on the day: retro


def test_unmatched_entries_are_not_graded():
    grades, refused = grade([(1, _content(variant="us-out")), (2, _content(issue="territory"))], [_outcome(1.0)])
    assert grades == [] and refused == []


def test_summaries_weigh_questions_equally_and_keep_retrospective_apart():
    entries = [(1, _content(value=0.0)), (2, _content(value=0.0)), (3, _content(value=0.0, issue="t2")),
               (4, _content(value=4.0, recorded_at="2025-06-01T00:00:00+00:00"))]
    grades, _ = grade(entries, [_outcome(2.0), _outcome(10.0, issue="t2")])
    rows = {r["record"]: r for r in summarise(grades)}
    sealed = rows["sealed"]
    # aid: two entries, error 10 each -> 10; t2: error 50 -> mean over questions 30 (not (10+10+50)/3)
    assert (sealed["questions"], sealed["entries"]) == (2, 3) and sealed["error"] == pytest.approx(30.0)
    assert rows["retrospective"]["entries"] == 1 and rows["retrospective"]["error"] == pytest.approx(10.0)
    assert sealed_questions(grades) == 2


def test_models_are_ranked_only_from_ten_sealed_questions():
    def graded(n: int) -> list[dict]:
        out = []
        for k in range(n):
            for model, value in (("good", 1.0), ("bad", 5.0)):
                entry = (k, _content(issue=f"i{k}", model=model, value=value))
                out += grade([entry], [_outcome(0.0, issue=f"i{k}")])[0]
        return out

    few = graded(9)
    rows, note = ranking(summarise(few), sealed_questions(few))
    assert rows is None and "9 sealed questions" in note and "noise" in note
    enough = graded(10)
    rows, note = ranking(summarise(enough), sealed_questions(enough))
    assert [r["model"] for r in rows] == ["good", "bad"] and rows[0]["crps"] == pytest.approx(5.0)


def test_outcomes_on_the_scale_edges_and_of_a_derived_variant_are_accepted():
    sc = scenario_from_dict(small_scenario_dict())
    check_outcomes([_outcome(-10.0), _outcome(10.0, issue="territory", variant="us-out-hu-up")], {"small": [sc]})
