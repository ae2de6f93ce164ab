"""The numba kernel of the exchange model against the numpy float engine (bit for bit), the per-run reference
and Decide's own COP21 run; engine dispatch and the lazy import of numba."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from stakes.arrays import compile_scenario
from stakes.errors import OptionError
from stakes.io.yaml_io import scenario_from_dict
from stakes.models.exchange import exchange, exchange_reference

from .conftest import COP21

HAS_NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not HAS_NUMBA, reason="numba is not installed (optional extra 'fast')")
DATA = Path(__file__).parent / "data"
REF = DATA / "decide_reference"


@pytest.fixture(scope="module")
def numba_runs(cop21):
    """Both tie rules on COP21, 10 rounds, with each engine (compiles the kernel once for the module)."""
    return {(tb, eng): exchange(cop21, tie_break=tb, engine=eng) for tb in ("first", "decide")
            for eng in ("numba", "numpy")}


def assert_identical(a, b) -> None:
    """Same exchanges (every field, exact floats) and the same outcomes and positions, bit for bit."""
    assert a.extra["exchanges"] == b.extra["exchanges"]
    np.testing.assert_array_equal(a.forecasts, b.forecasts)
    np.testing.assert_array_equal(a.positions, b.positions)
    np.testing.assert_array_equal(a.extra["start_positions"], b.extra["start_positions"])


@needs_numba
@pytest.mark.parametrize("tie_break", ["first", "decide"])
def test_cop21_identical_to_numpy_engine(numba_runs, tie_break):
    fast, slow = numba_runs[tie_break, "numba"], numba_runs[tie_break, "numpy"]
    assert fast.extra["engine"] == "numba" and slow.extra["engine"] == "numpy"
    assert len(fast.extra["exchanges"]) > 1000
    assert_identical(fast, slow)


@needs_numba
def test_cop21_follows_decide_until_its_first_rounding_tie(numba_runs):
    """As the numpy engine: Decide's first 231 exchanges (round 2, exchange 106 is a tie in exact arithmetic)."""
    with (REF / "cop21_exchanges.csv").open() as fh:
        theirs = list(csv.DictReader(fh))
    ours = numba_runs["decide", "numba"].extra["exchanges"]
    agree = 0
    for a, b in zip(ours, theirs, strict=False):
        same = all(a[f"{s}_{k}"] == b[f"{s}_{k}"] for s in "ij" for k in ("actor", "supply"))
        same &= (a["round"], a["order"]) == (int(b["round"]), int(b["order"]))
        same &= all(abs(a[k] - float(b[k])) <= 1e-9 for k in ("gain", "i_move", "j_move", "i_y", "j_y"))
        if not same:
            break
        agree += 1
    assert agree == 231


@needs_numba
def test_cop21_agrees_with_float_reference(cop21):
    fast = exchange(cop21, rounds=3, engine="numba")
    slow = exchange_reference(cop21, rounds=3)
    assert [(e["i_actor"], e["j_actor"], e["i_supply"], e["j_supply"]) for e in fast.extra["exchanges"]] == \
        [(e["i_actor"], e["j_actor"], e["i_supply"], e["j_supply"]) for e in slow.extra["exchanges"]]
    np.testing.assert_allclose(fast.forecasts, slow.forecasts, atol=1e-9)
    np.testing.assert_allclose(fast.positions, slow.positions, atol=1e-9)


def _random_batch(seed: int, batch: int = 4):
    """Random actors/issues with missing stances; two actors share a profile, so equal gains (ties) occur."""
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(3, 10)), int(rng.integers(1, 6))
    issues = [{"id": f"i{k}", "name": f"i{k}", "scale_min": 0.0, "scale_max": float(rng.choice([1, 10, 100]))}
              for k in range(d)]
    actors = [{"id": f"a{k}", "name": f"a{k}", "capability": float(rng.uniform(0.1, 1.0))} for k in range(n)]
    actors[1]["capability"] = actors[0]["capability"]
    stances, twin = [], {}
    for a in range(n):
        for k in range(d):
            if a == 1 and (0, k) in twin:
                stances.append({**twin[0, k], "actor": "a1"})
            elif a == 1 or rng.random() > 0.1:
                st = {"actor": f"a{a}", "issue": f"i{k}", "position": float(rng.uniform(0, 1)) *
                      issues[k]["scale_max"], "salience": float(rng.uniform(5, 100))}
                twin[a, k] = st
                stances.append(st)
    arrays = compile_scenario(scenario_from_dict({"title": "random", "issues": issues, "actors": actors,
                                                  "stances": stances})).batch(batch)
    scale = arrays.span[None, None]
    noise = rng.normal(0, 0.08, arrays.position.shape) * scale
    noise[0] = 0.0  # row 0 keeps the exact twins
    pos = np.clip(arrays.position + noise, arrays.scale_min, arrays.scale_max)
    sal = np.clip(arrays.salience * rng.uniform(0.7, 1.3, arrays.salience.shape), 0.01, 1)
    sal[0] = arrays.salience[0]
    return type(arrays)(**{**arrays.__dict__, "position": pos, "salience": sal})


