"""KTAB's Spatial Model of Politics: agreement with KTAB's own runs (both engines), batched vs per-run reference,
invariants. The numba engine's own tests (agreement with numpy, dispatch): tests/test_smp_numba.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from stakes.arrays import ScenarioArrays, compile_scenario
from stakes.errors import OptionError, ScenarioError
from stakes.io import load_scenario
from stakes.models import get_model
from stakes.models.smp.kernels import (
    BARGAIN_MODELS,
    BIG_R_ADJUSTS,
    BIG_R_RANGES,
    INTERPOLATIONS,
    PCE_MODELS,
    THIRD_PARTY_COMMITS,
    VICTORY_MODELS,
    VOTING_RULES,
)
from stakes.validation.ktab_soe import find_log, parse_ktab_log
from stakes.validation.ktab_soe import run as run_case

CASE = Path(__file__).parent / "data" / "validation" / "ktab-soe-pol-comp"
CSV = CASE / "SOE-Pol-Comp.csv"
LOG = CASE / "20170530_ref-SOE-Pol-Comp.txt"

LOG_PRECISION = 0.05 + 1e-9
"""The log prints positions with one decimal (``%5.1f``): agreement to half a unit of its last digit."""

KTAB_FINAL_FULL = np.array([
    (43.18, 43.30), (43.23, 43.27), (38.66, 28.82), (38.57, 28.79), (38.66, 28.82), (38.59, 29.52),
    (38.72, 28.97), (38.72, 28.97), (38.71, 28.95), (38.82, 30.72), (38.82, 30.77), (38.82, 30.77),
    (15.00, 60.00),
])
"""KTAB's final positions at full precision (its ``VectorPosition`` table, turn 27), from KTAB's ``smpc`` built
from lsyaseen/KTAB and run as ``smpc --csv SOE-Pol-Comp.csv --logmin --connstr "Driver=QSQLITE;Database=soe"``;
the same run reproduces the 2017 log's position history line for line. Bargains round to 10⁻⁴ of the scale,
so positions have two decimals on 0–100."""


ENGINES = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(
    importlib.util.find_spec("numba") is None, reason="numba is not installed (optional extra 'fast')"))]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request) -> str:
    """Each engine explicitly (the default, auto, takes numpy for these small batches)."""
    return request.param


def run_smp(arrays: ScenarioArrays, engine: str = "auto", **params):
    spec = get_model("smp")
    return spec.run(arrays, **spec.resolve({**params, "engine": engine}))


@pytest.fixture(scope="module")
def soe() -> ScenarioArrays:
    return compile_scenario(load_scenario(CSV))


@pytest.fixture(scope="module")
def soe_result(soe: ScenarioArrays, engine: str):
    return run_smp(soe, engine)


def random_arrays(rng: np.random.Generator, b: int, n: int, d: int, scale: float = 100.0) -> ScenarioArrays:
    """KTAB-like random actors (KTAB's SMPActor::randomize: capability 10–200, total salience 0.75–0.99)."""
    return ScenarioArrays(
        actor_ids=tuple(f"a{i}" for i in range(n)), issue_ids=tuple(f"i{k}" for k in range(d)),
        capability=np.repeat(rng.uniform(10, 200, (b, n, 1)), d, axis=2),
        position=rng.uniform(0, scale, (b, n, d)),
        salience=rng.dirichlet(np.ones(d), (b, n)) * rng.uniform(0.75, 0.99, (b, n, 1)),
        mask=np.ones((n, d), dtype=bool), scale_min=np.zeros(d), scale_max=np.full(d, scale),
        status_quo=np.full(d, np.nan))


# ------------------------------------------------------------------ KTAB's SOE-Pol-Comp run

def test_log_parses():
    log = parse_ktab_log(LOG)
    assert log.actors[:3] == ("XJ", "LK", "ZG") and len(log.actors) == 13
    assert log.dimensions == ("Policy Position", "Competitive Position")
    assert log.positions.shape == (28, 13, 2)
    assert log.win_probability is not None and log.win_probability.shape == (28, 13)
    assert find_log(CASE) == (CSV, LOG)


def test_every_turn_matches_ktab_log(soe_result, engine):
    """All 28 states (27 turns, the same stopping turn) agree with the log to its printed precision."""
    log = parse_ktab_log(LOG)
    assert soe_result.positions.shape == (1, 28, 13, 2)
    assert soe_result.rounds[0].tolist() == [27, 27]
    assert np.abs(soe_result.positions[0] - log.positions).max() <= LOG_PRECISION
    assert soe_result.extra["engine"] == engine


def test_win_probabilities_match_ktab_log(soe, engine):
    """KTAB's reported winning probability of each actor's position, every turn, to the log's 4 decimals."""
    res = run_smp(soe, engine, win_probabilities=True)
    log = parse_ktab_log(LOG)
    assert np.abs(res.extra["win_probability"][0] - log.win_probability).max() <= 5e-5 + 1e-12


def test_final_positions_match_ktab_exactly(soe_result):
    assert np.abs(soe_result.positions[0, -1] - KTAB_FINAL_FULL).max() < 1e-9


def test_forecast_is_weighted_mean_of_final_positions(soe, soe_result):
    w = soe.weights()[0]
    expected = (w * soe_result.positions[0, -1]).sum(0) / w.sum(0)
    assert np.allclose(soe_result.forecast[0], expected)
    assert np.allclose(soe_result.forecasts[0, -1], expected)
    assert soe_result.forecasts.shape == (1, 28, 2)


def test_validation_rows(soe):
    rows = run_case(CASE)
    actor_rows = [r for r in rows if r.actor is not None]
    assert len(actor_rows) == 13 * 2 and all(r.model == "smp" and r.kind == "replication" for r in actor_rows)
    assert max(abs(r.error) for r in actor_rows) <= LOG_PRECISION
    issue_rows = [r for r in rows if r.actor is None]
    models = {r.model for r in issue_rows}
    assert {"smp", "weighted-mean"} <= models
    assert len(issue_rows) == 2 * len(models)
    smp_rows = [r for r in issue_rows if r.model == "smp"]
    assert max(abs(r.error) for r in smp_rows) <= LOG_PRECISION


def test_reference_implementation_reproduces_ktab(soe):
    spec = get_model("smp")
    ref = spec.reference(soe)
    assert np.abs(ref.positions[0, -1] - KTAB_FINAL_FULL).max() < 1e-9


def test_log_errors(tmp_path):
    bad = tmp_path / "x_ref-bad.txt"
    bad.write_text("no history here\n")
    with pytest.raises(ScenarioError, match="History of actor positions"):
        parse_ktab_log(bad)


# KTAB's own example "dummyData_3Dim" (lsyaseen/KTAB, examples/smp/doc/, MIT licence): the input CSV and the
# position history of its reference log 20170530_ref-dummyData_3Dim.txt, copied verbatim.
DUMMY_3DIM_CSV = """\
DummyData_3Dim ,"Dummy scenario to test reading format",7,3,
Actor,Description,Power,Pstn1,Sal1,Pstn2,Sal2,Pstn3,Sal3,
SActor-00, Random Spatial Actor, 102.543, 75.79, 49.53,  6.37,  5.91, 70.45, 28.15,
SActor-01, Random Spatial Actor,  53.393, 82.72, 30.33, 73.50, 21.22, 64.00, 24.79,
SActor-02, Random Spatial Actor, 129.643, 82.45, 48.47, 90.89, 13.55,  0.07, 34.62,
SActor-03, Random Spatial Actor,  75.920, 62.52, 20.76, 50.82, 39.24, 62.33, 22.21,
SActor-04, Random Spatial Actor,  63.224, 82.34, 40.96, 45.77, 25.43, 73.31, 22.59,
SActor-05, Random Spatial Actor, 120.048, 84.48, 22.92, 33.70, 39.35, 88.11, 15.42,
SActor-06, Random Spatial Actor,  54.178, 70.96, 31.75, 33.46, 27.93, 90.36, 26.03,
"""
DUMMY_3DIM_LOG = """\
History of actor positions over time:
SActor-00, Pstn1:  75.8  79.5  80.6  80.6  78.5  78.5  78.5  78.5  78.6  78.6  78.6
SActor-00, Pstn2:   6.4  44.7  34.2  35.0  30.5  30.5  31.2  31.2  31.5  31.8  31.8
SActor-00, Pstn3:  70.5  72.0  75.9  76.1  74.0  74.0  74.0  74.0  74.0  74.1  74.1
SActor-01, Pstn1:  82.7  78.9  76.0  78.3  79.0  79.0  79.1  78.5  79.9  78.6  78.6
SActor-01, Pstn2:  73.5  56.3  27.5  30.5  30.6  30.6  30.9  31.2  34.4  31.8  31.8
SActor-01, Pstn3:  64.0  72.5  72.0  73.8  74.2  74.2  74.3  74.0  75.2  74.1  74.1
SActor-02, Pstn1:  82.5  82.5  82.5  82.5  82.5  82.5  82.5  82.5  82.5  82.5  82.5
SActor-02, Pstn2:  90.9  90.9  90.9  90.9  90.9  90.9  90.9  90.9  90.9  90.9  90.9
SActor-02, Pstn3:   0.1   0.1   0.1   0.1   0.1   0.1   0.1   0.1   0.1   0.1   0.1
SActor-03, Pstn1:  62.5  65.8  66.7  66.7  66.7  66.7  67.1  67.1  67.1  67.1  67.1
SActor-03, Pstn2:  50.8  50.8  50.2  50.2  50.2  50.2  50.1  50.1  50.1  50.1  50.1
SActor-03, Pstn3:  62.3  63.0  63.5  63.5  63.5  63.5  63.7  63.7  63.7  63.7  63.7
SActor-04, Pstn1:  82.3  79.5  81.5  78.3  78.5  78.5  78.6  80.5  78.6  78.6  78.6
SActor-04, Pstn2:  45.8  44.7  35.8  30.5  30.5  30.5  30.6  34.6  31.6  31.6  31.6
SActor-04, Pstn3:  73.3  72.0  79.1  73.8  74.0  74.0  74.1  75.9  74.0  74.1  74.1
SActor-05, Pstn1:  84.5  84.4  80.6  80.7  80.6  80.5  80.5  80.5  79.9  79.9  79.9
SActor-05, Pstn2:  33.7  34.1  34.2  34.3  34.7  34.6  34.6  34.6  34.4  34.4  34.4
SActor-05, Pstn3:  88.1  86.3  75.9  76.3  76.1  75.9  75.9  75.9  75.2  75.2  75.2
SActor-06, Pstn1:  71.0  75.6  76.0  77.4  77.4  80.5  78.5  78.5  78.7  78.7  78.6
SActor-06, Pstn2:  33.5  24.8  27.5  28.7  28.7  34.6  31.2  31.2  31.3  31.3  31.6
SActor-06, Pstn3:  90.4  72.0  72.0  73.0  73.0  75.9  74.0  74.0  74.1  74.1  74.1
"""


def test_ktab_dummy_3dim_log(tmp_path, engine):
    """A second KTAB reference run (7 actors × 3 dimensions, 10 turns): every turn to the log's precision."""
    csv = tmp_path / "dummyData_3Dim.csv"
    csv.write_text(DUMMY_3DIM_CSV)
    log_file = tmp_path / "x_ref-dummyData_3Dim.txt"
    log_file.write_text(DUMMY_3DIM_LOG)
    log = parse_ktab_log(log_file)
    result = run_smp(compile_scenario(load_scenario(csv)), engine)
    assert result.positions.shape[1:] == log.positions.shape == (11, 7, 3)
    assert np.abs(result.positions[0] - log.positions).max() <= LOG_PRECISION


# ------------------------------------------------------------------ batched vs the per-run reference

OPTION_SETS = [
    {},
    {"victory_model": "square", "voting_rule": "prop-cubic", "third_party_commit": "full"},
    {"pce_model": "markov-uniform", "big_r_range": "max", "big_r_adjust": "half", "interpolation": "S1P1"},
    {"pce_model": "markov-incentive", "voting_rule": "asym-prospect", "bargain_model": "init-rcvr"},
    {"victory_model": "binary", "big_r_range": "min", "third_party_commit": "none",
     "interpolation": "S2PMax", "bargain_model": "pw-compromise", "big_r_adjust": "full"},
    {"voting_rule": "binary", "victory_model": "octic", "big_r_adjust": "none"},
    {"voting_rule": "cubic", "victory_model": "quartic", "big_r_adjust": "two-thirds"},
    {"voting_rule": "prop-bin", "rounds": 3},
]


@pytest.mark.parametrize("params", OPTION_SETS)
def test_batched_matches_reference(params, engine):
    spec = get_model("smp")
    rng = np.random.default_rng(len(str(params)))
    for n, d in ((3, 1), (5, 2), (6, 3)):
        arrays = random_arrays(rng, 3, n, d)
        fast = run_smp(arrays, engine, **params)
        slow = spec.reference(arrays, **spec.resolve(params))
        assert fast.positions.shape == slow.positions.shape
        assert np.abs(fast.positions - slow.positions).max() < 1e-9
        assert (fast.rounds == slow.rounds).all()


def test_batch_runs_are_independent():
    """A batch gives each run what it gets alone (runs stop at different turns; finished runs stay put)."""
    spec = get_model("smp")
    arrays = random_arrays(np.random.default_rng(7), 5, 7, 2)
    batch = spec.run(arrays)
    for b in range(5):
        alone = spec.run(arrays.take(b))
        t = alone.positions.shape[1]
        assert np.allclose(batch.positions[b, :t], alone.positions[0], atol=1e-12)
        assert np.allclose(batch.positions[b, t:], alone.positions[0, -1], atol=1e-12)
        assert batch.rounds[b, 0] == alone.rounds[0, 0]


def test_chunks_give_the_same_result(monkeypatch):
    """Splitting a batch into chunks (runs of different lengths padded) changes nothing."""
    import stakes.models.smp as smp_module

    spec = get_model("smp")
    arrays = random_arrays(np.random.default_rng(10), 5, 6, 2)
    whole = spec.run(arrays)
    monkeypatch.setattr(smp_module, "CHUNK_ELEMENTS", 2 * 6 ** 3)
    parts = spec.run(arrays)
    assert np.array_equal(whole.positions, parts.positions)
    assert np.array_equal(whole.rounds, parts.rounds)


# ------------------------------------------------------------------ invariants

def test_actor_permutation():
    spec = get_model("smp")
    rng = np.random.default_rng(3)
    arrays = random_arrays(rng, 4, 8, 2)
    perm = rng.permutation(8)
    permuted = ScenarioArrays(
        actor_ids=tuple(arrays.actor_ids[i] for i in perm), issue_ids=arrays.issue_ids,
        capability=arrays.capability[:, perm], position=arrays.position[:, perm],
        salience=arrays.salience[:, perm], mask=arrays.mask[perm], scale_min=arrays.scale_min,
        scale_max=arrays.scale_max, status_quo=arrays.status_quo)
    a, b = spec.run(arrays), spec.run(permuted)
    assert np.allclose(a.positions[:, :, perm], b.positions, atol=1e-9)
    assert np.allclose(a.forecast, b.forecast)


def test_capability_scaling():
    spec = get_model("smp")
    arrays = random_arrays(np.random.default_rng(4), 4, 7, 2)
    scaled = ScenarioArrays(**{**arrays.__dict__, "capability": arrays.capability * 7.5})
    a, b = spec.run(arrays), spec.run(scaled)
    assert np.allclose(a.positions, b.positions, atol=1e-6)


def test_issue_scale_is_irrelevant():
    """Each issue is rescaled to [0, 1]: the same scenario on −5…5 and on 0…100 moves identically."""
    spec = get_model("smp")
    arrays = random_arrays(np.random.default_rng(5), 2, 6, 2)
    shifted = ScenarioArrays(**{**arrays.__dict__, "position": arrays.position / 10 - 5,
                                "scale_min": np.full(2, -5.0), "scale_max": np.full(2, 5.0)})
    a, b = spec.run(arrays), spec.run(shifted)
    assert np.allclose(a.positions / 10 - 5, b.positions, atol=1e-9)


@pytest.mark.filterwarnings("error")  # an initiator without capability: NaN bargains, never chosen, no warning
@pytest.mark.parametrize("bargain_model", ["init-only", "init-rcvr", "pw-compromise"])
@pytest.mark.parametrize("engine", ["numpy", "auto"])
def test_missing_stance_and_zero_capability_run(bargain_model, engine):
    """Situations KTAB refuses (an actor without salience or capability) run and leave that actor inert."""
    spec = get_model("smp")
    arrays = random_arrays(np.random.default_rng(6), 1, 5, 2)
    mask = arrays.mask.copy()
    mask[0, :] = False
    sal = arrays.salience.copy()
    sal[:, 0] = 0.0
    cap = arrays.capability.copy()
    cap[:, 1] = 0.0
    odd = ScenarioArrays(**{**arrays.__dict__, "mask": mask, "salience": sal, "capability": cap})
    res = spec.run(odd, bargain_model=bargain_model, engine=engine)
    assert np.isfinite(res.positions).all() and np.isfinite(res.forecast).all()


def test_stochastic_is_seeded():
    spec = get_model("smp")
    arrays = random_arrays(np.random.default_rng(8), 3, 6, 2)
    one = spec.run(arrays, **spec.resolve({"state_transition": "stochastic", "seed": 11}))
    two = spec.run(arrays, **spec.resolve({"state_transition": "stochastic", "seed": 11}))
    assert np.array_equal(one.positions, two.positions)


@pytest.mark.parametrize("bad", [{"rounds": 0}, {"rounds": 2.5}, {"stop_ratio": -1.0}, {"min_turns": -1}])
def test_bad_parameters(bad):
    spec = get_model("smp")
    arrays = random_arrays(np.random.default_rng(9), 1, 4, 1)
    with pytest.raises(OptionError, match="smp"):
        spec.run(arrays, **spec.resolve(bad))


def test_all_options_are_declared():
    spec = get_model("smp")
    choices = {p.name: p.choices for p in spec.parameters}
    assert choices["victory_model"] == VICTORY_MODELS and choices["voting_rule"] == VOTING_RULES
    assert choices["pce_model"] == PCE_MODELS and choices["big_r_range"] == BIG_R_RANGES
    assert choices["big_r_adjust"] == BIG_R_ADJUSTS and choices["third_party_commit"] == THIRD_PARTY_COMMITS
    assert choices["interpolation"] == INTERPOLATIONS and choices["bargain_model"] == BARGAIN_MODELS
    assert spec.dynamic and spec.reference is not None
