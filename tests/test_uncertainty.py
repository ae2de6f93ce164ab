"""Perturbation: reproducibility, chunk independence, declared spreads, clipping, masks, bad spreads."""

from __future__ import annotations

import numpy as np
import pytest

from stakes.arrays import compile_scenario
from stakes.errors import OptionError, ScenarioError
from stakes.scenario import Scenario
from stakes.uncertainty import (
    BLOCK,
    SpreadOverride,
    capability_factor,
    draw_noise,
    perturb,
    resolve_spreads,
)
from stakes.variants import apply_variant


def small_scenario(**uncertainty: object) -> Scenario:
    return Scenario.model_validate({
        "title": "t", "seed": 7,
        "issues": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y", "scale_min": -1, "scale_max": 1}],
        "actors": [{"id": "a", "name": "A", "capability": 50, "capability_sd": 0.3},
                   {"id": "b", "name": "B", "capability": 30},
                   {"id": "c", "name": "C", "capability": 20}],
        "stances": [{"actor": "a", "issue": "x", "position": 10, "salience": 80, "position_sd": 4},
                    {"actor": "b", "issue": "x", "position": 90, "salience": 50, "salience_sd": 20},
                    {"actor": "c", "issue": "x", "position": 50, "salience": 100},
                    {"actor": "a", "issue": "y", "position": 1, "salience": 60},
                    {"actor": "b", "issue": "y", "position": -1, "salience": 40}],
        "variants": [{"id": "no-b", "name": "B leaves", "changes": [{"op": "remove_actor", "actor": "b"}]}],
        "uncertainty": uncertainty or {"default": {"position": 10, "salience": 5, "capability": 0.1}},
    })


def test_resolve_spreads_units() -> None:
    sp = resolve_spreads(small_scenario())
    # per-stance position_sd in scale units; default in % of span (10 % of 100, 10 % of 2)
    assert sp.position[0, 0] == 4 and sp.position[1, 0] == 10 and sp.position[0, 1] == pytest.approx(0.2)
    assert sp.salience[1, 0] == pytest.approx(0.20) and sp.salience[0, 0] == pytest.approx(0.05)
    assert sp.capability.tolist() == [0.3, 0.1, 0.1]
    assert sp.position[2, 1] == 0 and sp.salience[2, 1] == 0  # no stance: no spread
    over = resolve_spreads(small_scenario(), SpreadOverride(position=50, capability=0))
    assert over.position[1, 0] == 50 and over.position[0, 0] == 4  # the stance's own sd wins
    assert over.capability.tolist() == [0.3, 0, 0]


def test_reproducible_and_chunk_independent() -> None:
    sc = small_scenario()
    arr = compile_scenario(sc)
    whole = perturb(sc, arr, 3 * BLOCK + 17)
    again = perturb(sc, arr, 3 * BLOCK + 17)
    np.testing.assert_array_equal(whole.position, again.position)
    for cut in (1, 100, BLOCK, BLOCK + 3):
        a = perturb(sc, arr, cut)
        b = perturb(sc, arr, 3 * BLOCK + 17 - cut, start=cut)
        np.testing.assert_array_equal(np.concatenate([a.position, b.position]), whole.position)
        np.testing.assert_array_equal(np.concatenate([a.capability, b.capability]), whole.capability)
        np.testing.assert_array_equal(np.concatenate([a.salience, b.salience]), whole.salience)
    other = perturb(sc, arr, 10, seed=8)
    assert not np.array_equal(other.position, whole.position[:10])


def test_clipping_masks_and_moments() -> None:
    sc = small_scenario(default={"position": 40, "salience": 50, "capability": 0.5})
    arr = compile_scenario(sc)
    p = perturb(sc, arr, 20_000)
    assert p.position.shape == (20_000, 3, 2)
    assert (p.position[:, :, 0] >= 0).all() and (p.position[:, :, 0] <= 100).all()
    assert (p.position[:, :, 1] >= -1).all() and (p.position[:, :, 1] <= 1).all()
    assert (p.salience >= 0).all() and (p.salience <= 1).all()
    # the masked stance (c on y) is untouched: mid-point, zero salience and capability
    assert (p.position[:, 2, 1] == 0).all() and (p.salience[:, 2, 1] == 0).all()
    assert (p.capability[:, 2, 1] == 0).all()
    # one capability factor per actor, shared across issues
    np.testing.assert_allclose(p.capability[:, 0, 0] / 50, p.capability[:, 0, 1] / 50)
    f = p.capability[:, 1, 0] / 30
    assert f.mean() == pytest.approx(1.0, abs=0.02) and f.std() == pytest.approx(0.5, abs=0.03)
    assert (f > 0).all()
    # unclipped stance: mean and sd as declared (a at 10 with sd 4)
    assert p.position[:, 0, 0].std() == pytest.approx(4, rel=0.05)


