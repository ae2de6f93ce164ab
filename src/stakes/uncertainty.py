"""Monte Carlo perturbation: draw ``B`` perturbed copies of a scenario from its declared uncertainty.

Semantics (see docs/decisions/uncertainty.md):

* position: ``x + sd·z`` clipped to the issue's scale; ``sd`` is the stance's ``position_sd`` (in the
  issue's own units) or the default ``uncertainty.default.position`` (in % of the issue's span);
* salience: ``s + sd·z`` on 0–100 clipped to [0, 100]; ``sd`` = ``salience_sd`` or the default;
* capability: one multiplicative log-normal factor per actor, shared by all its issues,
  ``exp(σz − σ²/2)`` with ``σ² = ln(1 + r²)`` so the factor has mean 1 and relative sd ``r``
  (``capability_sd`` or the default);
* ``distribution: uniform`` replaces ``z ~ N(0, 1)`` by ``u ~ U(-1, 1)`` and reads each spread as a
  half-width (for capability: a log-uniform factor ``(1 + r)^u``);
* masked stances (no stance) stay masked and untouched.

Reproducibility: run ``r`` takes its draws from block ``r // BLOCK`` whose generator is
``SeedSequence(seed).spawn(...)[block]``, so any chunking of the runs gives identical numbers. The draws are
made on the baseline's actors and issues and shared by every variant (common random numbers): a variant's
effect is not blurred by fresh noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from .arrays import ScenarioArrays
from .errors import OptionError, ScenarioError
from .scenario import Scenario, Spread

BLOCK = 256
"""Runs per random block; fixed so that results never depend on chunk size."""
MAX_POSITION_PCT = 100.0
MAX_SALIENCE = 100.0
MAX_CAPABILITY = 5.0
Distribution = Literal["normal", "uniform"]


@dataclass(frozen=True)
class SpreadOverride:
    """Command-line overrides of a scenario's default spreads (None = keep the scenario's)."""

    position: float | None = None
    salience: float | None = None
    capability: float | None = None
    distribution: Distribution | None = None

    def check(self) -> None:
        limits = {"position": MAX_POSITION_PCT, "salience": MAX_SALIENCE, "capability": MAX_CAPABILITY}
        units = {"position": "% of the issue's span", "salience": "on 0–100", "capability": "relative"}
        for name, top in limits.items():
            value = getattr(self, name)
            if value is None:
                continue
            if not math.isfinite(value) or value < 0 or value > top:
                raise OptionError(
                    f"--{name}-sd must be a number between 0 and {top:g} ({units[name]}), got {value}"
                )
        if self.distribution not in (None, "normal", "uniform"):
            raise OptionError(f"--distribution must be 'normal' or 'uniform', got {self.distribution!r}")


@dataclass(frozen=True)
class Spreads:
    """Resolved spreads of one scenario: ``position`` ``(n, d)`` in scale units, ``salience`` ``(n, d)`` on
    [0, 1], ``capability`` ``(n,)`` relative; zero where there is no stance."""

    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    distribution: Distribution

    @property
    def any(self) -> bool:
        return bool(self.position.any() or self.salience.any() or self.capability.any())


def resolve_spreads(scenario: Scenario, override: SpreadOverride | None = None) -> Spreads:
    """Per-stance and per-actor spreads: the stance/actor ``*_sd`` fields, else the (overridden) defaults."""
    override = override or SpreadOverride()
    override.check()
    default: Spread = scenario.uncertainty.default
    pos_pct = default.position if override.position is None else override.position
    sal_default = default.salience if override.salience is None else override.salience
    cap_default = default.capability if override.capability is None else override.capability
    dist: Distribution = override.distribution or scenario.uncertainty.distribution
    if override.position is None and default.position > MAX_POSITION_PCT:
        raise ScenarioError(f"a position spread of {default.position:g} % of the scale is absurd",
                            row="uncertainty.default", field="position",
                            expected=f"0..{MAX_POSITION_PCT:g} (% of each issue's span)")
    actors = scenario.actor_ids
    issues = scenario.issue_ids
    a_index = {a: k for k, a in enumerate(actors)}
    i_index = {i: k for k, i in enumerate(issues)}
    n, d = len(actors), len(issues)
    position = np.zeros((n, d))
    salience = np.zeros((n, d))
    for st in scenario.stances:
        issue = scenario.issue(st.issue)
        r, c = a_index[st.actor], i_index[st.issue]
        if st.position_sd is not None:
            if st.position_sd > issue.span:
                raise ScenarioError(
                    f"position_sd {st.position_sd:g} is wider than the whole scale", actor=st.actor,
                    issue=st.issue, field="position_sd", expected=f"0..{issue.span:g} (the issue's span)")
            position[r, c] = st.position_sd
        else:
            position[r, c] = pos_pct / 100.0 * issue.span
        sd = sal_default if st.salience_sd is None else st.salience_sd
        if sd > MAX_SALIENCE:
            raise ScenarioError(f"salience_sd {sd:g} is wider than the 0–100 scale", actor=st.actor,
                                issue=st.issue, field="salience_sd", expected="0..100")
        salience[r, c] = sd / 100.0
    capability = np.zeros(n)
    for k, actor in enumerate(scenario.actors):
        sd = cap_default if actor.capability_sd is None else actor.capability_sd
        if sd > MAX_CAPABILITY:
            raise ScenarioError(f"capability_sd {sd:g} is absurd (a relative sd)", actor=actor.id,
                                field="capability_sd", expected=f"0..{MAX_CAPABILITY:g}")
        capability[k] = sd
    return Spreads(tuple(actors), tuple(issues), position, salience, capability, dist)


@dataclass(frozen=True)
class Noise:
    """Standardised draws (float32) for runs ``start..stop``: ``position``/``salience`` ``(B, n, d)``,
    ``capability`` ``(B, n)``; N(0, 1) for ``normal``, U(-1, 1) for ``uniform``."""

    actor_ids: tuple[str, ...]
    start: int
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The generator of one block of ``BLOCK`` runs: the ``block``-th child of ``SeedSequence(seed)``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


def draw_noise(seed: int, actor_ids: tuple[str, ...], n_issues: int, start: int, stop: int,
               distribution: Distribution = "normal") -> Noise:
    """Draws for runs ``start <= r < stop``, identical whatever the chunking."""
    if start < 0 or stop < start:
        raise OptionError(f"bad run range {start}..{stop}")
    n = len(actor_ids)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for block in range(start // BLOCK, (stop - 1) // BLOCK + 1 if stop > start else start // BLOCK):
        rng = block_rng(seed, block)
        # float32 draws: twice as fast and half the memory; ample precision for input noise
        if distribution == "uniform":
            draws = 2 * rng.random(size=(BLOCK, n * (2 * n_issues + 1)), dtype=np.float32) - 1
        else:
            draws = rng.standard_normal(size=(BLOCK, n * (2 * n_issues + 1)), dtype=np.float32)
        lo = max(start - block * BLOCK, 0)
        hi = min(stop - block * BLOCK, BLOCK)
        sub = draws[lo:hi]
        nd = n * n_issues
        parts.append((sub[:, :nd].reshape(-1, n, n_issues), sub[:, nd:2 * nd].reshape(-1, n, n_issues),
                      sub[:, 2 * nd:]))
    if not parts:
        empty = np.zeros((0, n, n_issues))
        return Noise(actor_ids, start, empty, empty, np.zeros((0, n)))
    return Noise(actor_ids, start, np.concatenate([p[0] for p in parts]),
                 np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts]))


def capability_factor(sd: np.ndarray, z: np.ndarray, distribution: Distribution) -> np.ndarray:
    """Multiplicative factor with mean 1 and relative sd ``sd`` (normal), or ``(1 + sd)^u`` (uniform)."""
    if distribution == "uniform":
        return np.exp(np.log1p(sd) * z)
    sigma2 = np.log1p(sd * sd)
    return np.exp(np.sqrt(sigma2) * z - sigma2 / 2)


def apply_noise(arrays: ScenarioArrays, spreads: Spreads, noise: Noise) -> ScenarioArrays:
    """Perturbed copies of ``arrays`` (batch 1) — one per run of ``noise``.

    ``spreads`` must describe the same actors and issues as ``arrays``; ``noise`` may cover more actors
    (the baseline's, when ``arrays`` is a variant that removed some) and is matched by actor id.
    """
    if spreads.actor_ids != arrays.actor_ids or spreads.issue_ids != arrays.issue_ids:
        raise ValueError("spreads and arrays describe different actors or issues")
    index = {a: k for k, a in enumerate(noise.actor_ids)}
    try:
        rows = np.array([index[a] for a in arrays.actor_ids], dtype=int)
    except KeyError as exc:
        raise ValueError(f"actor {exc.args[0]!r} has no draws") from None
    identity = len(rows) == len(noise.actor_ids) and bool((rows == np.arange(len(rows))).all())
    pick = slice(None) if identity else rows
    # in place on fresh copies: x + sd·z, clipped; unmasked cells have sd 0 and keep their value
    pos = noise.position[:, pick] * spreads.position[None]
    pos += arrays.position[:1]
    np.clip(pos, arrays.scale_min, arrays.scale_max, out=pos)
    sal = noise.salience[:, pick] * spreads.salience[None]
    sal += arrays.salience[:1]
    np.clip(sal, 0.0, 1.0, out=sal)
    factor = capability_factor(spreads.capability[None], noise.capability[:, pick].astype(float),
                               spreads.distribution)
    cap = arrays.capability[:1] * factor[:, :, None]
    return replace(arrays, position=pos, salience=sal, capability=cap)


def perturb(scenario: Scenario, arrays: ScenarioArrays, runs: int, seed: int | None = None, start: int = 0,
            override: SpreadOverride | None = None, base: Scenario | None = None) -> ScenarioArrays:
    """``runs`` perturbed copies (runs ``start..start+runs``) of ``arrays`` = ``compile_scenario(scenario)``.

    ``base`` is the scenario whose actors the draws are made on (the baseline when ``scenario`` is a
    variant); ``seed`` defaults to ``scenario.seed``.
    """
    if runs < 1:
        raise OptionError(f"the number of runs must be at least 1, got {runs}")
    spreads = resolve_spreads(scenario, override)
    base = base or scenario
    noise = draw_noise(scenario.seed if seed is None else seed, tuple(base.actor_ids), len(base.issue_ids),
                       start, start + runs, spreads.distribution)
    return apply_noise(arrays, spreads, noise)
