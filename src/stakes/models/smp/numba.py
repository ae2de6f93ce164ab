"""Compiled (numba) SMP engine: a whole batch of independent runs in one call, runs spread over threads.

The same model as :mod:`stakes.models.smp.numpy` (formulas and sources: ``smp/__init__.py``), written as plain
loops over one run, on the building blocks of :mod:`stakes.models.smp.numba_kernels`. Every float is computed
with the numpy engine's operations in its order (KTAB's order of summation: over voters and third parties left
to right, over a last axis in numpy's pairwise order), without fast-math, so both engines make the same choices
and agree to ~1e-9 (bit for bit on the tests' scenarios and on DEU). Work saved: a bargain election needs the
coalitions among its own options only (the actor's status quo and the few bargains it is part of), not among
all 1 + n bargains, so a turn costs O(n³) for the challenges and the risk election and O(n²) for the rest.
Deterministic transitions only: the stochastic one draws from numpy's generator (``engine="auto"`` runs it in
numpy).

Importing this module imports numba but compiles nothing; the kernel compiles on its first call (cached on
disk next to this file when that directory is writable).
"""

from __future__ import annotations

import math
import threading

import numba as nb
import numpy as np

from .kernels import (
    BARGAIN_MODELS,
    BIG_R_ADJUSTS,
    BIG_R_RANGES,
    INTERPOLATIONS,
    MIN_COALITION,
    MIN_SIG_EDU,
    PCE_MODELS,
    THIRD_PARTY_COMMITS,
    VICTORY_MODELS,
    VOTING_RULES,
    SMPOptions,
)
from .numba_kernels import R_ASYM, R_PROP, challenges, chlg_one, dist_all, interp, jit, pce, psum, util, vote, vote_vec

B_INIT_ONLY, B_INIT_RCVR, B_PW = range(3)
MEMORY_ELEMENTS = 1 << 22
"""Runs go to the kernel in chunks whose trajectories (rounds + 1 states each) hold at most this many floats."""
_PARALLEL = threading.Lock()
"""One parallel launch at a time (threading layers differ in how they take concurrent launches from threads)."""


@jit()
def _risk(x, s, c, den, rule, vic, model, rrange, dst, work, tmp, buf):  # pragma: no cover - compiled
    """Distances ``dst`` and risk attitudes R (numpy.utilities: a PCE over the current positions with
    risk-neutral utilities 1 − d, Model::bigRfromProb)."""
    n = x.shape[0]
    ru = np.empty((n, n))
    col = work[0]
    for j in range(n):
        dist_all(x, s, den, x[j], col, buf)
        for i in range(n):
            dst[i, j] = col[i]
            ru[i, j] = 1.0 - col[i]
    cm = np.full((n, n), MIN_COALITION)
    cn = np.full((n, n), MIN_COALITION)
    du, vv = work[1], work[2]
    for k in range(n):  # Model::coalitions: c[a, b] = 1e-8 + Σ_k max(v_kab, 0), voters in order
        w = c[k]
        for a in range(n):
            ua = ru[k, a]
            if rule == R_PROP:
                for b in range(n):
                    v = w * (ua - ru[k, b])
                    cm[a, b] += v if v > 0.0 else 0.0
                continue
            for b in range(n):
                du[b] = ua - ru[k, b]
            vote_vec(rule, w, du, vv, n)
            for b in range(n):  # the asymmetric rule: the upper triangle from max(−v_kba, 0), in cn
                v = vv[b]
                cm[a, b] += v if v > 0.0 else 0.0
                cn[a, b] += -v if v < 0.0 else 0.0
    for a in range(n):
        cm[a, a] = MIN_COALITION
        for b in range(a + 1 if rule == R_ASYM else n, n):
            cm[a, b] = cn[b, a]
    p = np.empty(n)
    pce(cm, cn, n, np.arange(n), model, vic, p, np.zeros(n), tmp)
    p_min, p_max = p.min(), p.max()
    span = p_max - p_min
    r = np.zeros(n)
    if span > 0:
        for i in range(n):
            if rrange == 0:
                r[i] = (p[i] - p_min) / span
            elif rrange == 1:
                r[i] = (3 * p[i] - (p_max + 2 * p_min)) / (2 * span)
            else:
                r[i] = (2 * p[i] - (p_max + p_min)) / span
    return r


