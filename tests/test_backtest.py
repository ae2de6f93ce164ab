"""`stakes backtest`: the DEU reader, the batched engine against a per-case loop, scores and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from stakes.arrays import compile_scenario
from stakes.backtest import backtest, load_cases
from stakes.backtest.cases import with_capability
from stakes.backtest.engine import run_stacked
from stakes.io import load_scenario
from stakes.io.deu import parse_intro_date, read_deu
from stakes.models import get_model, list_models
from stakes.scoring import QUANTILE_LEVELS, point_scores

from .conftest import ROOT, run_main

DEU = ROOT / "tests" / "data" / "deu3" / "deu3-dev.tsv"


def _subset(tmp_path: Path, rows: int) -> Path:
    lines = DEU.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "deu-sub.tsv"
    path.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
    return path


def test_reader_counts_cases_and_says_what_it_skipped():
    col = read_deu(DEU)
    assert len(col.case_ids) == 184
    assert sorted(c for c, _ in col.skipped) == ["d170245i1", "d95341i2"]
    assert all("outcome" in reason for _, reason in col.skipped)
    assert col.imputed_saliences == 20
    sc = col.scenario
    first = sc.issue("d00067i1")
    assert first.status_quo == 0 and sc.outcome("d00067i1").value == 50
    assert {s.actor for s in sc.stances if s.issue == "d00067i1"} >= {"com", "ep", "fr", "uk"}
    meta = col.meta["d00067i1"]
    assert (meta.proposal, meta.procedure, meta.voting_rule, meta.introduced) == ("d00067", "COD", "QMV",
                                                                                   dt.date(2000, 3, 21))


def test_intro_dates_in_the_three_spellings_of_the_file():
    assert parse_intro_date("07-02-96") == dt.date(1996, 2, 7)
    assert parse_intro_date("08-03-2016") == dt.date(2016, 3, 8)
    assert parse_intro_date("2028-12-04") == dt.date(2004, 12, 28)
    assert parse_intro_date("1930-11-05") == dt.date(2005, 11, 30)
    assert parse_intro_date("999") is None


def test_every_proposal_date_agrees_with_its_commission_document_year():
    for meta in read_deu(DEU).meta.values():
        yy = int(meta.proposal[1:3])
        year = (1900 if yy > 50 else 2000) + yy
        assert meta.introduced is not None and 0 <= meta.introduced.year - year <= 1, meta


def test_load_scenario_reads_a_deu_file():
    sc = load_scenario(DEU)
    assert len(sc.issues) == 184 and len(sc.outcomes) == 184


@pytest.mark.parametrize("model", [s.id for s in list_models() if s.id != "ensemble"])
def test_batched_engine_equals_a_per_case_loop(tmp_path, model):
    cases = with_capability(load_cases(_subset(tmp_path, 40)), "equal")
    spec = get_model(model)
    stacked = run_stacked(model, cases.arrays)[0]
    sc = cases.scenario
    for k, issue in enumerate(cases.case_ids):
        stances = tuple(s for s in sc.stances if s.issue == issue)
        actors = tuple(a for a in sc.actors if any(s.actor == a.id for s in stances))
        one = sc.model_copy(update={"issues": (sc.issue(issue),), "actors": actors, "stances": stances,
                                    "outcomes": ()})
        alone = spec.run(compile_scenario(one), **spec.defaults()).forecast[0, 0]
        assert stacked[k] == pytest.approx(alone, abs=1e-9), (model, issue)


def test_summary_agrees_with_the_rows_and_the_bootstrap_brackets_the_difference(tmp_path):
    res = backtest(_subset(tmp_path, 60), models=["weighted-mean", "mean", "midpoint", "commission"])
    summary = res.summary().set_index("model")
    rows = res.rows()
    for model in ("weighted-mean", "mean", "midpoint"):
        err = rows.loc[rows.model == model, "error"].abs().to_numpy()
        s = point_scores(err)
        assert summary.loc[model, "mae"] == pytest.approx(s.mae)
        assert summary.loc[model, "hit10"] == pytest.approx(s.hit10)
    mean_row = summary.loc["mean"]
    diff = summary.loc["mean", "mae"] - summary.loc["weighted-mean", "mae"]
    assert mean_row["mae_diff_vs_weighted_mean"] == pytest.approx(diff)
    assert mean_row["ci_low"] <= diff <= mean_row["ci_high"]
    # the Commission's position: one row per case where 'com' has a position, equal to that position
    com = rows[rows.model == "commission"]
    sc = res.cases.scenario
    for r in com.itertuples():
        assert r.forecast == sc.stance("com", r.issue).position


def test_monte_carlo_gives_quantiles_around_the_forecast(tmp_path):
    res = backtest(_subset(tmp_path, 30), models=["weighted-mean", "bdm"], runs=40, seed=3)
    rows = res.rows()
    assert rows[["q05", "q25", "q50", "q75", "q95"]].notna().all().all()
    assert (rows.q05 <= rows.q25).all() and (rows.q25 <= rows.q50).all() and (rows.q75 <= rows.q95).all()
    s = res.summary().set_index("model")
    assert 0 <= s.loc["bdm", "cover90"] <= 1 and s.loc["bdm", "crps"] > 0
    again = backtest(_subset(tmp_path, 30), models=["weighted-mean", "bdm"], runs=40, seed=3)
    assert np.array_equal(again.grid["bdm"], res.grid["bdm"])


def test_smp_monte_carlo_is_capped_and_uses_the_first_draws(tmp_path, monkeypatch):
    """SMP gets a predictive distribution from the first MC_RUNS_CAP of the shared draws."""
    import stakes.backtest as backtest_module
    import stakes.backtest.engine as engine

    monkeypatch.setattr(engine, "MC_RUNS_CAP", {"smp": 3})
    monkeypatch.setattr(backtest_module, "MC_RUNS_CAP", {"smp": 3})
    path = _subset(tmp_path, 12)
    res = backtest(path, models=["smp", "weighted-mean"], runs=5, seed=4)
    assert res.settings["runs_per_model"] == {"smp": 3, "weighted-mean": 5}
    s = res.summary().set_index("model")
    assert s.loc["smp", "crps"] > 0 and 0 <= s.loc["smp", "cover90"] <= 1
    cases = res.cases
    draws = engine.case_inputs(cases, 5, 4, None).take(slice(0, 3))
    expected = run_stacked("smp", draws)
    assert np.allclose(res.grid["smp"], np.quantile(expected, QUANTILE_LEVELS, axis=0).T)


def test_backtest_of_a_scenario_with_outcomes():
    from stakes.validation.bdm1994 import bdm1994_scenario

    sc = bdm1994_scenario(ROOT / "tests" / "data" / "validation" / "bdm1994-emissions")
    res = backtest(sc, models=["bdm", "weighted-mean"])
    assert res.cases.outcome.tolist() == [8.833]
    # errors are in points of a 0–100 scale: the 4–10 year scale is 6 years wide
    bdm = res.rows().set_index("model").loc["bdm"]
    assert bdm.error == pytest.approx((bdm.forecast - 8.833) * 100 / 6)


def test_cli_json_contract(monkeypatch, capsys, tmp_path):
    code, out, _ = run_main(monkeypatch, capsys, "backtest", str(_subset(tmp_path, 25)), "-m", "weighted-mean",
                            "-m", "median-actor", "--format", "json", "--by", "proc")
    assert code == 0
    data = json.loads(out)
    assert data["cases"] == 24
    assert data["skipped"] == [{"case": "d95341i2", "reason": "no outcome recorded ('out' is empty)"}]
    assert set(data["summary"][0]) == {"model", "n", "mae", "rmse", "medae", "hit5", "hit10", "hit20", "crps",
                                       "cover50", "cover90", "mae_diff_vs_weighted_mean", "ci_low", "ci_high"}
    assert set(data["rows"][0]) == {"case", "issue", "model", "forecast", "outcome", "error", "q05", "q25", "q50",
                                    "q75", "q95"}
    assert {r["value"] for r in data["breakdown"]} <= {"COD", "CNS"}


def test_cli_table_names_the_data_set(monkeypatch, capsys, tmp_path):
    code, out, _ = run_main(monkeypatch, capsys, "backtest", str(_subset(tmp_path, 10)), "-m", "mean")
    assert code == 0 and "Arregui" in out and "mean" in out


def _broken(tmp_path: Path, edit) -> Path:
    lines = DEU.read_text(encoding="utf-8").splitlines()[:6]
    lines = edit(lines)
    path = tmp_path / "broken.tsv"
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    return path


def _drop_column(lines: list[str], name: str) -> list[str]:
    k = lines[0].split("\t").index(name)
    return ["\t".join(c for j, c in enumerate(line.split("\t")) if j != k) for line in lines]


def _set_cell(lines: list[str], row: int, name: str, value: str) -> list[str]:
    k = lines[0].split("\t").index(name)
    cells = lines[row].split("\t")
    cells[k] = value
    return [*lines[:row], "\t".join(cells), *lines[row + 1:]]


@pytest.mark.parametrize(("edit", "expect"), [
    (lambda ls: _drop_column(ls, "out"), ["row 1", "field 'out'"]),
    (lambda ls: _set_cell(ls, 2, "pfr", "yes"), ["row 3", "field 'pfr'", "'yes' is not a number"]),
    (lambda ls: _set_cell(ls, 1, "sde", "250"), ["row 2", "field 'sde'", "outside"]),
    (lambda ls: [*ls[:3], ls[3] + "\t7", *ls[4:]], ["row 4", "cells"]),
    (lambda ls: [ls[0]], ["no cases"]),
])
def test_malformed_deu_files_exit_2_with_row_and_field(monkeypatch, capsys, tmp_path, edit, expect):
    path = _broken(tmp_path, edit)
    code, out, err = run_main(monkeypatch, capsys, "backtest", str(path))
    assert code == 2, out + err
    assert "Traceback" not in err
    for text in expect:
        assert text in err, err


def test_an_empty_file_is_refused(monkeypatch, capsys, tmp_path):
    path = tmp_path / "empty.tsv"
    path.write_text("", encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "backtest", str(path))
    assert code == 2 and "Traceback" not in err
    assert "empty.tsv" in err and "empty" in err.split("empty.tsv", 1)[1]


def test_unknown_model_and_rule_are_refused(monkeypatch, capsys, tmp_path):
    path = _subset(tmp_path, 5)
    code, _, err = run_main(monkeypatch, capsys, "backtest", str(path), "-m", "oracle")
    assert code == 2 and "unknown model 'oracle'" in err
    code, _, err = run_main(monkeypatch, capsys, "backtest", str(path), "--capability", "height")
    assert code == 2 and "unknown capability rule 'height'" in err
