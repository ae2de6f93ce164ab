"""`stakes align`: output formats and bad input (exit status 2 with a clear message)."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
import yaml

from stakes.cli import main

from .test_alignment_scenario import BASE


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["stakes", "align", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def write(tmp_path: Path, data: dict, name: str = "s.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def matrix(tmp_path: Path, rows: list[list[str]]) -> str:
    path = tmp_path / "p.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return str(path)


def test_json_contract(monkeypatch, capsys, tmp_path) -> None:
    code, out, _ = run(monkeypatch, capsys, write(tmp_path, BASE), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [a["variant"] for a in data["alignments"]] == ["baseline", "hun-pivots", "no-pol", "hun-big"]
    for a in data["alignments"]:
        assert set(a["sides"].values()) <= {0, 1} and isinstance(a["energy"], float)
        assert isinstance(a["runner_up"], list)
    assert {(t["id"], t["variant"], t["holds"]) for t in data["theses"]} == {
        ("fra-pol", "baseline", True), ("hun-rus", "baseline", True), ("hun-not-ukr", "hun-pivots", False),
        ("pol-gone", "no-pol", None)}


def test_csv_has_a_row_per_variant_and_actor(monkeypatch, capsys, tmp_path) -> None:
    code, out, _ = run(monkeypatch, capsys, write(tmp_path, BASE), "-f", "csv", "-v", "baseline", "-v", "no-pol")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("variant,actor,side,frustration,energy")
    assert len(lines) == 1 + 5 + 4


def test_table_and_runs(monkeypatch, capsys, tmp_path) -> None:
    sc = write(tmp_path, {**BASE, "uncertainty": {"default": {"capability": 0.3, "affinity": 0.5}}})
    code, out, _ = run(monkeypatch, capsys, sc, "--runs", "30")
    assert code == 0
    for word in ("hun-pivots", "frustration", "P(with ukr)", "fra-pol", "Side theses"):
        assert word in out
    code, out, _ = run(monkeypatch, capsys, sc, "--runs", "30", "-f", "json", "-v", "baseline")
    data = json.loads(out)
    probs = data["alignments"][0]["probabilities"]
    assert probs["runs"] == 30 and probs["same_side"]["ukr"] == 1.0
    assert all(0 <= t["probability"] <= 1 for t in data["theses"])


def test_propensity_matrix_file_overrides_pairs(monkeypatch, capsys, tmp_path) -> None:
    p = matrix(tmp_path, [["", "hun", "ukr"], ["hun", "", "5"], ["ukr", "5", ""]])
    code, out, _ = run(monkeypatch, capsys, write(tmp_path, BASE), "--propensities", p, "-f", "json",
                       "-v", "baseline")
    assert code == 0
    sides = json.loads(out)["alignments"][0]["sides"]
    assert sides["hun"] == sides["ukr"] == 0


@pytest.mark.parametrize(("rows", "message"), [
    ([["", "hun", "ukr"], ["hun", "", "1"], ["ukr", "2", ""]], "not symmetric: 'hun'→'ukr' is 1 but 'ukr'→'hun' is 2"),
    ([["", "hun", "usa"], ["hun", "", "1"], ["usa", "1", ""]], "propensity given for unknown actor 'usa'"),
    ([["", "hun", "ukr"], ["hun", "", "nan"], ["ukr", "nan", ""]], "pair 'hun'–'ukr' is nan"),
    ([["", "hun", "ukr"], ["hun", "", "x"], ["ukr", "1", ""]], "propensity 'x' of pair 'hun'–'ukr' is not a number"),
])
def test_bad_matrix_exits_2(monkeypatch, capsys, tmp_path, rows, message) -> None:
    code, _, err = run(monkeypatch, capsys, write(tmp_path, BASE), "--propensities", matrix(tmp_path, rows))
    assert code == 2 and message in err and "p.csv" in err and "Traceback" not in err


def bad(**edits) -> dict:
    data = copy.deepcopy(BASE)
    for key, fn in edits.items():
        fn(data[key])
    return data


@pytest.mark.parametrize(("data", "message"), [
    (bad(actors=lambda a: a[0].update(capability=0)), "actor 'ukr'"),
    (bad(actors=lambda a: a[0].update(size=0)), "size"),
    (bad(affinities=lambda f: f.append({"a": "ukr", "b": "usa", "value": 1})), "unknown actor 'usa'"),
    (bad(affinities=lambda f: f.append({"a": "rus", "b": "ukr", "value": 1})), "propensities are symmetric"),
    (bad(affinities=lambda f: f.append({"a": "pol", "b": "fra", "value": float("nan")})), "finite"),
])
def test_bad_scenario_exits_2(monkeypatch, capsys, tmp_path, data, message) -> None:
    code, _, err = run(monkeypatch, capsys, write(tmp_path, data))
    assert code == 2 and message in err and "Traceback" not in err


def test_bad_options_exit_2(monkeypatch, capsys, tmp_path) -> None:
    sc = write(tmp_path, BASE)
    code, _, err = run(monkeypatch, capsys, sc, "-v", "nope")
    assert code == 2 and "nope" in err
    code, _, err = run(monkeypatch, capsys, sc, "--runs", "-3")
    assert code == 2 and "--runs" in err


def test_too_many_actors_for_exact_says_so_and_uses_the_heuristic(monkeypatch, capsys, tmp_path) -> None:
    n = 36
    data = {"title": "many", "issues": [{"id": "x", "name": "X"}],
            "actors": [{"id": f"a{i}", "name": f"A{i}", "capability": 1} for i in range(n)],
            "stances": [{"actor": f"a{i}", "issue": "x", "position": 100 * (i % 2), "salience": 50}
                        for i in range(n)]}
    code, out, err = run(monkeypatch, capsys, write(tmp_path, data), "--engine", "exact", "-f", "json",
                         "--restarts", "2")
    assert code == 0
    assert "too large for the exact engine" in err and "used the heuristic" in err
    assert json.loads(out)["alignments"][0]["engine"] == "heuristic"


def test_builtin_scenario_gets_sides_for_every_variant_and_verdicts(monkeypatch, capsys) -> None:
    from stakes.scenario import SideThesis
    from stakes.scenarios import builtin_scenario
    from stakes.variants import apply_variant

    sc = builtin_scenario()
    code, out, _ = run(monkeypatch, capsys, "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert [a["variant"] for a in data["alignments"]] == ["baseline", *(v.id for v in sc.variants)]
    for a in data["alignments"]:
        assert list(a["sides"]) == apply_variant(sc, a["variant"]).actor_ids
    side = [t.id for t in sc.theses if isinstance(t, SideThesis)]
    assert sorted(t["id"] for t in data["theses"]) == sorted(side)
    sides = {a["variant"]: a["sides"] for a in data["alignments"]}
    for t in data["theses"]:
        th = next(x for x in sc.theses if x.id == t["id"])
        present = all(a in sides[t["variant"]] for a in (*th.actors, th.with_actor))
        assert isinstance(t["holds"], bool) == present
