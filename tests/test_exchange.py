"""Stokman's exchange model: Decide's reference run on COP21, the batched engine vs the per-run reference,
and invariants."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from stakes.arrays import compile_scenario
from stakes.io.yaml_io import scenario_from_dict
from stakes.models import get_model
from stakes.models.exchange import exchange, exchange_reference
from stakes.validation.decide_cop21 import DECIDE_FINAL

from .conftest import COP21

DATA = Path(__file__).parent / "data"
REF = DATA / "decide_reference"


@pytest.fixture(scope="module")
def decide_outcomes(cop21):
    with (REF / "cop21_outcomes.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    table = np.zeros((11, cop21.n_issues))
    for r in rows:
        table[int(r["round"]), cop21.issue_ids.index(r["issue"])] = float(r["outcome"])
    return table


@pytest.fixture(scope="module")
def decide_exchanges():
    with (REF / "cop21_exchanges.csv").open() as fh:
        return list(csv.DictReader(fh))


def _same_exchange(ours: dict, theirs: dict, tol: float = 1e-9) -> bool:
    if any(ours[f"{s}_{k}"] != theirs[f"{s}_{k}"] for s in "ij" for k in ("actor", "supply")):
        return False
    if int(ours["round"]) != int(theirs["round"]) or int(ours["order"]) != int(theirs["order"]):
        return False
    nums = [f"{s}_{k}" for s in "ij" for k in ("from", "move", "y")] + ["gain"]
    return all(abs(float(ours[k]) - float(theirs[k])) <= tol for k in nums)


def _agreeing_prefix(ours: list[dict], theirs: list[dict]) -> int:
    for k, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        if not _same_exchange(a, b):
            return k
    return min(len(ours), len(theirs))


def test_decimal_reference_reproduces_decide_exactly(cop21, decide_outcomes, decide_exchanges):
    """Decide's own run (ALLOW_RANDOM = False, p = 0): all 1,309 exchanges and every round's outcomes."""
    res = exchange(cop21, tie_break="decide", arithmetic="decimal")
    ours = res.extra["exchanges"]
    assert len(ours) == len(decide_exchanges) == 1309
    assert _agreeing_prefix(ours, decide_exchanges) == 1309
    np.testing.assert_allclose(res.forecasts[0], decide_outcomes, atol=1e-9)


def test_final_outcomes_constant_matches_fixture(cop21, decide_outcomes):
    for d, issue in enumerate(cop21.issue_ids):
        assert DECIDE_FINAL[issue] == pytest.approx(decide_outcomes[10, d], abs=1e-12)


def test_float_engine_follows_decide_until_its_first_rounding_tie(cop21, decide_outcomes, decide_exchanges):
    """In float64 the engine makes Decide's exchanges until the first pair of gains that are equal in exact
    arithmetic (round 2, exchange 106), where Decide's 28-digit rounding decides."""
    res = exchange(cop21, tie_break="decide")
    ours = res.extra["exchanges"]
    assert _agreeing_prefix(ours, decide_exchanges) == 231
    np.testing.assert_allclose(res.forecasts[0, :2], decide_outcomes[:2], atol=1e-9)


def test_engine_agrees_with_float_reference_on_cop21(cop21):
    fast = exchange(cop21, rounds=4)
    slow = exchange_reference(cop21, rounds=4)
    assert _agreeing_prefix(fast.extra["exchanges"], slow.extra["exchanges"]) == len(slow.extra["exchanges"])
    np.testing.assert_allclose(fast.forecasts, slow.forecasts, atol=1e-9)
    np.testing.assert_allclose(fast.positions, slow.positions, atol=1e-9)