@jit()
def _utilities(dst, r, adjust, u):  # pragma: no cover - compiled
    """u[h, i, j]: h's estimate of i's utility for j's position (Model::estNRA, SMPModel::bsUtil)."""
    n = r.shape[0]
    for h in range(n):
        for i in range(n):
            rh, ri = r[h], r[i]
            if adjust == 0:
                rhi = rh + 0.0 * ri
            elif adjust == 1:
                rhi = (2.0 * rh + ri) / 3.0
            elif adjust == 2:
                rhi = (rh + ri) / 2.0
            elif adjust == 3:
                rhi = (rh + 2.0 * ri) / 3.0
            else:
                rhi = ri + 0.0 * rh
            for j in range(n):
                u[h, i, j] = util(dst[i, j], rhi)


@jit()
def _bargains(x, s, c, ssum, ws, u, target, has, p_iij, rule, commit, kind, bmodel, b_init, b_rcvr):
    """The bargains of each initiator with a challenge (numpy.bargains): positions for initiator and receiver
    ``(n, nb, d)``."""  # pragma: no cover - compiled
    d = x.shape[1]
    bi, bj = np.empty(d), np.empty(d)
    for i in range(x.shape[0]):
        if not has[i]:
            continue
        j = target[i]
        interp(x, s, i, j, p_iij[i], kind, b_init[i, 0], b_rcvr[i, 0])
        if bmodel == B_INIT_ONLY:
            continue
        a_ij, a_ji = chlg_one(u[j], ws, i, j, rule, commit, True)  # j's view of the same contest
        if bmodel == B_INIT_RCVR:
            interp(x, s, i, j, a_ij / (a_ij + a_ji), kind, b_init[i, 1], b_rcvr[i, 1])
            continue
        interp(x, s, i, j, a_ij / (a_ij + a_ji), kind, bi, bj)
        wi, wj = c[i] * ssum[i], c[i] * ssum[j]  # PWCompInterp; KTAB weighs both by the initiator's capability
        for k in range(d):
            b_init[i, 0, k] = (wi * b_init[i, 0, k] + wj * bi[k]) / (wi + wj)
            b_rcvr[i, 0, k] = (wi * b_rcvr[i, 0, k] + wj * bj[k]) / (wi + wj)


