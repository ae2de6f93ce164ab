"""KTAB's Spatial Model of Politics (SMP) with probabilistic Condorcet elections.

Source: KAPSARC's KTAB (github lsyaseen/KTAB, MIT licence), ``examples/smp/libsrc/smp.cpp``, ``smpbcn.cpp``,
``smpread.cpp`` and ``KTAB/kmodel/libsrc/kmodel.cpp``; Wise, Lester & Efird, "KTAB: the KAPSARC Toolkit for
Behavioral Analysis" (KAPSARC, 2015–2017). Positions are vectors over all issues, each issue rescaled to [0, 1].

* Distance of j's position from i's ideal: d_ij = sqrt(Σ_k (s_ik Δx_k)² / Σ_k s_ik²); utility
  u = (1 − d)(1 + d R) (bsUtil). Ideals track positions.
* Risk attitudes: risk-neutral utilities 1 − d; votes v_kij = c_k·rule(u_ki − u_kj); coalitions
  C_ij = 1e-8 + Σ_k max(v_kij, 0); victory p_ij = C_ijᵐ / (C_ijᵐ + C_jiᵐ) (m from the victory model);
  conditional PCE P_i ∝ Π_j p_ij; R_i = (3P_i − P_max − 2P_min) / (2(P_max − P_min)) ("Mid"); h's estimate of
  i's attitude (2R_h + R_i)/3 ("one third").
* Challenges (probEduChlg, seen by the initiator i): the principals' coalitions from w = c·Σs, each third party
  n joins after a three-actor "little contest" (semi-commit); P = C_ij / (C_ij + C_ji); i's expected gain
  ΔEU = (1 − S_j)·2u_ii + S_j[P·2u_ii + (1 − P)·2u_ij] − (u_ii + u_ij); i targets the j with the largest
  gain above 1e-5.
* Bargain (S2P2, "InitOnly"): per dimension w_i = s_ik² P², w_j = s_jk² (1 − P)²; both move to
  ((w_i + 10⁻⁶)x_i + w_j x_j)/(w_i + 10⁻⁶ + w_j), rounded to 10⁻⁴.
* Each actor scores its status quo and the bargains it is part of by every actor's mean utility over all
  positions, runs a Condorcet PCE over them (votes weighted by capability) and takes the most likely one.
* Stop after 100 turns, or (from turn 2) when the last step's total movement is below 2 % of the first's.

Forecast: the capability × salience weighted mean of the final positions per issue (KTAB reports positions,
not a single outcome). Parameters mirror KTAB's options, defaulting to those KTAB uses for a CSV file.
Modelling choices where KTAB has none (per-issue capabilities, missing stances): ``docs/decisions/smp.md``.

Engines: ``engine="numpy"`` the batched numpy engine (``smp/numpy.py``); ``"numba"`` the compiled one
(``smp/numba.py``, optional extra ``fast``; deterministic transitions), the same positions to ~1e-9 (bit for
bit on the tests' scenarios); ``"auto"`` (default) numba for batches of at least ``AUTO_NUMBA_WORK`` runs × n³,
or of ``AUTO_CACHED_WORK`` once its kernel is compiled (loaded, or in numba's disk cache), else numpy.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np

from ...arrays import ScenarioArrays
from ...errors import OptionError
from ..base import ModelResult, ModelSpec, Parameter, register
from ..jit import announce_compile, may_compile, threads_for
from .kernels import (
    BARGAIN_MODELS,
    BIG_R_ADJUSTS,
    BIG_R_RANGES,
    INTERPOLATIONS,
    PCE_MODELS,
    STATE_TRANSITIONS,
    THIRD_PARTY_COMMITS,
    VICTORY_MODELS,
    VOTING_RULES,
    SMPOptions,
)
from .numpy import run_batch, win_probabilities

CHUNK_ELEMENTS = 1 << 16
"""Runs are processed in chunks of about this many B·n³ elements: the (B, n, n, n) temporaries then stay in
the CPU cache (measured best among 2¹⁴…2²² on SOE and a 20 × 3 case), and memory stays bounded."""


ENGINES = ("auto", "numpy", "numba")
AUTO_NUMBA_WORK = 200_000
"""``engine="auto"`` takes numba from this many runs × actors³ on (a turn costs O(n³)): below it the numpy engine
is done in about the time numba takes to import and load its cached kernel (~1 s on a small machine;
benchmarks/README_smp.md), and a first ``stakes forecast`` compiles nothing."""
AUTO_CACHED_WORK = 1_000
"""From this many runs × actors³ on, ``"auto"`` also takes the kernel when numba's disk cache holds it (it then
loads in well under a second, shared with the other kernels; the built-in scenario's forecast runs SMP 27
times). Tiny batches stay in numpy and never import numba."""


CAPABILITY_SCALES = ("max-100", "as-given")
CAPABILITY_MAX = 100.0
"""KTAB adds absolute constants to capability-weighted sums (coalition strength 1e-8, …), so its results depend
on the units of capability. ``capability_scale="max-100"`` (default) rescales each run's capabilities so the
largest is 100 — KTAB's own examples' scale (SOE-Pol-Comp: Xi Jinping 100.0, reproduced bit for bit) — and
the forecast depends only on capability ratios. ``"as-given"`` is KTAB's behaviour."""