def _random_scenario(rng: np.random.Generator, n: int, d: int, scale: float = 100.0):
    issues = [{"id": f"i{k}", "name": f"issue {k}", "scale_min": 0.0, "scale_max": scale} for k in range(d)]
    actors = [{"id": f"a{k}", "name": f"actor {k}", "capability": float(rng.uniform(0.1, 1.0))} for k in range(n)]
    stances = [{"actor": f"a{a}", "issue": f"i{k}", "position": float(rng.uniform(0, scale)),
                "salience": float(rng.uniform(5, 100))}
               for a in range(n) for k in range(d) if rng.random() > 0.1]
    return scenario_from_dict({"title": "random", "issues": issues, "actors": actors, "stances": stances})


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tie_break", ["first", "decide"])
def test_batched_engine_equals_reference_on_random_scenarios(seed, tie_break):
    rng = np.random.default_rng(seed)
    arrays = compile_scenario(_random_scenario(rng, n=7, d=4))
    batch = arrays.batch(3)
    noise = rng.normal(0, 8, batch.position.shape)
    batch = type(batch)(**{**batch.__dict__, "position": np.clip(batch.position + noise, 0, 100),
                           "salience": np.clip(batch.salience * rng.uniform(0.7, 1.3, batch.salience.shape), 0.01, 1)})
    fast = exchange(batch, rounds=5, tie_break=tie_break)
    slow = exchange_reference(batch, rounds=5, tie_break=tie_break)
    np.testing.assert_allclose(fast.forecasts, slow.forecasts, atol=1e-8)
    np.testing.assert_allclose(fast.positions, slow.positions, atol=1e-8)
    assert _agreeing_prefix(fast.extra["exchanges"], slow.extra["exchanges"]) == len(slow.extra["exchanges"])
    # each batch element alone gives the same as inside the batch
    for b in range(batch.n_batch):
        alone = exchange(batch.take(b), rounds=5, tie_break=tie_break)
        np.testing.assert_allclose(alone.forecasts[0], fast.forecasts[b], atol=1e-9)


def test_registered_dynamic_with_trajectories(cop21):
    spec = get_model("exchange")
    assert spec.dynamic and spec.reference is not None
    res = spec.run(cop21, **spec.resolve({"rounds": 3}))
    B, n, d = 1, cop21.n_actors, cop21.n_issues
    assert res.forecast.shape == (B, d)
    assert res.forecasts.shape == (B, 4, d) and res.positions.shape == (B, 4, n, d)
    assert res.rounds.shape == (B, d)
    np.testing.assert_allclose(res.forecast, res.forecasts[:, -1])
    ex = res.extra["exchanges"]
    assert ex and {e["round"] for e in ex} == {1, 2, 3}
    assert all(e["gain"] > 0 and e["i_actor"] != e["j_actor"] for e in ex)


def test_round_zero_is_the_weighted_mean_and_outcome_is_mean_of_voting_positions(cop21):
    res = exchange(cop21, rounds=3)
    w = cop21.weights()
    np.testing.assert_allclose(res.forecasts[:, 0], (w * cop21.position).sum(1) / w.sum(1), atol=1e-9)
    for t in range(4):
        mean = (w * res.positions[:, t]).sum(1) / w.sum(1)
        np.testing.assert_allclose(res.forecasts[:, t], mean, atol=1e-9)
    assert np.all(res.positions[:, :, cop21.mask] >= 0) and np.all(res.positions[:, :, cop21.mask] <= 100)


def test_no_exchange_on_a_single_issue():
    rng = np.random.default_rng(1)
    arrays = compile_scenario(_random_scenario(rng, n=5, d=1))
    res = exchange(arrays, rounds=3)
    assert res.extra["exchanges"] == []
    np.testing.assert_allclose(res.forecasts[0, -1], res.forecasts[0, 0])


def test_scale_invariance():
    """Decide normalises each issue to 0–100: the same scenario on 0–10 gives outcomes ÷ 10."""
    a = compile_scenario(_random_scenario(np.random.default_rng(3), n=6, d=3, scale=100.0))
    b = compile_scenario(_random_scenario(np.random.default_rng(3), n=6, d=3, scale=100.0))
    b = type(b)(**{**b.__dict__, "position": b.position / 10, "scale_max": b.scale_max / 10})
    ra, rb = exchange(a, rounds=4), exchange(b, rounds=4)
    np.testing.assert_allclose(ra.forecasts / 10, rb.forecasts, atol=1e-9)
    assert len(ra.extra["exchanges"]) == len(rb.extra["exchanges"])