def test_uniform_half_width() -> None:
    sc = small_scenario(distribution="uniform", default={"position": 10, "salience": 0, "capability": 0.2})
    p = perturb(sc, compile_scenario(sc), 5000)
    x = p.position[:, 1, 0]  # b at 90, half-width 10
    assert x.min() >= 80 and x.max() <= 100 and x.std() == pytest.approx(10 / np.sqrt(3), rel=0.05)
    f = p.capability[:, 1, 0] / 30
    assert f.min() >= 1 / 1.2 - 1e-12 and f.max() <= 1.2 + 1e-12
    assert (p.salience[:, 2, 0] == 1.0).all()  # c declares no salience_sd and the default is 0


def test_lognormal_factor_exact_moments() -> None:
    z = np.random.default_rng(0).standard_normal(400_000)
    f = capability_factor(np.array(0.4), z, "normal")
    assert f.mean() == pytest.approx(1, abs=0.01) and f.std() == pytest.approx(0.4, abs=0.01)


def test_variant_shares_draws() -> None:
    sc = small_scenario()
    var = apply_variant(sc, "no-b")
    base = perturb(sc, compile_scenario(sc), 50)
    pv = perturb(var, compile_scenario(var), 50, base=sc)
    np.testing.assert_array_equal(pv.position[:, 0], base.position[:, 0])  # actor a
    np.testing.assert_array_equal(pv.position[:, 1], base.position[:, 2])  # actor c


def test_zero_spread_is_identity() -> None:
    sc = small_scenario(default={"position": 0})
    sc = sc.model_copy(update={"stances": tuple(s.model_copy(update={"position_sd": None, "salience_sd": None})
                                                for s in sc.stances),
                               "actors": tuple(a.model_copy(update={"capability_sd": None}) for a in sc.actors)})
    arr = compile_scenario(sc)
    p = perturb(sc, arr, 5)
    assert not resolve_spreads(sc).any
    np.testing.assert_array_equal(p.position, np.repeat(arr.position, 5, 0))
    np.testing.assert_allclose(p.capability, np.repeat(arr.capability, 5, 0))


@pytest.mark.parametrize("override", [SpreadOverride(position=-1), SpreadOverride(position=1e9),
                                      SpreadOverride(salience=101), SpreadOverride(capability=float("nan")),
                                      SpreadOverride(capability=50)])
def test_absurd_overrides(override: SpreadOverride) -> None:
    with pytest.raises(OptionError, match="must be a number between"):
        resolve_spreads(small_scenario(), override)


def test_absurd_stance_spread_names_the_stance() -> None:
    sc = small_scenario()
    bad = sc.model_copy(update={"stances": (sc.stances[0].model_copy(update={"position_sd": 500}),
                                            *sc.stances[1:])})
    with pytest.raises(ScenarioError) as info:
        resolve_spreads(bad)
    assert info.value.actor == "a" and info.value.issue == "x" and info.value.field == "position_sd"


def test_absurd_default_in_file() -> None:
    with pytest.raises(ScenarioError, match="absurd") as info:
        resolve_spreads(small_scenario(default={"position": 400}))
    assert info.value.field == "position"


def test_runs_zero() -> None:
    sc = small_scenario()
    with pytest.raises(OptionError):
        perturb(sc, compile_scenario(sc), 0)
    assert draw_noise(1, ("a",), 1, 5, 5).position.shape == (0, 1, 1)


def test_core_imports_no_edges() -> None:
    """Uncertainty, Monte Carlo, sensitivity and sweeps load no CLI, plotting, database, Dask or SALib code."""
    import subprocess
    import sys

    code = ("import sys, stakes.uncertainty, stakes.simulate, stakes.sensitivity, stakes.sweep\n"
            "edges = ('typer', 'rich', 'matplotlib', 'sqlalchemy', 'fastapi', 'distributed', 'dask', 'SALib')\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in edges or m.startswith('stakes.cli')]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
