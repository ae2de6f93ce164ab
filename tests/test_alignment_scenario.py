"""Landscape theory on scenarios: propensity derivation, sizes, variants, side theses, Monte Carlo."""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest

from stakes.alignment import (
    EXACT_MAX_N,
    align,
    align_variants,
    derived_propensity,
    exact_landscape,
    judge_side_theses,
    landscape_from_scenario,
    propensity_matrix,
    side_probabilities,
)
from stakes.alignment.energy import energy
from stakes.alignment.uncertainty import _batched_global, _draws, perturb
from stakes.errors import ScenarioError
from stakes.io.yaml_io import scenario_from_dict
from stakes.scenario import SideThesis
from stakes.theses import judge_sides

BASE: dict = {
    "title": "two blocs",
    "issues": [{"id": "terr", "name": "Territory"}, {"id": "aid", "name": "Aid", "scale_min": 0, "scale_max": 10}],
    "actors": [
        {"id": "ukr", "name": "Ukraine", "capability": 30},
        {"id": "rus", "name": "Russia", "capability": 60},
        {"id": "fra", "name": "France", "capability": 40, "groups": ["eu", "nato"]},
        {"id": "pol", "name": "Poland", "capability": 30, "groups": ["eu", "nato"]},
        {"id": "hun", "name": "Hungary", "capability": 10, "groups": ["eu", "nato"], "size": 5},
    ],
    "stances": [
        {"actor": "ukr", "issue": "terr", "position": 0, "salience": 100},
        {"actor": "rus", "issue": "terr", "position": 100, "salience": 100},
        {"actor": "fra", "issue": "terr", "position": 20, "salience": 64},
        {"actor": "pol", "issue": "terr", "position": 5, "salience": 100},
        {"actor": "hun", "issue": "terr", "position": 70, "salience": 25},
        {"actor": "ukr", "issue": "aid", "position": 10, "salience": 100},
        {"actor": "fra", "issue": "aid", "position": 5, "salience": 36},
    ],
    "affinities": [{"a": "ukr", "b": "rus", "value": -3}, {"a": "hun", "b": "rus", "value": 0.5}],
    "alignment": {"group_bonus": 0.25},
    "variants": [
        {"id": "hun-pivots", "name": "Hungary pivots", "changes": [
            {"op": "set_affinity", "actor": "hun", "other": "rus", "value": -2},
            {"op": "set_affinity", "actor": "hun", "other": "ukr", "value": 2}]},
        {"id": "no-pol", "name": "Poland out", "changes": [{"op": "remove_actor", "actor": "pol"}]},
        {"id": "hun-big", "name": "Hungary grows", "changes": [
            {"op": "scale_capability", "actor": "hun", "value": 4}]},
    ],
    "theses": [
        {"id": "fra-pol", "kind": "side", "claim": "France and Poland with Ukraine", "actors": ["fra", "pol"],
         "with_actor": "ukr"},
        {"id": "hun-rus", "kind": "side", "claim": "Hungary with Russia", "actors": ["hun"], "with_actor": "rus"},
        {"id": "hun-not-ukr", "kind": "side", "claim": "Hungary not with Ukraine", "actors": ["hun"],
         "with_actor": "ukr", "same": False, "variant": "hun-pivots"},
        {"id": "pol-gone", "kind": "side", "claim": "Poland with Ukraine", "actors": ["pol"], "with_actor": "ukr",
         "variant": "no-pol"},
    ],
}