@jit()
def _turn(x, s, c, ws, ssum, den, codes, new, u):  # pragma: no cover - compiled
    """One turn (SMPState::doBCN, numpy.step): every actor's new position into ``new``; ``u`` (n, n, n) scratch
    (allocated once per run: at n ≈ 30 a fresh one each turn costs page faults)."""
    rule, vic, model, rrange, adjust, commit, kind, bmodel = (codes[0], codes[1], codes[2], codes[3], codes[4],
                                                            codes[5], codes[6], codes[7])
    n, d = x.shape
    nbk = 2 if bmodel == B_INIT_RCVR else 1
    m_opt = 1 + n * nbk
    buf, tmp, work = np.empty(d), np.empty(m_opt), np.empty((6, n))
    dst = np.empty((n, n))
    r = _risk(x, s, c, den, rule, vic, model, rrange, dst, work, tmp, buf)
    _utilities(dst, r, adjust, u)
    # each initiator's best challenge, from its own perspective (probEduChlg, bestChallenge)
    target = np.zeros(n, dtype=np.int64)
    has = np.zeros(n, dtype=np.bool_)
    p_iij, cij, cji, gain = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        uu = u[i]
        challenges(uu, ws, i, rule, commit, cij, cji, work)
        uii = uu[i, i]
        for j in range(n):
            pj, qj, own = cij[j] / (cij[j] + cji[j]), cji[j] / (cij[j] + cji[j]), uu[i, j]
            gain[j] = (1 - ssum[j]) * (uii + uii) + ssum[j] * (pj * (uii + uii) + qj * (own + own)) - (uii + own)
        gain[i] = -np.inf
        target[i] = np.argmax(gain)  # first maximum
        has[i] = gain[target[i]] > MIN_SIG_EDU
        p_iij[i] = cij[target[i]] / (cij[target[i]] + cji[target[i]])
    b_init, b_rcvr = np.empty((n, nbk, d)), np.empty((n, nbk, d))
    _bargains(x, s, c, ssum, ws, u, target, has, p_iij, rule, commit, kind, bmodel, b_init, b_rcvr)
    # every actor's mean utility for the status quo and each bargain (updateBestBrgnPositions), in KTAB's order:
    # the bargain's two positions, then everyone else's
    own_t = np.empty((n, n))  # own_t[t, a] = u[a, a, t]
    for a in range(n):
        for t in range(n):
            own_t[t, a] = u[a, a, t]
    u_opt = np.empty((n, m_opt))
    acc, d_i, d_r = np.zeros(n), np.empty(n), np.empty(n)
    for t in range(n):
        for a in range(n):
            acc[a] += own_t[t, a]
    for a in range(n):
        u_opt[a, 0] = acc[a] / n
    for i in range(n):
        for q in range(nbk if has[i] else 0):
            dist_all(x, s, den, b_init[i, q], d_i, buf)
            dist_all(x, s, den, b_rcvr[i, q], d_r, buf)
            for a in range(n):
                acc[a] = util(d_i[a], r[a]) + util(d_r[a], r[a])
            for t in range(n):
                if t != i and t != target[i]:
                    for a in range(n):
                        acc[a] += own_t[t, a]
            for a in range(n):
                u_opt[a, 1 + i * nbk + q] = acc[a] / n
    # each actor's Condorcet election among its status quo and the bargains it is part of; the most likely wins
    opts = np.empty(m_opt, dtype=np.int64)
    cs, pvs = np.empty((m_opt, m_opt)), np.empty((m_opt, m_opt))
    row, prob = np.zeros(m_opt), np.empty(m_opt)
    for k in range(n):
        size = 1
        opts[0] = 0
        for i in range(n):
            if has[i] and (i == k or target[i] == k):
                for q in range(nbk):
                    opts[size] = 1 + i * nbk + q
                    size += 1
        choice = 0
        if size > 1:
            cs[:size, :size] = MIN_COALITION
            for w in range(n):  # Model::coalitions among the set's options, voters in order
                for a in range(1, size):
                    ua = u_opt[w, opts[a]]
                    for b in range(a):
                        v = vote(rule, c[w], ua - u_opt[w, opts[b]])
                        cs[a, b] += max(v, 0.0)
                        cs[b, a] += max(-v, 0.0)
            pce(cs, pvs, size, opts, model, vic, prob, row, tmp)
            choice = opts[np.argmax(prob[:size])]  # first maximum, as KTAB's ndxMaxAbs
        if choice == 0:
            new[k] = x[k]
        else:
            init, which = (choice - 1) // nbk, (choice - 1) % nbk
            new[k] = b_init[init, which] if init == k else b_rcvr[init, which]


@jit()
def _run(x0, s, c, codes, rounds, min_turns, stop_ratio, min_sig_delta, traj):  # pragma: no cover - compiled
    """Turns of one run until smpStopFn says stop (numpy.run_batch); states into ``traj``, returns the turns."""
    n, d = x0.shape
    traj[0] = x0
    if n < 2:
        return 0
    buf, den, ssum, ws, norm = np.empty(d), np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for a in range(n):
        for k in range(d):
            buf[k] = s[a, k] * s[a, k]
        den[a] = psum(buf, d)
        ssum[a] = psum(s[a], d)
        ws[a] = ssum[a] * c[a]
    x, new, u = x0.copy(), np.empty((n, d)), np.empty((n, n, n))
    first = 0.0
    t = 0
    while True:
        t += 1
        _turn(x, s, c, ws, ssum, den, codes, new, u)
        for a in range(n):  # Σ_i ‖x_i(t) − x_i(t−1)‖
            for k in range(d):
                buf[k] = (new[a, k] - x[a, k]) * (new[a, k] - x[a, k])
            norm[a] = math.sqrt(psum(buf, d))
        move = psum(norm, n)
        if t == 1:
            first = move + min_sig_delta
        traj[t] = new
        x, new = new, x
        if t >= rounds or (t >= min_turns and move / first < stop_ratio):
            return t