@needs_numba
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("tie_break", ["first", "decide"])
def test_random_batches_identical_to_numpy_engine(seed, tie_break):
    arrays = _random_batch(seed)
    kw = {"rounds": 5, "tie_break": tie_break, "salience_weight": 0.3 if seed % 3 == 0 else 0.4}
    fast = exchange(arrays, engine="numba", **kw)
    assert_identical(fast, exchange(arrays, engine="numpy", **kw))
    # every row computed in parallel (prange) equals that row run alone, where it gets the logged serial path
    for b in range(1, arrays.n_batch):
        alone = exchange(arrays.take(b), engine="numba", **kw)
        np.testing.assert_array_equal(alone.forecasts[0], fast.forecasts[b])
        np.testing.assert_array_equal(alone.positions[0], fast.positions[b])


@needs_numba
@pytest.mark.parametrize("seed", range(4))
def test_random_batches_agree_with_reference(seed):
    arrays = _random_batch(seed + 100, batch=2)
    fast = exchange(arrays, rounds=4, engine="numba")
    slow = exchange_reference(arrays, rounds=4)
    np.testing.assert_allclose(fast.forecasts, slow.forecasts, atol=1e-8)
    np.testing.assert_allclose(fast.positions, slow.positions, atol=1e-8)
    assert len(fast.extra["exchanges"]) == len(slow.extra["exchanges"])


@needs_numba
def test_auto_engine_uses_numba_and_decimal_stays_on_the_reference(cop21):
    assert exchange(cop21, rounds=1).extra["engine"] == "numba"
    assert "engine" not in exchange(cop21, rounds=1, tie_break="decide", arithmetic="decimal").extra


def test_engine_options_are_checked(cop21):
    with pytest.raises(OptionError, match="engine"):
        exchange(cop21, rounds=1, engine="fortran")
    with pytest.raises(OptionError, match="decimal"):
        exchange(cop21, rounds=1, engine="numba", arithmetic="decimal")


def test_without_numba_auto_falls_back_to_numpy(cop21, monkeypatch):
    monkeypatch.setitem(sys.modules, "stakes.models.exchange.numba", None)  # import now raises ImportError
    assert exchange(cop21, rounds=1).extra["engine"] == "numpy"
    with pytest.raises(OptionError, match="numba"):
        exchange(cop21, rounds=1, engine="numba")


def test_numba_is_imported_only_when_the_kernel_runs():
    code = ("import sys, stakes, stakes.models.exchange as ex\n"
            "from stakes.models import list_models; list_models()\n"
            "from stakes.arrays import compile_scenario\n"
            "from stakes.io.decide import read_decide\n"
            f"a = compile_scenario(read_decide({str(COP21)!r}))\n"
            "before = 'numba' in sys.modules\n"
            "ex.exchange(a, rounds=1, engine='numpy')\n"
            "print(before, 'numba' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@needs_numba
@pytest.mark.parametrize("seed", range(30))
def test_kernel_identical_on_awkward_inputs(seed):
    """Engine level (0–100 positions): zero saliences and capabilities, missing stances, positions on a grid
    (actors exactly at the outcome), twin actors, coarse saliences (exact gain ties), other round weights."""
    from stakes.models.exchange import numba as exchange_numba
    from stakes.models.exchange import numpy as exchange_engine

    rng = np.random.default_rng(seed)
    B, n, d = int(rng.integers(1, 4)), int(rng.integers(2, 12)), int(rng.integers(2, 6))
    x = rng.uniform(0, 100, (B, n, d))
    if seed % 3 == 0:
        x = np.round(x / 10) * 10
    s = rng.uniform(0, 1, (B, n, d))
    s[rng.random((B, n, d)) < 0.1] = 0.0
    if seed % 4 == 0:
        s = np.round(s * 4) / 4
    c = np.repeat(rng.uniform(0, 1, (1, n, 1)), B, 0).repeat(d, 2)
    c[:, rng.random(n) < 0.1] = 0.0
    mask = rng.random((n, d)) > 0.15
    if seed % 2:
        x[:, 1], s[:, 1], c[:, 1] = x[:, 0], s[:, 0], c[:, 0]
    kw = {"salience_weight": 0.2 if seed % 5 == 0 else 0.4, "fixed_weight": 0.1}
    for tie_break in ("first", "decide"):
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = exchange_engine.run_rounds(x, s, c, mask, 4, tie_break, **kw)
        got = exchange_numba.run_rounds(x, s, c, mask, 4, tie_break, **kw)
        for a, b in zip(ref[:3], got[:3], strict=True):
            np.testing.assert_array_equal(a, b)
        assert ref[3] == got[3]