def make(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return scenario_from_dict(data)


def test_derived_propensity_by_hand() -> None:
    sc = make()
    p = derived_propensity(sc)
    ids = sc.actor_ids
    ij = lambda a, b: p[ids.index(a), ids.index(b)]  # noqa: E731
    assert ij("ukr", "rus") == pytest.approx(-1.0)  # opposite ends, full salience
    # ukr–fra: terr: √(1·0.64)·(1 − 2·20/100) = 0.48; aid: √(1·0.36)·(1 − 2·5/10) = 0; mean over 2 issues
    assert ij("ukr", "fra") == pytest.approx((0.8 * 0.6 + 0.0) / 2)
    assert ij("pol", "hun") == pytest.approx(0.5 * (1 - 2 * 65 / 100))  # one shared issue
    assert ij("rus", "fra") == ij("fra", "rus")
    assert np.all(np.abs(p) <= 1) and np.all(np.diag(p) == 0)


def test_propensity_modes_group_bonus_and_explicit_override() -> None:
    sc = make()
    ids = sc.actor_ids
    d = derived_propensity(sc)
    both = propensity_matrix(sc)
    k = ids.index
    assert both[k("ukr"), k("rus")] == -3  # explicit, as is
    assert both[k("hun"), k("rus")] == 0.5  # explicit: no group bonus on top
    assert both[k("fra"), k("pol")] == pytest.approx(d[k("fra"), k("pol")] + 2 * 0.25)  # eu + nato
    assert both[k("ukr"), k("fra")] == pytest.approx(d[k("ukr"), k("fra")])
    explicit = propensity_matrix(sc, "explicit")
    assert explicit[k("ukr"), k("fra")] == 0 and explicit[k("fra"), k("hun")] == 0.5
    derived = propensity_matrix(sc, "derived")
    assert derived[k("ukr"), k("rus")] == pytest.approx(-1.0)
    with pytest.raises(ScenarioError, match="unknown propensity mode"):
        propensity_matrix(sc, "magic")


def test_sizes_default_to_capability_and_scale_with_variants() -> None:
    sc = make()
    land = landscape_from_scenario(sc)
    assert land.sizes.tolist() == [30, 60, 40, 30, 5]
    from stakes.variants import apply_variant

    big = landscape_from_scenario(apply_variant(sc, "hun-big"), baseline=sc)
    assert big.sizes[-1] == 20  # explicit size 5 × capability factor 4


def test_alignment_is_the_brute_force_global_minimum_under_every_variant() -> None:
    sc = make()
    for a in align_variants(sc):
        from stakes.variants import apply_variant

        land = landscape_from_scenario(apply_variant(sc, a.variant), baseline=sc)
        configs = np.array(list(itertools.product((0, 1), repeat=land.n)))
        e = energy(configs, land.weights)
        assert a.energy == pytest.approx(e.min())
        assert a.sides[land.actor_ids[0]] == 0 and a.reference == land.actor_ids[0]
        assert energy(np.array(list(a.sides.values())), land.weights) == pytest.approx(a.energy)
        assert all(c.energy >= a.energy for c in a.runner_up)
        f = sum(land.sizes[i] * a.frustration[x] for i, x in enumerate(land.actor_ids))
        assert f == pytest.approx(a.energy)  # E = Σ s_i F_i
    assert "pol" not in align(sc, "no-pol").sides


def test_side_theses_follow_the_variants() -> None:
    sc = make()
    base, piv = align(sc), align(sc, "hun-pivots")
    assert base.sides["fra"] == base.sides["pol"] == base.sides["ukr"] != base.sides["rus"]
    assert base.sides["hun"] == base.sides["rus"]
    assert piv.sides["hun"] == piv.sides["ukr"]
    verdicts = {v.thesis: v for v in judge_side_theses(sc)}
    assert verdicts["fra-pol"].holds is True and verdicts["fra-pol"].variant == "baseline"
    assert verdicts["hun-rus"].holds is True
    assert verdicts["hun-not-ukr"].holds is False and verdicts["hun-not-ukr"].variant == "hun-pivots"
    assert verdicts["pol-gone"].holds is None and "pol" in verdicts["pol-gone"].detail
    assert all(v.model == "landscape" for v in verdicts.values())


def test_basin_prediction_is_the_largest_basin() -> None:
    sc = make()
    a = align(sc, predict="basin")
    shares = [c.share for c in a.minima]
    pred = next(c for c in a.minima if c.sides == a.sides)
    assert pred.share == max(shares)
    assert sum(shares) == pytest.approx(1.0)


def test_too_many_actors_for_the_exact_engine_falls_back_to_the_heuristic() -> None:
    n = EXACT_MAX_N + 2
    actors = [{"id": f"a{i}", "name": f"A{i}", "capability": 1 + i % 3} for i in range(n)]
    stances = [{"actor": f"a{i}", "issue": "x", "position": 100 * (i % 2), "salience": 50} for i in range(n)]
    sc = scenario_from_dict({"title": "many", "issues": [{"id": "x", "name": "X"}], "actors": actors,
                             "stances": stances})
    a = align(sc, engine="exact", restarts=4)
    assert a.engine == "heuristic" and "too large for the exact engine" in a.notes[0]
    assert all(a.sides[f"a{i}"] == i % 2 for i in range(n))  # two camps by position


def test_every_propensity_zero_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="every propensity is zero"):
        align(make(affinities=[], alignment={"group_bonus": 0}), propensity="explicit")