@jit(parallel=True)
def run_all(x0, s, c, codes, rounds, min_turns, stop_ratio, min_sig_delta, traj, steps):  # pragma: no cover
    """Every run of the batch, spread over numba's threads: states into ``traj`` (B, rounds + 1, n, d), turns
    into ``steps``."""
    for b in nb.prange(x0.shape[0]):
        steps[b] = _run(x0[b], s[b], c[b], codes, rounds, min_turns, stop_ratio, min_sig_delta, traj[b])


def option_codes(opt: SMPOptions) -> np.ndarray:
    """The options as the kernel's integer codes (index in the option tuples of smp/kernels.py)."""
    names = (VOTING_RULES, VICTORY_MODELS, PCE_MODELS, BIG_R_RANGES, BIG_R_ADJUSTS, THIRD_PARTY_COMMITS,
             INTERPOLATIONS, BARGAIN_MODELS)
    values = (opt.voting_rule, opt.victory_model, opt.pce_model, opt.big_r_range, opt.big_r_adjust,
              opt.third_party_commit, opt.interpolation, opt.bargain_model)
    return np.array([choices.index(v) for choices, v in zip(names, values, strict=True)], dtype=np.int64)


def _pad(traj: np.ndarray, length: int) -> np.ndarray:
    """``traj`` (B, T+1, …) to ``length`` states, its last state repeated (the caller gathers the rest)."""
    if traj.shape[1] == length:
        return traj
    return np.concatenate([traj, np.repeat(traj[:, -1:], length - traj.shape[1], axis=1)], axis=1)


def run_batch(x0: np.ndarray, s: np.ndarray, c: np.ndarray, opt: SMPOptions) -> tuple[np.ndarray, np.ndarray]:
    """Drop-in for :func:`stakes.models.smp.numpy.run_batch` (deterministic transitions): positions
    ``(B, T+1, n, d)`` (finished runs keep their last positions) and turns ``(B,)``."""
    if opt.state_transition != "deterministic":
        raise ValueError("the numba SMP engine runs deterministic transitions only")
    b_n, n, d = x0.shape
    codes = option_codes(opt)
    chunk = max(1, MEMORY_ELEMENTS // ((opt.rounds + 1) * n * d))
    parts = []
    for lo in range(0, b_n, chunk):
        hi = min(b_n, lo + chunk)
        traj = np.empty((hi - lo, opt.rounds + 1, n, d))
        steps = np.zeros(hi - lo, dtype=np.int64)
        args = [np.require(a[lo:hi], np.float64, ["C", "W"]) for a in (x0, s, c)]
        with _PARALLEL, nb.parallel_chunksize(1):  # runs differ in length: hand them out one at a time
            run_all(*args, codes, int(opt.rounds), int(opt.min_turns), float(opt.stop_ratio),
                    float(opt.min_sig_delta), traj, steps)
        parts.append((traj[:, :int(steps.max(initial=0)) + 1].copy(), steps))  # frees the unused turns
    steps = np.concatenate([st for _, st in parts])
    length = int(steps.max(initial=0)) + 1
    traj = np.concatenate([_pad(tr, length) for tr, _ in parts], axis=0)
    turns = np.minimum(np.arange(length)[None, :], steps[:, None])  # finished runs repeat their last state
    return traj[np.arange(b_n)[:, None], turns], steps
