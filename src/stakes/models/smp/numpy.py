"""KTAB's Spatial Model of Politics — one turn and the run loop, batched (formulas and sources: ``smp/__init__.py``).

Shapes: ``x`` positions ``(B, n, d)`` on [0, 1], ``s`` saliences ``(B, n, d)``, ``c`` capabilities ``(B, n)``.
Ideals track positions (KTAB's CSV runs use the identity accommodation matrix).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .kernels import (
    MIN_BARGAIN_WEIGHT,
    MIN_CHALLENGE_COALITION,
    MIN_SIG_EDU,
    SMPOptions,
    big_r,
    bs_util,
    coalition_matrix,
    est_risk,
    pce,
    round4,
    seq_sum,
    victory_matrix,
    vote,
    wdist,
)


def utilities(x: np.ndarray, s: np.ndarray, c: np.ndarray, opt: SMPOptions) -> tuple[np.ndarray, np.ndarray]:
    """SMPState::setAllAUtil: risk attitudes ``R`` ``(B, n)`` and ``A[b, h, i, j]``, h's estimate of i's utility
    for j's position (distances from ideals, risk from a risk-neutral PCE over the current positions)."""
    dist = wdist(x, x, s)  # (B, i, j)
    rn_util = 1.0 - dist
    coal = coalition_matrix(rn_util, c, opt.voting_rule)
    pv = victory_matrix(coal, opt.victory_model)
    valid = np.ones((x.shape[0], 1, x.shape[1]), dtype=bool)
    p = pce(pv, coal, valid, opt.pce_model)[:, 0, :]
    r = big_r(p, opt.big_r_range)
    r_hi = est_risk(r[:, :, None], r[:, None, :], opt.big_r_adjust)  # (B, h, i)
    return r, bs_util(dist[:, None, :, :], r_hi[:, :, :, None])


@lru_cache(maxsize=32)
def _third_mask(n: int) -> np.ndarray:
    """``(1, i, t, j)``: True where t is a third party to i's challenge of j."""
    i, t, j = np.ogrid[:n, :n, :n]
    return ((t != i) & (t != j))[None]