def test_capability_zero_without_size_is_a_clear_error() -> None:
    data = copy.deepcopy(BASE)
    data["actors"][0]["capability"] = 0
    with pytest.raises(ScenarioError, match=r"actor 'ukr'.*size"):
        align(scenario_from_dict(data))


def test_monte_carlo_without_spread_reproduces_the_point_prediction() -> None:
    sc = make()
    a = align(sc)
    mc = side_probabilities(sc, runs=20)
    assert mc.same_side == {x: float(s == 0) for x, s in a.sides.items()}
    assert mc.theses == {"fra-pol": 1.0, "hun-rus": 1.0}


def test_monte_carlo_batched_equals_one_exact_run_per_draw_and_is_reproducible() -> None:
    sc = make(uncertainty={"default": {"capability": 0.5, "affinity": 1.0}})
    land = landscape_from_scenario(sc)
    zs, zp = _draws(sc, 60, sc.seed)
    sizes, p = perturb(land, sc, zs, zp, sc.actor_ids)
    assert np.allclose(p, p.transpose(0, 2, 1)) and (sizes > 0).all()
    from stakes.alignment.energy import weight_matrix

    batched = _batched_global(sizes, p)
    for r in range(60):
        np.testing.assert_array_equal(batched[r], exact_landscape(weight_matrix(sizes[r], p[r])).best.sides)
    mc = side_probabilities(sc, runs=60)
    np.testing.assert_array_equal(mc.sides, batched)
    again = side_probabilities(sc, runs=60)
    assert again.same_side == mc.same_side
    thesis = next(t for t in sc.theses if t.id == "fra-pol")
    assert isinstance(thesis, SideThesis)
    hits = [judge_sides(thesis, dict(zip(mc.actor_ids, map(int, row), strict=True))) for row in mc.sides]
    assert mc.theses["fra-pol"] == pytest.approx(np.mean(hits))
    assert 0 < mc.same_side["hun"] < 1  # the noise matters for the pivotal actor
    per_run = side_probabilities(sc, runs=60, engine="heuristic", restarts=4)
    np.testing.assert_array_equal(per_run.sides, batched)  # the heuristic finds each run's minimum


def test_monte_carlo_draws_do_not_depend_on_the_number_of_runs() -> None:
    sc = make(uncertainty={"default": {"capability": 0.3, "affinity": 0.5}})
    small = side_probabilities(sc, runs=300)
    large = side_probabilities(sc, runs=600)
    np.testing.assert_array_equal(small.sides, large.sides[:300])
    assert all(0.0 <= v <= 1.0 and math.isfinite(v) for v in large.same_side.values())