def scalar_inputs(arrays: ScenarioArrays, capability_scale: str = "max-100",
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions on [0, 1] ``(B, n, d)``, saliences ``(B, n, d)`` (0 without a stance) and one capability per
    actor ``(B, n)``: the salience-weighted mean of its per-issue capabilities (KTAB has one number), rescaled
    to a largest capability of 100 unless ``capability_scale="as-given"``."""
    x = (arrays.position - arrays.scale_min) / arrays.span
    s = arrays.salience * arrays.mask
    cap = arrays.capability * arrays.mask
    s_sum = s.sum(-1)
    weighted = (cap * s).sum(-1) / np.where(s_sum > 0, s_sum, 1.0)
    c = np.where(s_sum > 0, weighted, cap.max(-1))
    if capability_scale == "max-100":
        top = c.max(-1, keepdims=True)
        c = np.where(top > 0, c * (CAPABILITY_MAX / np.where(top > 0, top, 1.0)), c)
    elif capability_scale != "as-given":
        raise OptionError(f"model 'smp' parameter 'capability_scale' must be one of {CAPABILITY_SCALES}")
    return np.clip(x, 0.0, 1.0), s, c


def options_from(params: dict[str, Any]) -> SMPOptions:
    """KTAB's options from model parameters; numbers outside their range are an OptionError."""
    names = {f.name for f in fields(SMPOptions)}
    opt = SMPOptions(**{k: v for k, v in params.items() if k in names})
    for name, low in (("rounds", 1), ("min_turns", 0)):
        value = getattr(opt, name)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise OptionError(f"model 'smp' parameter '{name}' must be an integer ≥ {low}, got {value!r}")
    for name in ("stop_ratio", "min_sig_delta"):
        value = getattr(opt, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
            raise OptionError(f"model 'smp' parameter '{name}' must be a number ≥ 0, got {value!r}")
    return opt


def _chunk_options(opt: SMPOptions, start: int) -> SMPOptions:
    """Each chunk of a stochastic run draws from its own stream (seeded by the seed and the chunk's start)."""
    if opt.state_transition != "stochastic" or start == 0:
        return opt
    return replace(opt, seed=int(np.random.SeedSequence([opt.seed, start]).generate_state(1)[0]))


def _finish(arrays: ScenarioArrays, traj01: np.ndarray, steps: np.ndarray, model: str) -> ModelResult:
    positions = arrays.scale_min + traj01 * arrays.span
    w = arrays.weights()[:, None]
    tot = w.sum(2)
    mid = (arrays.scale_min + arrays.scale_max) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        forecasts = np.where(tot > 0, (w * positions).sum(2) / np.where(tot > 0, tot, 1.0), mid)
    rounds = np.repeat(steps[:, None], arrays.n_issues, axis=1)
    return ModelResult(model=model, forecast=forecasts[:, -1], positions=positions, forecasts=forecasts,
                       rounds=rounds, extra={"turns": steps})


def _pad(traj: np.ndarray, length: int) -> np.ndarray:
    if traj.shape[1] == length:
        return traj
    tail = np.repeat(traj[:, -1:], length - traj.shape[1], axis=1)
    return np.concatenate([traj, tail], axis=1)


def numba_kernel():
    """The compiled engine's ``run_batch`` (:mod:`stakes.models.smp.numba`), or None when numba cannot be
    imported."""
    try:
        from .numba import run_batch as kernel
    except Exception:  # not installed, or a numba that refuses this numpy: auto runs the numpy engine
        return None
    return kernel


def _kernel_loaded() -> bool:
    """True when the compiled engine is imported and compiled in this process (using it costs nothing more)."""
    import sys

    module = sys.modules.get(f"{__name__}.numba")
    return module is not None and bool(getattr(module.run_all, "overloads", None))


def _kernel_cached() -> bool:
    """True when the compiled engine runs without compiling: loaded in this process, or in numba's disk cache
    (e.g. after ``stakes compile``)."""
    if _kernel_loaded():
        return True
    if numba_kernel() is None:
        return False
    import sys

    from ..jit import needs_compiling

    return not needs_compiling(sys.modules[f"{__name__}.numba"].run_all)


def choose_engine(engine: str, opt: SMPOptions, runs: int, n: int):
    """The compiled ``run_batch`` for this call, or None for the numpy engine."""
    if engine not in ENGINES:
        raise OptionError(f"model 'smp' parameter 'engine' must be one of {ENGINES}, got {engine!r}")
    if engine == "numpy":
        return None
    if opt.state_transition != "deterministic":
        if engine == "numba":
            raise OptionError("model 'smp': engine 'numba' runs deterministic transitions only; state_transition "
                              "'stochastic' runs in the numpy engine (engine 'auto' or 'numpy')")
        return None
    work = runs * n ** 3
    small = (work < AUTO_NUMBA_WORK or not may_compile()) and not _kernel_loaded()
    if engine == "auto" and small and not (work >= AUTO_CACHED_WORK and _kernel_cached()):
        return None
    kernel = numba_kernel()
    if kernel is None and engine == "numba":
        raise OptionError("model 'smp' parameter 'engine' is 'numba' but numba cannot be imported "
                          "(pip install 'stakes[fast]', or use engine 'auto' or 'numpy')")
    return kernel


def smp(arrays: ScenarioArrays, **params: Any) -> ModelResult:
    """Batched SMP: all runs of the batch together, in chunks that bound memory (numpy) or in one compiled
    call (numba)."""
    opt = options_from(params)
    x, s, c = scalar_inputs(arrays, params.get("capability_scale", "max-100"))
    b_n, n = x.shape[:2]
    kernel = choose_engine(params.get("engine", "auto"), opt, b_n, n)
    if kernel is not None:
        from . import numba as smp_numba

        announce_compile(smp_numba.run_all, "SMP")
        with threads_for(b_n, rows_per_thread=4):  # runs spread over threads: one thread for a few runs
            traj, steps = kernel(x, s, c, opt)
    else:
        chunk = max(1, CHUNK_ELEMENTS // max(1, n ** 3))
        parts = [run_batch(x[k:k + chunk], s[k:k + chunk], c[k:k + chunk], _chunk_options(opt, k))
                 for k in range(0, b_n, chunk)]
        length = max(p[0].shape[1] for p in parts)
        traj = np.concatenate([_pad(p[0], length) for p in parts], axis=0)
        steps = np.concatenate([p[1] for p in parts])
    result = _finish(arrays, traj, steps, "smp")
    result.extra["engine"] = "numpy" if kernel is None else "numba"
    if params.get("win_probabilities"):
        result.extra["win_probability"] = np.stack(
            [win_probabilities(traj[:, t], s, c, opt) for t in range(traj.shape[1])], axis=1)
    return result


def smp_reference(arrays: ScenarioArrays, **params: Any) -> ModelResult:
    """The plain per-run implementation (``smp/reference.py``), one run after another."""
    from .reference import run_one

    opt = options_from(params)
    x, s, c = scalar_inputs(arrays, params.get("capability_scale", "max-100"))
    runs = [run_one(x[b], s[b], c[b], opt) for b in range(x.shape[0])]
    length = max(len(r) for r in runs)
    traj = np.stack([np.array(r + [r[-1]] * (length - len(r))) for r in runs])
    steps = np.array([len(r) - 1 for r in runs])
    return _finish(arrays, traj, steps, "smp")


PARAMETERS = (
    Parameter("victory_model", "linear", "victory probability from coalition strengths: C^m/(C^m + C'^m)",
              VICTORY_MODELS),
    Parameter("voting_rule", "proportional", "how votes grow with utility differences", VOTING_RULES),
    Parameter("pce_model", "conditional", "probabilistic Condorcet election model", PCE_MODELS),
    Parameter("big_r_range", "mid", "range of risk attitudes inferred from win probabilities", BIG_R_RANGES),
    Parameter("big_r_adjust", "one-third", "how an actor anchors its estimate of another's risk attitude",
              BIG_R_ADJUSTS),
    Parameter("third_party_commit", "semi", "how committed third parties expect to be", THIRD_PARTY_COMMITS),
    Parameter("interpolation", "S2P2", "bargain interpolation (salience and probability powers)", INTERPOLATIONS),
    Parameter("bargain_model", "init-only", "whose view forms the bargains", BARGAIN_MODELS),
    Parameter("state_transition", "deterministic", "take the most likely bargain, or draw one", STATE_TRANSITIONS),
    Parameter("rounds", 100, "at most this many turns (KTAB's maxIter); the stopping rule may end a run sooner"),
    Parameter("min_turns", 2, "never stop before this many turns"),
    Parameter("stop_ratio", 0.02, "stop when a turn's movement falls below this share of the first turn's"),
    Parameter("min_sig_delta", 1e-4, "added to the first turn's movement (guards 0/0)"),
    Parameter("seed", 0, "seed of the draws when state_transition is stochastic"),
    Parameter("capability_scale", "max-100", "'max-100': capabilities rescaled so the largest is 100 (forecast "
              "independent of their units); 'as-given': KTAB's raw numbers (its absolute constants then depend on "
              "the units)", CAPABILITY_SCALES),
    Parameter("win_probabilities", False, "also report KTAB's per-turn winning probability of each actor's "
              "position (extra['win_probability'], (B, T+1, n))", (False, True)),
    Parameter("engine", "auto", "numba: the compiled engine (extra 'fast'; deterministic transitions); numpy: the "
              "batched numpy engine; auto: numba for large batches when installed. Same positions to ~1e-9.",
              ENGINES),
)

SPEC = register(ModelSpec(
    id="smp",
    name="KTAB Spatial Model of Politics",
    description="Actors challenge and bargain in probabilistic Condorcet elections over vector positions "
    "until positions settle (KAPSARC's KTAB, CSV defaults).",
    citation="Wise, B., Lester, S., Efird, B. KTAB: the KAPSARC Toolkit for Behavioral Analysis, "
    "Spatial Model of Politics (github.com/lsyaseen/KTAB, examples/smp; MIT licence).",
    run=smp,
    parameters=PARAMETERS,
    dynamic=True,
    reference=smp_reference,
))