def challenge(u: np.ndarray, ws: np.ndarray, j_idx: np.ndarray | None, opt: SMPOptions
              ) -> tuple[np.ndarray, np.ndarray]:
    """SMPState::probEduChlg's victory probabilities of i over j and of j over i, for every initiator i.

    ``u`` ``(B, n, n, n)``: ``u[b, i]`` is the utility matrix of the perspective used for initiator i;
    ``ws`` ``(B, n)`` salience-sum × capability; ``j_idx`` ``(B, n, Q)`` targets (None: every actor, Q = n).
    Returns two ``(B, n, Q)`` arrays. Third parties vote in a three-actor "little contest"
    (Actor::vProbLittle, thirdPartyVoteSU); arrays are laid out ``(B, i, t, j)`` with t the third party.
    """
    b_n, n = u.shape[0], u.shape[1]
    rule = opt.voting_rule
    ar = np.arange(n)
    bt, at = np.arange(b_n)[:, None], ar[None, :]
    diag = u[:, :, ar, ar]  # diag[b, i, t] = u[b, i, t, t]
    row_i = u[bt, at, at, :]  # u[b, i, i, :]
    col_i = u[bt, at, :, at]  # u[b, i, :, i]
    uii = row_i[:, ar, ar][:, :, None]
    all_targets = j_idx is None
    if j_idx is None:
        j_idx = np.broadcast_to(ar[None, None, :], (b_n, n, n))
        uij, uji, ujj, u_tj = row_i, col_i, diag, u
    else:
        uij = np.take_along_axis(row_i, j_idx, axis=2)
        uji = np.take_along_axis(col_i, j_idx, axis=2)
        ujj = np.take_along_axis(diag, j_idx, axis=2)
        bi = np.arange(b_n)[:, None, None, None]
        u_tj = u[bi, ar[None, :, None, None], ar[None, None, :, None], j_idx[:, :, None, :]]  # (B, i, t, Q)
    ws_j = np.take_along_axis(np.broadcast_to(ws[:, None, :], (b_n, n, n)), j_idx, axis=2)
    con_i = vote(rule, ws[:, :, None], uii - uij)
    con_j = vote(rule, ws_j, uji - ujj)
    c_ij = MIN_CHALLENGE_COALITION + np.maximum(con_i, 0) + np.maximum(con_j, 0)
    c_ji = MIN_CHALLENGE_COALITION + np.maximum(-con_i, 0) + np.maximum(-con_j, 0)
    u_ti = col_i[..., None]  # u[b, i, t, i]
    u_tt = diag[..., None]
    wt = ws[:, None, :, None]
    # big (B, i, t, j) arrays are updated in place; every expression keeps KTAB's operands and order
    con_t = vote(rule, wt, u_ti - u_tj)  # Actor::vProbLittle
    cni = np.maximum(con_t, 0)
    cni += c_ij[:, :, None, :]
    cnj = np.negative(con_t, out=con_t)
    np.maximum(cnj, 0, out=cnj)
    cnj += c_ji[:, :, None, :]
    den = cni + cnj
    p_in = np.divide(cni, den, out=cni)
    p_jn = np.subtract(1.0, p_in, out=den)
    commit = opt.third_party_commit
    if commit == "full":  # Actor::thirdPartyVoteSU
        a, b_, c_, d_ = 3 * u_ti, 3 * u_tj, 3 * u_ti, 3 * u_tj
    elif commit == "semi":
        a, b_, c_, d_ = 2 * u_ti + u_tt, 3 * u_tj, 3 * u_ti, 2 * u_tj + u_tt
    else:
        a, b_, c_, d_ = 2 * u_ti + u_tt, 2 * u_tj + u_tt, 2 * u_ti + u_tt, 2 * u_tj + u_tt
    left = p_in * a
    b_ *= p_jn
    left += b_  # p_in·a + p_jn·b
    right = np.multiply(p_in, c_, out=p_in)
    d_ *= p_jn
    right += d_  # p_in·c + p_jn·d
    left -= right
    v_t = vote(rule, wt, left)
    if all_targets:  # third parties are neither i nor j: a mask the same for every run
        third = _third_mask(n)
    else:
        tt = ar[None, None, :, None]
        third = (tt != ar[None, :, None, None]) & (tt != j_idx[:, :, None, :])
    v_t = np.where(third, v_t, 0.0)
    pos = np.maximum(v_t, 0.0)
    c_ij = seq_sum(c_ij, pos, axis=2)
    c_ji = seq_sum(c_ji, np.subtract(pos, v_t, out=v_t), axis=2)  # max(−v, 0), exactly
    return c_ij / (c_ij + c_ji), c_ji / (c_ij + c_ji)


