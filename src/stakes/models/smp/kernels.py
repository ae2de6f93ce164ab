"""KTAB's Spatial Model of Politics — the batched numpy kernels (formulas and sources: ``smp/__init__.py``).

Everything here works on ``[0, 1]`` positions with a leading batch axis ``B``: positions ``x`` ``(B, n, d)``,
saliences ``s`` ``(B, n, d)``, scalar capabilities ``c`` ``(B, n)``. No loop over runs or actor pairs; the
caller loops over turns. Names of KTAB's C++ functions are given where a kernel mirrors one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

VOTING_RULES = ("binary", "prop-bin", "proportional", "prop-cubic", "cubic", "asym-prospect")
VICTORY_MODELS = ("linear", "square", "quartic", "octic", "binary")
PCE_MODELS = ("conditional", "markov-incentive", "markov-uniform")
BIG_R_RANGES = ("min", "mid", "max")
BIG_R_ADJUSTS = ("none", "one-third", "half", "two-thirds", "full")
THIRD_PARTY_COMMITS = ("none", "semi", "full")
INTERPOLATIONS = ("S1P1", "S2P2", "S2PMax")
BARGAIN_MODELS = ("init-only", "init-rcvr", "pw-compromise")
STATE_TRANSITIONS = ("deterministic", "stochastic")

MIN_COALITION = 1e-8
"""Model::coalitions starts every coalition at 1E-8."""
MIN_CHALLENGE_COALITION = 1e-10
"""SMPState::probEduChlg starts both coalitions at 1E-10."""
MIN_SIG_EDU = 1e-5
"""SMPState::bestChallenge ignores expected gains at or below 1E-5."""
MIN_BARGAIN_WEIGHT = 1e-6
"""SMPActor::interpBrgnSnPm adds 1E-6 to the initiator's weight."""


@dataclass(frozen=True)
class SMPOptions:
    """KTAB's model options; the defaults are those KTAB uses when it reads a CSV file."""

    victory_model: str = "linear"
    voting_rule: str = "proportional"
    pce_model: str = "conditional"
    big_r_range: str = "mid"
    big_r_adjust: str = "one-third"
    third_party_commit: str = "semi"
    interpolation: str = "S2P2"
    bargain_model: str = "init-only"
    state_transition: str = "deterministic"
    rounds: int = 100
    min_turns: int = 2
    stop_ratio: float = 0.02
    min_sig_delta: float = 1e-4
    seed: int = 0


# ---------------------------------------------------------------- elementwise rules (Model::vote, vProb, ...)

def vote(rule: str, w: np.ndarray | float, du: np.ndarray) -> np.ndarray:
    """Model::vote: an actor of weight ``w`` voting on a utility difference ``du``."""
    if rule == "proportional":
        return w * du
    if rule == "binary":
        return w * np.clip(du / 1e-8, -1.0, 1.0)
    if rule == "prop-bin":
        return w * (0.8 * du + 0.2 * np.clip(du / 1e-8, -1.0, 1.0))
    if rule == "prop-cubic":
        return w * (0.5 * du + 0.5 * du ** 3)
    if rule == "cubic":
        return w * du ** 3
    if rule == "asym-prospect":
        return np.where(du < 0, w * du, np.where(du > 0, 2.0 * w * du / 3.0, 0.0))
    raise ValueError(f"unknown voting rule {rule!r}")


