"""Furnas's Syria 2016 landscape run (github alexanderfurnas/Landscape_Theory): energies and local minima."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from stakes.alignment import exact_landscape, is_local_minimum
from stakes.alignment.energy import energy, frustration, sides_to_index
from stakes.alignment.exact import energies_all
from stakes.validation import validate_cases
from stakes.validation.landscape_furnas import CASE, furnas_landscape, furnas_results, run

FOLDER = Path(__file__).parent / "data" / "validation" / "landscape-furnas-syria"


@pytest.fixture(scope="module")
def case():
    land, names = furnas_landscape(FOLDER)
    return land, names, furnas_results(FOLDER, land.actor_ids)


def test_inputs_follow_the_readme_convention(case) -> None:
    land, names, _ = case
    assert names[0] == "US" and names[6] == "ISIS" and land.n == 11
    assert land.sizes.tolist() == [10, 10, 50, 10, 10, 20, 100, 20, 40, 10, 50]
    assert land.propensity[0, 3] == 2  # US–Turkey code 5
    assert land.propensity[6, 0] == -2  # ISIS–US code 1
    assert land.propensity[9].tolist() == [-1] * 9 + [0, -1]  # Nursa: code 2 with everybody


def test_same_energy_on_every_one_of_the_1024_configurations(case) -> None:
    land, _, ref = case
    assert len(ref["energy"]) == 1024
    idx = sides_to_index(ref["sides"])
    assert sorted(idx.tolist()) == list(range(1024))  # every canonical configuration once
    np.testing.assert_array_equal(energy(ref["sides"], land.weights), ref["energy"])
    np.testing.assert_array_equal(energies_all(land.weights)[idx], ref["energy"])


def test_frustration_columns_are_each_actors_share_of_the_energy(case) -> None:
    land, _, ref = case
    share = land.sizes * frustration(ref["sides"], land.sizes, land.propensity)
    np.testing.assert_array_equal(share, ref["frustration"])


def test_same_local_minima(case) -> None:
    land, _, ref = case
    flagged = set(sides_to_index(ref["sides"][ref["local_min"]]).tolist())
    res = exact_landscape(land.weights)
    assert {m.index for m in res.minima} == flagged
    assert set(np.flatnonzero(is_local_minimum(ref["sides"], land.weights))) == set(
        np.flatnonzero(ref["local_min"]))
    assert res.best.energy == ref["energy"].min() == -83200
    assert res.minima[0].basin == 1024  # the only minimum attracts every configuration


def test_favored_alignments_file_obeys_the_same_energy(case) -> None:
    land, _, _ = case
    with (FOLDER / "Landscape_Favored_Alignments_2016-02-20.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    codes = np.array([[int(r[a]) for a in land.actor_ids] for r in rows])
    sides = (codes != codes[:, :1]).astype(np.int8)
    np.testing.assert_array_equal(energy(sides, land.weights), [float(r["Energy"]) for r in rows])


def test_validation_rows(tmp_path: Path) -> None:
    rows = run(FOLDER)
    by_issue = {r.issue: r for r in rows}
    assert by_issue["energy max abs error (1024 configurations)"].value == 0.0
    assert by_issue["frustration max abs error"].value == 0.0
    assert by_issue["local minima (count)"].value == by_issue["local minima (count)"].reference == 1
    mins = [r for r in rows if r.issue.startswith("local minimum ")]
    assert len(mins) == 1 and mins[0].error == 0.0 and "891" in mins[0].issue
    assert all(r.model == "landscape" and r.kind == "replication" for r in rows)
    (tmp_path / FOLDER.name).symlink_to(FOLDER)  # only this case, found by `stakes validate`'s handler
    frame = validate_cases(tmp_path)
    assert len(frame[frame.case == CASE]) == len(rows)
    assert (frame[frame.case == CASE].error.abs() == 0).all()