def test_first_tie_break_ignores_rounding_noise():
    """Two actors with identical profiles: 'first' always trades with the one listed first in the file."""
    issues = [{"id": f"i{k}", "name": f"i{k}"} for k in range(2)]
    actors = [{"id": n, "name": n, "capability": 1.0} for n in ("A", "B", "C")]
    stances = [{"actor": "A", "issue": "i0", "position": 90, "salience": 80},
               {"actor": "A", "issue": "i1", "position": 90, "salience": 20},
               {"actor": "B", "issue": "i0", "position": 10, "salience": 30},
               {"actor": "B", "issue": "i1", "position": 10, "salience": 70},
               {"actor": "C", "issue": "i0", "position": 10, "salience": 30},
               {"actor": "C", "issue": "i1", "position": 10, "salience": 70}]
    arrays = compile_scenario(scenario_from_dict({"title": "tie", "issues": issues, "actors": actors,
                                                  "stances": stances}))
    res = exchange(arrays, rounds=1)
    first = res.extra["exchanges"][0]
    assert {first["i_actor"], first["j_actor"]} == {"A", "B"}


@pytest.mark.parametrize("params", [{"rounds": -1}, {"rounds": 2.5}, {"rounds": "3"}, {"salience_weight": 1.5},
                                    {"salience_weight": 0.7, "fixed_weight": 0.5}])
def test_bad_parameters_are_option_errors(cop21, params):
    from stakes.errors import OptionError

    with pytest.raises(OptionError):
        exchange(cop21, **params)


def test_zero_rounds_is_the_weighted_mean(cop21):
    res = exchange(cop21, rounds=0)
    w = cop21.weights()
    np.testing.assert_allclose(res.forecast, (w * cop21.position).sum(1) / w.sum(1), atol=1e-12)
    assert res.forecasts.shape[1] == 1


def test_validation_case_rows():
    from stakes.models import list_models
    from stakes.validation.decide_cop21 import run

    rows = run(COP21.parent)
    models = {spec.id for spec in list_models()}
    assert {r.model for r in rows} == models
    assert all(r.kind == "replication" and r.case == "decide-cop21" and r.actor is None for r in rows)
    exchange_rows = [r for r in rows if r.model == "exchange"]
    assert len(exchange_rows) == 13
    assert max(abs(r.error) for r in exchange_rows) < 1e-9


def test_between_round_weights_match_reference():
    arrays = compile_scenario(_random_scenario(np.random.default_rng(11), n=6, d=3))
    fast = exchange(arrays, rounds=4, salience_weight=0.2, fixed_weight=0.3)
    slow = exchange_reference(arrays, rounds=4, salience_weight=0.2, fixed_weight=0.3)
    np.testing.assert_allclose(fast.forecasts, slow.forecasts, atol=1e-9)
    assert not np.allclose(fast.forecasts, exchange(arrays, rounds=4).forecasts)


def test_decimal_arithmetic_with_stakes_tie_rule_runs():
    """arithmetic='decimal' combines with tie_break='first' (gains are put on the tie grid as floats)."""
    from stakes import load_scenario, run_model
    from stakes.arrays import compile_scenario

    sc = load_scenario(Path(__file__).parent / "data/validation/decide-cop21/cop21_2015_full_with_provenance.tsv")
    arr = compile_scenario(sc)
    dec = run_model("exchange", arr, {"arithmetic": "decimal", "tie_break": "first"}).forecast
    flt = run_model("exchange", arr, {"arithmetic": "float", "tie_break": "first", "engine": "numpy"}).forecast
    assert dec.shape == flt.shape == (1, 13)
    assert np.all((dec >= 0) & (dec <= 100))


def test_default_tie_rule_does_not_depend_on_row_order(cop21):
    """COP21 has tied gains (identical actor profiles): shuffling actors and issues leaves every forecast of
    the default rule unchanged; tie_break='decide' follows the file order, as Decide does."""
    from stakes.models.exchange import _reorder

    rng = np.random.default_rng(11)
    actors, issues = rng.permutation(cop21.n_actors), rng.permutation(cop21.n_issues)
    shuffled = _reorder(cop21, actors, issues)
    a = get_model("exchange").run(cop21, rounds=3)
    b = get_model("exchange").run(shuffled, rounds=3)
    np.testing.assert_array_equal(a.forecast[:, issues], b.forecast)
    np.testing.assert_array_equal(a.positions[:, :, actors][..., issues], b.positions)