def interpolate(ti: np.ndarray, si: np.ndarray, pi: np.ndarray, tj: np.ndarray, sj: np.ndarray,
                pj: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """SMPActor::interpolateBrgn per dimension: the positions the bargain gives initiator and receiver."""
    if kind == "S2PMax":
        di, dj = np.maximum(pj - pi, 0.0), np.maximum(pi - pj, 0.0)
        si2, sj2 = si * si, sj * sj
        dik = di * sj2 / (di * sj2 + MIN_BARGAIN_WEIGHT + (1 - di) * si2)
        djk = dj * si2 / (dj * si2 + MIN_BARGAIN_WEIGHT + (1 - dj) * sj2)
        return ti + dik * (tj - ti), tj + djk * (ti - tj)
    n_pow = 1 if kind == "S1P1" else 2
    wi = si ** n_pow * pi ** n_pow
    wj = sj ** n_pow * pj ** n_pow
    den = wi + MIN_BARGAIN_WEIGHT + wj
    return (round4(((wi + MIN_BARGAIN_WEIGHT) * ti + wj * tj) / den),
            round4((wi * ti + (MIN_BARGAIN_WEIGHT + wj) * tj) / den))


def bargains(x: np.ndarray, s: np.ndarray, c: np.ndarray, u: np.ndarray, p_iij: np.ndarray, target: np.ndarray,
             opt: SMPOptions) -> tuple[np.ndarray, np.ndarray]:
    """The bargains each initiator proposes to its target: ``(B, n, nb, d)`` positions for initiator and
    receiver (nb = 2 for the InitRcvr model, else 1)."""
    xi, si = x, s
    xj = np.take_along_axis(x, target[:, :, None], axis=1)
    sj = np.take_along_axis(s, target[:, :, None], axis=1)
    pi = p_iij[:, :, None]
    bi_i, bi_j = interpolate(xi, si, pi, xj, sj, 1 - pi, opt.interpolation)
    if opt.bargain_model == "init-only":
        return bi_i[:, :, None], bi_j[:, :, None]
    # j's estimate that i defeats j: the same contest seen from j's perspective
    u_j = np.take_along_axis(u, target[:, :, None, None], axis=1)
    p_jij = challenge(u_j, (s.sum(-1) * c), target[:, :, None], opt)[0]
    pj = p_jij
    bj_i, bj_j = interpolate(xi, si, pj, xj, sj, 1 - pj, opt.interpolation)
    if opt.bargain_model == "init-rcvr":
        return np.stack([bi_i, bj_i], axis=2), np.stack([bi_j, bj_j], axis=2)
    # PWCompInterp; KTAB weighs both by the initiator's capability (brgnJIJ->actInit->sCap). An initiator with
    # no capability gets 0/0 = NaN bargains, as in KTAB (and the numba engine): no comparison with NaN holds,
    # so they are never chosen. Not worth a warning.
    wi = (c * s.sum(-1))[:, :, None]
    wj = (c[:, :, None] * sj.sum(-1, keepdims=True))
    with np.errstate(invalid="ignore"):
        return (((wi * bi_i + wj * bj_i) / (wi + wj))[:, :, None],
                ((wi * bi_j + wj * bj_j) / (wi + wj))[:, :, None])


def step(x: np.ndarray, s: np.ndarray, c: np.ndarray, opt: SMPOptions,
         rng: np.random.Generator | None = None) -> np.ndarray:
    """One turn (SMPState::doBCN): challenges, bargains, and each actor's choice among its bargains."""
    b_n, n, _ = x.shape
    r, u = utilities(x, s, c, opt)
    ws = s.sum(-1) * c
    # best challenge of each initiator i, from its own perspective
    p, q = challenge(u, ws, None, opt)
    ar = np.arange(n)
    own = u[:, ar, ar, :]  # own[b, i, j] = u[b, i, i, j]
    uii = own[:, ar, ar][:, :, None]
    sj = s.sum(-1)[:, None, :]
    gain = (1 - sj) * (uii + uii) + sj * (p * (uii + uii) + q * (own + own)) - (uii + own)
    gain = np.where(np.eye(n, dtype=bool)[None], -np.inf, gain)
    target = gain.argmax(-1)
    has = np.take_along_axis(gain, target[:, :, None], axis=-1)[..., 0] > MIN_SIG_EDU
    p_iij = np.take_along_axis(p, target[:, :, None], axis=-1)[..., 0]
    b_init, b_rcvr = bargains(x, s, c, u, p_iij, target, opt)
    nb = b_init.shape[2]
    # every actor's utility for the status quo and for each bargain (SMPState::updateBestBrgnPositions)
    flat_i = b_init.reshape(b_n, n * nb, -1)
    flat_r = b_rcvr.reshape(b_n, n * nb, -1)
    pu_i = bs_util(wdist(x, flat_i, s), r[:, :, None]).reshape(b_n, n, n, nb)
    pu_r = bs_util(wdist(x, flat_r, s), r[:, :, None]).reshape(b_n, n, n, nb)
    # sums in KTAB's order: the bargain's two positions, then everyone else's
    total = seq_sum(np.zeros((b_n, n)), own.swapaxes(1, 2), axis=1)
    others = (ar[None, :, None] != ar[None, None, :]) & (target[:, None, :] != ar[None, :, None])  # (B, t, i)
    rest = np.where(others[:, :, None, :, None], own.swapaxes(1, 2)[:, :, :, None, None], 0.0)  # (B, t, a, i, 1)
    u_barg = seq_sum(pu_i + pu_r, np.broadcast_to(rest, (b_n, n, *pu_i.shape[1:])), axis=1)
    u_opt = np.concatenate([(total / n)[:, :, None], (u_barg / n).reshape(b_n, n, n * nb)], axis=2)
    coal = coalition_matrix(u_opt, c, opt.voting_rule)
    pv = victory_matrix(coal, opt.victory_model)
    # option sets: actor k's status quo, plus the bargains it initiated or received
    involved = has[:, None, :] & ((ar[None, :, None] == ar[None, None, :]) | (target[:, None, :] == ar[None, :, None]))
    valid = np.concatenate([np.ones((b_n, n, 1), dtype=bool), np.repeat(involved, nb, axis=2)], axis=2)
    prob = pce(pv, coal, valid, opt.pce_model)
    if opt.state_transition == "stochastic":
        gen = rng if rng is not None else np.random.default_rng(opt.seed)
        cum = prob.cumsum(-1)
        draw = gen.random((b_n, n, 1)) * cum[..., -1:]
        choice = np.minimum((cum <= draw).sum(-1), prob.shape[-1] - 1)
    else:
        choice = prob.argmax(-1)  # first maximum, as KTAB's ndxMaxAbs
    init = (choice - 1) // nb
    which = (choice - 1) % nb
    bi = np.arange(b_n)[:, None]
    mine = np.where((init == ar[None, :])[..., None], b_init[bi, np.maximum(init, 0), which],
                    b_rcvr[bi, np.maximum(init, 0), which])
    return np.where((choice == 0)[..., None], x, mine)


def run_batch(x0: np.ndarray, s: np.ndarray, c: np.ndarray, opt: SMPOptions) -> tuple[np.ndarray, np.ndarray]:
    """Turns until KTAB's stopping rule holds for each run: positions ``(B, T+1, n, d)`` and steps ``(B,)``.

    Stop after turn t when t ≥ rounds, or t ≥ min_turns and the last step's total movement
    Σ_i ‖x_i(t) − x_i(t−1)‖ is below ``stop_ratio`` × (first step's + min_sig_delta) (smpStopFn).
    Finished runs keep their last positions; only active runs are computed.
    """
    b_n = x0.shape[0]
    rng = np.random.default_rng(opt.seed) if opt.state_transition == "stochastic" else None
    history = [x0]
    steps = np.zeros(b_n, dtype=int)
    active = np.ones(b_n, dtype=bool)
    first = np.zeros(b_n)
    x = x0
    t = 0
    while active.any() and x0.shape[1] >= 2:
        t += 1
        if active.all():
            new = step(x, s, c, opt, rng)
        else:
            idx = np.flatnonzero(active)
            new = x.copy()
            new[idx] = step(x[idx], s[idx], c[idx], opt, rng)
        move = np.linalg.norm(new - x, axis=-1).sum(-1)
        if t == 1:
            first = move + opt.min_sig_delta
        steps[active] = t
        stop = (t >= opt.rounds) | ((t >= opt.min_turns) & (move / first < opt.stop_ratio))
        active &= ~stop
        history.append(new)
        x = new
    return np.stack(history, axis=1), steps


POSITION_TOLERANCE = 1e-3
"""SMPModel::posTol: positions closer than this (Euclidean, on [0, 1]) count as one (0.1 on 0–100)."""


def win_probabilities(x: np.ndarray, s: np.ndarray, c: np.ndarray, opt: SMPOptions) -> np.ndarray:
    """KTAB's reported "winning probability" of each actor's position in a state (SMPState::pDist(-1) and
    State::posProb): a Condorcet PCE over the distinct positions (KBase::ueIndices: first occurrence within
    ``POSITION_TOLERANCE``), each actor voting with its own risk-aware utilities and its capability; an actor
    gets the probability of the last distinct position it is equivalent to. ``(B, n)``."""
    b_n, n, _ = x.shape
    ar = np.arange(n)
    close = np.linalg.norm(x[:, :, None, :] - x[:, None, :, :], axis=-1) < POSITION_TOLERANCE  # (B, i, k)
    unique = np.zeros((b_n, n), dtype=bool)
    for i in range(n):  # greedy first occurrence, vectorised over runs
        unique[:, i] = ~(close[:, i, :i] & unique[:, :i]).any(-1)
    _, u = utilities(x, s, c, opt)
    own = u[:, ar, ar, :]
    coal = coalition_matrix(own, c, opt.voting_rule)
    pv = victory_matrix(coal, opt.victory_model)
    p = pce(pv, coal, unique[:, None, :], opt.pce_model)[:, 0, :]
    last = np.where(close & unique[:, None, :], ar[None, None, :], -1).max(-1)
    return np.take_along_axis(p, last, axis=1)