def test_tables_for_reports() -> None:
    from stakes.alignment import alignments_frame, verdicts_frame

    sc = make()
    alignments = align_variants(sc)
    frame = alignments_frame(alignments)
    assert len(frame) == sum(len(a.sides) for a in alignments)
    row = frame[(frame.variant == "hun-pivots") & (frame.actor == "hun")].iloc[0]
    assert row.side == alignments[1].sides["hun"] and row.energy == alignments[1].energy
    verdicts = verdicts_frame(judge_side_theses(sc, alignments))
    assert list(verdicts.thesis) == [t.id for t in sc.theses]


def test_monte_carlo_basin_prediction_and_uniform_draws() -> None:
    sc = make()
    a = align(sc, predict="basin")
    mc = side_probabilities(sc, runs=5, predict="basin")
    assert mc.same_side == {x: float(s == 0) for x, s in a.sides.items()}
    uni = make(uncertainty={"distribution": "uniform", "default": {"capability": 0.5, "affinity": 0.2}})
    land = landscape_from_scenario(uni)
    zs, zp = _draws(uni, 300, 1)
    sizes, p = perturb(land, uni, zs, zp, uni.actor_ids)
    ratio = sizes / land.sizes
    assert ratio.min() >= 1 / 1.5 - 1e-12 and ratio.max() <= 1.5 + 1e-12  # (1 + r)^u, u in [-1, 1]
    assert np.abs(p - land.propensity).max() <= 0.2 + 1e-12


def test_a_forecast_gives_every_judged_side_thesis_its_monte_carlo_probability() -> None:
    from stakes.forecast import SIDE_PROBABILITY_RUNS, forecast

    sc = make(uncertainty={"default": {"capability": 0.3, "affinity": 1.0}})
    verdicts = {v.thesis: v for v in forecast(sc, variants=["baseline", "hun-pivots", "no-pol"]).verdicts()}
    for tid, variant in (("fra-pol", "baseline"), ("hun-rus", "baseline"), ("hun-not-ukr", "hun-pivots")):
        expected = side_probabilities(sc, variant, runs=SIDE_PROBABILITY_RUNS).theses[tid]
        assert verdicts[tid].probability == round(expected, 4)
        assert f"P = {expected:.2f}" in verdicts[tid].detail
    assert verdicts["pol-gone"].probability is None  # an actor the variant removed: not judged


def test_shared_side_runs_give_the_runs_a_fresh_monte_carlo_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a share_side_runs block a smaller Monte Carlo takes its runs from a larger one (per-run engines),
    with the numbers of its own; the batched engine, another variant or seed solve again."""
    from stakes.alignment import uncertainty

    sc = make(uncertainty={"default": {"capability": 0.3, "affinity": 1.0}})
    fresh = side_probabilities(sc, runs=30, engine="heuristic", restarts=4)
    solved: list[int] = []
    real = uncertainty._monte_carlo
    monkeypatch.setattr(uncertainty, "_monte_carlo", lambda *a, **k: solved.append(a[2]) or real(*a, **k))
    with uncertainty.share_side_runs():
        side_probabilities(sc, runs=70, engine="heuristic", restarts=4)
        shared = side_probabilities(sc, runs=30, engine="heuristic", restarts=4)
        side_probabilities(sc, runs=30, engine="heuristic", restarts=4, seed=sc.seed + 1)
        side_probabilities(sc, "hun-pivots", runs=30, engine="heuristic", restarts=4)
        side_probabilities(sc, runs=80, engine="heuristic", restarts=4)  # more runs than kept: solved
        side_probabilities(sc, runs=40)  # batched
        side_probabilities(sc, runs=20)
    assert solved == [70, 30, 30, 80, 40, 20]
    np.testing.assert_array_equal(shared.sides, fresh.sides)
    assert shared.same_side == fresh.same_side and shared.theses == fresh.theses and shared.runs == 30
    side_probabilities(sc, runs=30, engine="heuristic", restarts=4)  # outside the block: nothing kept
    assert solved[-1] == 30