def victory(model: str, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """Model::vProb: probability that coalition strength ``c1`` defeats ``c2``."""
    if model == "binary":
        thresh, min_x = 1.10, 1e-6
        r12 = c1 / (c1 + c2)
        mid = (r12 * (thresh + 1.0) - 1.0) / (thresh - 1.0)
        x1 = np.where(c1 >= thresh * c2, 1.0, np.where(c2 >= thresh * c1, min_x, mid))
        x2 = np.where(c1 >= thresh * c2, min_x, np.where(c2 >= thresh * c1, 1.0, 1.0 - mid))
        return x1 / (x1 + x2)
    if model == "linear":
        return c1 / (c1 + c2)
    power = {"square": 2, "quartic": 4, "octic": 8}[model]
    x1, x2 = c1 ** power, c2 ** power
    return x1 / (x1 + x2)


def big_r(p: np.ndarray, rng_kind: str) -> np.ndarray:
    """Model::bigRfromProb over the last axis; a flat distribution (KTAB divides by zero) gives R = 0."""
    p_min, p_max = p.min(-1, keepdims=True), p.max(-1, keepdims=True)
    span = p_max - p_min
    safe = np.where(span > 0, span, 1.0)
    if rng_kind == "min":
        r = (p - p_min) / safe
    elif rng_kind == "mid":
        r = (3 * p - (p_max + 2 * p_min)) / (2 * safe)
    else:
        r = (2 * p - (p_max + p_min)) / safe
    return np.where(span > 0, r, 0.0)


def est_risk(rh: np.ndarray, ri: np.ndarray, adjust: str) -> np.ndarray:
    """Model::estNRA: h's estimate of i's risk attitude."""
    if adjust == "none":
        return rh + 0.0 * ri
    if adjust == "one-third":
        return (2.0 * rh + ri) / 3.0
    if adjust == "half":
        return (rh + ri) / 2.0
    if adjust == "two-thirds":
        return (rh + 2.0 * ri) / 3.0
    return ri + 0.0 * rh


def bs_util(d: np.ndarray, r: np.ndarray | float) -> np.ndarray:
    """SMPModel::bsUtil: u = (1 − d)(1 + d R), and (1 − d)(1 + R) past d = 1 (which weighted distances
    between points of [0, 1]ᵈ never exceed, but rounding might)."""
    near = (1 - d) * (1 + d * r)
    if np.all(d <= 1):
        return near
    return np.where(d <= 1, near, (1 - d) * (1 + r))


def wdist(ideal: np.ndarray, points: np.ndarray, sal: np.ndarray) -> np.ndarray:
    """SMPModel::bvDiff: salience-weighted distance from each evaluator's ideal to each point.

    ``ideal`` and ``sal`` ``(B, A, d)``, ``points`` ``(B, M, d)`` → ``(B, A, M)``. An evaluator without any
    salience is at distance 0 from everything (KTAB refuses such actors).
    """
    diff = (ideal[:, :, None, :] - points[:, None, :, :]) * sal[:, :, None, :]
    den = (sal * sal).sum(-1)[:, :, None]
    num = (diff * diff).sum(-1)
    return np.sqrt(num / np.where(den > 0, den, 1.0)) * (den > 0)


def round4(x: np.ndarray) -> np.ndarray:
    """interpBrgnSnPm's round4: ``(int)(0.5 + x·10⁴) / 10⁴`` (truncation toward zero)."""
    return np.trunc(0.5 + x * 10000.0) / 10000.0


# ---------------------------------------------------------------- coalitions, victory matrix, PCE

def seq_sum(start: np.ndarray, terms: np.ndarray, axis: int) -> np.ndarray:
    """``start + terms[0] + terms[1] + …`` along ``axis``, added left to right as KTAB's loops do, so that
    rounding (and hence exact ties) is KTAB's. NumPy reduces an axis other than the last one slice by slice,
    in order (the last axis it sums pairwise), so ``axis`` must not be the last."""
    if axis in (-1, terms.ndim - 1):
        raise ValueError("seq_sum needs an axis other than the last")
    return np.concatenate([np.expand_dims(start, axis), terms], axis=axis).sum(axis)


def coalition_matrix(u: np.ndarray, w: np.ndarray, rule: str) -> np.ndarray:
    """Model::coalitions: ``c[i, j]`` strength of the coalition for option i over j; ``u`` ``(B, A, M)``.

    KTAB fills the lower triangle from v(k, i, j) (i > j) and the upper one from its negative part, which
    only matters for the asymmetric rule.
    """
    m = u.shape[-1]
    v = vote(rule, w[:, :, None, None], u[:, :, :, None] - u[:, :, None, :])
    pos = np.maximum(v, 0.0)
    if rule == "asym-prospect":
        lower = np.tril(np.ones((m, m), dtype=bool), -1)
        pos = np.where(lower, pos, np.maximum(-v, 0.0).swapaxes(-1, -2))
    c = seq_sum(np.full((u.shape[0], m, m), MIN_COALITION), pos, axis=1)
    idx = np.arange(m)
    c[:, idx, idx] = MIN_COALITION
    return c


def victory_matrix(c: np.ndarray, model: str) -> np.ndarray:
    pv = victory(model, c, c.swapaxes(-1, -2))
    idx = np.arange(c.shape[-1])
    pv[:, idx, idx] = 0.5
    return pv


def pce(pv: np.ndarray, c: np.ndarray, valid: np.ndarray, model: str) -> np.ndarray:
    """Probability of each option winning, per option set.

    ``pv``, ``c`` ``(B, M, M)``; ``valid`` ``(B, K, M)`` marks the options of each of K contests (KTAB runs
    one scalarPCE per set). Returns ``(B, K, M)``, zero outside each set.
    """
    vf = valid.astype(float)
    if model == "conditional":  # Model::condPCE: Π_j p_ij in KTAB's order, so that exact ties stay ties
        factors = np.where(valid[:, :, None, :], pv[:, None, :, :], 1.0)  # (B, K, m, j)
        prod = np.where(valid, np.cumprod(factors, axis=-1)[..., -1], 0.0)
        total = prod.sum(-1, keepdims=True)
        if (total > 0).all():
            return prod / total
        logp = np.einsum("bkq,bmq->bkm", vf, np.log(pv))  # underflow: the same ratios, in logs
        logp = np.where(valid, logp, -np.inf)
        p = np.exp(logp - logp.max(-1, keepdims=True))
        return np.where(total > 0, prod / np.where(total > 0, total, 1.0), p / p.sum(-1, keepdims=True))
    count = vf.sum(-1, keepdims=True)
    p = vf / count
    if model == "markov-uniform":  # Model::markovUniformPCE
        def uniform_step(p: np.ndarray) -> np.ndarray:
            # q_i = Σ_j pv(i,j) (p_i + p_j) / numOpt over the set
            return (p * np.einsum("bmq,bkq->bkm", pv, vf) + np.einsum("bmq,bkq->bkm", pv, p)) / count * vf

        return _iterate_markov(p, uniform_step, tol=1e-6)
    # Model::markovIncentivePCE
    inc = c * pv
    idx = np.arange(c.shape[-1])
    inc[:, idx, idx] += 1e-10
    col = np.einsum("bkm,bmj->bkj", vf, inc)  # Σ over the set's i of inc(i, j)
    chlg = inc[:, None, :, :] / np.where(col > 0, col, 1.0)[:, :, None, :]  # (B,K,i,j)

    def incentive_step(p: np.ndarray) -> np.ndarray:
        ct = p[:, :, :, None] * chlg.swapaxes(-1, -2)  # ct(i,j) = p_i chlg(j,i)
        both = (ct + ct.swapaxes(-1, -2)) * vf[:, :, None, :] * vf[:, :, :, None]
        return np.einsum("bij,bkij->bki", pv, both) * vf

    return _iterate_markov(p, incentive_step, tol=1e-8)


def _iterate_markov(p: np.ndarray, step: Callable[[np.ndarray], np.ndarray], tol: float) -> np.ndarray:
    """KTAB's Markov PCE iteration p ← (p + step(p))/2; each set stops once its own change is ≤ tol."""
    live = np.ones(p.shape[:2], dtype=bool)
    for _ in range(1000):
        q = step(p)
        change = np.abs(q - p).max(-1)
        p = np.where(live[..., None], (p + q) / 2, p)
        live &= change > tol
        if not live.any():
            break
    return p
