"""Compiled (numba) kernel of the exchange model's float engine: one run per call, ``prange`` over the batch.

Same procedure as :mod:`stakes.models.exchange.numpy` (Stokman & van Oosten 1994, ch. 6; Decide's equal-gain
model; every step in ``docs/decisions/exchange.md``), written as plain loops over one run's candidate exchanges.
Every float is computed with the same operations in the same order as the numpy engine (sums over actors in
actor order, no fast-math, no fused multiply-add), so both engines make the same exchanges bit for bit; the
tests compare them. Importing this module imports numba (the optional extra ``fast``); compilation happens on
the first call (cached on disk by numba), never at import. Positions are on 0–100 (the caller normalises).
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit, prange

from .constants import CROSS_TOL, EPS, FIXED_WEIGHT, GAIN_QUANTUM, SALIENCE_WEIGHT
from .numpy import run_rounds as run_engine

# float columns of a candidate (F): current supply positions, own positions on the demand issue, moves, gain,
# move histories (min, max, sum) of i and j, Σ w (upd − x) on p and q, then the round constants (engine's const)
XI, XJ, WI, WJ, MI, MJ, GAIN, HI0, HI1, HI2, HJ0, HJ1, HJ2, UD0, UD1 = range(15)
SIP, SIQ, SJP, SJQ, CIQ, CJP, DENP, DENQ, WIQ, WJP, XI0, XJ0, NUMP, NUMQ = range(15, 29)
NF = 29
# int columns (K): issues, actors, keys actor·d + issue (i's supply, j's supply, i's demand, j's demand),
# alive flag, rounded gain (-1 when dead)
P, Q, EI, EJ, KSI, KSJ, KDI, KDJ, ALIVE, SCORE = range(10)
NI = 10
_PARALLEL = threading.Lock()
"""One parallel launch at a time (threading layers differ in how they take concurrent launches from threads)."""
LOG_FIELDS = ("round", "order", "gain", "i_actor", "i_supply", "i_from", "i_move", "i_y",
              "j_actor", "j_supply", "j_from", "j_move", "j_y")


@njit(cache=True, error_model="numpy")
def _valid(m, x, hmin, hmax, hsum):
    am = abs(m)
    y = x + m
    same = min(hmin, m) > 0.0 or max(hmax, m) < 0.0
    return am <= 100.0 and am > EPS and y >= 0.0 and y <= 100.0 and hsum + m <= 100.0 and same


@njit(cache=True, error_model="numpy")
def _check(e, F, K, upd, me_is_i, mi, mj, gain):
    """The outcome must not pass the partner's position (the engine's ``Round._check``, one candidate)."""
    xi, xj, wi, wj = F[e, XI], F[e, XJ], F[e, WI], F[e, WJ]
    if me_is_i:
        me, slot, x_me, x_o, want_me, want_o, m_me = K[e, EI], 1, xi, xj, wi, wj, mi
        s_mk, c_mk, s_ok, s_mo, s_oo, c_oo = F[e, SIQ], F[e, CIQ], F[e, SJQ], F[e, SIP], F[e, SJP], F[e, CJP]
        den, den_o, w_me, x_me0, num = F[e, DENQ], F[e, DENP], F[e, WIQ], F[e, XI0], F[e, NUMQ]
        ud = F[e, UD1]
    else:
        me, slot, x_me, x_o, want_me, want_o, m_me = K[e, EJ], 0, xj, xi, wj, wi, mj
        s_mk, c_mk, s_ok, s_mo, s_oo, c_oo = F[e, SJP], F[e, CJP], F[e, SIP], F[e, SJQ], F[e, SIQ], F[e, CIQ]
        den, den_o, w_me, x_me0, num = F[e, DENP], F[e, DENQ], F[e, WJP], F[e, XJ0], F[e, NUMP]
        ud = F[e, UD0]
    upd_me = upd[e, slot, me]
    has_me = not np.isnan(upd_me)
    own_upd = w_me * (upd_me - x_me0) if has_me else 0.0
    base = num + ud
    n0 = (base - own_upd + w_me * (x_me - x_me0)) / den
    n1 = (base - own_upd + w_me * (x_me + m_me - x_me0)) / den
    d0, d1 = want_o - n0, want_o - n1
    if abs(d0) <= CROSS_TOL:
        d0 = 0.0
    if abs(d1) <= CROSS_TOL:
        d1 = 0.0
    if (d0 >= 0.0 and d1 >= 0.0) or (d0 <= 0.0 and d1 <= 0.0):
        return mi, mj, gain
    cur = (base if has_me else base + w_me * (x_me - x_me0)) / den
    wsc = s_mk * c_mk
    delta = abs(den * (want_o - cur) / wsc)
    r_me = delta * wsc / den
    r_o = (s_mk + s_ok) / (s_mo + s_oo) * r_me
    m_o2 = abs(r_o * den_o / (c_oo * s_oo))
    if x_o > want_me:
        m_o2 = -m_o2
    m_me2 = -delta if x_me > want_o else delta
    g2 = abs(r_o * s_oo - r_me * s_ok)
    if me_is_i:
        return m_me2, m_o2, g2
    return m_o2, m_me2, g2


@njit(cache=True, error_model="numpy")
def _calculate(e, F, K, upd):
    """Equal-gain moves, gain and validity of candidate ``e`` (the engine's ``Round.calculate``)."""
    xi, xj, wi, wj = F[e, XI], F[e, XJ], F[e, WI], F[e, WJ]
    sip, siq, sjp, sjq = F[e, SIP], F[e, SIQ], F[e, SJP], F[e, SJQ]
    ciq, cjp, dpp, dqq = F[e, CIQ], F[e, CJP], F[e, DENP], F[e, DENQ]
    gap_p, gap_q = abs(wi - xj), abs(wj - xi)
    dp = gap_p * sjp * cjp / dpp
    dq = (sjp + sip) / (sjq + siq) * dp
    mi = dq * dqq / (ciq * siq)
    mj = gap_p
    if abs(mi) > gap_q:  # i would overshoot: i moves fully, j part-way
        dq = gap_q * siq * ciq / dqq
        dp = (siq + sjq) / (sip + sjp) * dq
        mi = gap_q
        mj = dp * dpp / (cjp * sjp)
    if xi > wj:
        mi = -mi
    if xj > wi:
        mj = -mj
    gain = abs(dq * siq - dp * sip)
    hi0, hi1, hi2, hj0, hj1, hj2 = F[e, HI0], F[e, HI1], F[e, HI2], F[e, HJ0], F[e, HJ1], F[e, HJ2]
    valid = _valid(mi, xi, hi0, hi1, hi2) and _valid(mj, xj, hj0, hj1, hj2) and gain >= EPS
    if valid:  # i's side first, then j's (Decide's order)
        mi, mj, gain = _check(e, F, K, upd, True, mi, mj, gain)
        mi, mj, gain = _check(e, F, K, upd, False, mi, mj, gain)
        valid = _valid(mi, xi, hi0, hi1, hi2) and _valid(mj, xj, hj0, hj1, hj2)
    F[e, MI], F[e, MJ], F[e, GAIN] = mi, mj, gain
    K[e, ALIVE] = 1 if valid else 0
    K[e, SCORE] = np.int64(np.rint(gain / GAIN_QUANTUM)) if valid else -1


@njit(cache=True, error_model="numpy")
def _enumerate(x, s, c, w, den, num, usable, group, F, K, fill):
    """Count (``fill`` False) or fill the candidates in Decide's creation order: issue pair, A×D before B×C,
    then actor order. Returns their number."""
    n, d = x.shape
    e = 0
    for p in range(d):
        for q in range(p + 1, d):
            for g1 in range(2):  # groups A×D = (0, 3), then B×C = (1, 2)
                g2 = 3 - g1
                for a in range(n):
                    if not (usable[a, p] and usable[a, q]) or group[a, p] + 2 * group[a, q] != g1:
                        continue
                    for b in range(n):
                        if not (usable[b, p] and usable[b, q]) or group[b, p] + 2 * group[b, q] != g2:
                            continue
                        if fill:
                            i, j = a, b
                            if s[a, p] / s[a, q] < s[b, p] / s[b, q]:
                                i, j = b, a
                            K[e, P], K[e, Q], K[e, EI], K[e, EJ] = p, q, i, j
                            K[e, KSI], K[e, KSJ], K[e, KDI], K[e, KDJ] = i * d + q, j * d + p, i * d + p, j * d + q
                            K[e, ALIVE], K[e, SCORE] = 1, -1
                            F[e, XI], F[e, XJ], F[e, WI], F[e, WJ] = x[i, q], x[j, p], x[i, p], x[j, q]
                            F[e, HI0], F[e, HI1], F[e, HJ0], F[e, HJ1] = np.inf, -np.inf, np.inf, -np.inf
                            F[e, SIP], F[e, SIQ], F[e, SJP], F[e, SJQ] = s[i, p], s[i, q], s[j, p], s[j, q]
                            F[e, CIQ], F[e, CJP], F[e, DENP], F[e, DENQ] = c[i, q], c[j, p], den[p], den[q]
                            F[e, WIQ], F[e, WJP], F[e, XI0], F[e, XJ0] = w[i, q], w[j, p], x[i, q], x[j, p]
                            F[e, NUMP], F[e, NUMQ] = num[p], num[q]
                        e += 1
    return e


@njit(cache=True, error_model="numpy")
def _candidates(x, s, c, w, den, usable):
    """The round's candidates, each already calculated: float state F, int state K, recorded updates."""
    n, d = x.shape
    num = np.zeros(d)
    for a in range(n):
        for k in range(d):
            num[k] += w[a, k] * x[a, k]
    group = np.zeros((n, d), dtype=np.int64)  # 1 = left of (or at) the outcome
    for k in range(d):
        nbs0 = num[k] / den[k] if den[k] > 0 else 0.0
        for a in range(n):
            group[a, k] = 1 if x[a, k] <= nbs0 else 0
    F = np.zeros((0, NF))
    K = np.zeros((0, NI), dtype=np.int64)
    total = _enumerate(x, s, c, w, den, num, usable, group, F, K, False)
    F = np.zeros((total, NF))
    K = np.zeros((total, NI), dtype=np.int64)
    upd = np.full((total, 2, n), np.nan)
    _enumerate(x, s, c, w, den, num, usable, group, F, K, True)
    for e in range(total):
        _calculate(e, F, K, upd)
    return F, K, upd


@njit(cache=True, error_model="numpy")
def _record(e, F, upd, x, w, slot, a, y, st, issue):
    old = upd[e, slot, a]
    if np.isnan(old):
        new, prev = y, x[a, issue]
    else:
        new, prev = (min(old, y) if st <= old else max(old, y)), old
    upd[e, slot, a] = new
    F[e, UD0 + slot] += w[a, issue] * (new - prev)


@njit(cache=True, error_model="numpy")
def _recalculate(F, K, upd, x, w, top, order, nord):
    """Update every live candidate after ``top`` was carried out (the engine's ``Round.recalculate``)."""
    d = x.shape[1]
    i, j, p, q = K[top, EI], K[top, EJ], K[top, P], K[top, Q]
    yi, yj = F[top, XI] + F[top, MI], F[top, XJ] + F[top, MJ]
    sup_i, sup_j, dem_j, dem_i = i * d + q, j * d + p, j * d + q, i * d + p
    for t in range(nord):
        e = order[t]
        if K[e, ALIVE] == 0:
            continue
        ksi, ksj, kdi, kdj = K[e, KSI], K[e, KSJ], K[e, KDI], K[e, KDJ]
        if not (ksi in (sup_i, sup_j) or ksj in (sup_i, sup_j) or kdi in (dem_j, dem_i) or kdj in (dem_j, dem_i)):
            continue
        if ksi in (sup_i, sup_j):
            old = F[e, MI]
            F[e, HI0], F[e, HI1], F[e, HI2] = min(F[e, HI0], old), max(F[e, HI1], old), F[e, HI2] + old
            F[e, XI] = yi if ksi == sup_i else yj
        if ksj in (sup_i, sup_j):
            old = F[e, MJ]
            F[e, HJ0], F[e, HJ1], F[e, HJ2] = min(F[e, HJ0], old), max(F[e, HJ1], old), F[e, HJ2] + old
            F[e, XJ] = yi if ksj == sup_i else yj
        if dem_j in (kdi, kdj):  # j demands q: i's new position on q is recorded
            _record(e, F, upd, x, w, 0 if q == K[e, P] else 1, i, yi, x[i, q], q)
        if dem_i in (kdi, kdj):
            _record(e, F, upd, x, w, 0 if p == K[e, P] else 1, j, yj, x[j, p], p)
        _calculate(e, F, K, upd)


@njit(cache=True, error_model="numpy")
def _outcome(w, den, pos, out):
    n, d = pos.shape
    tot = np.zeros(d)
    for a in range(n):
        for k in range(d):
            tot[k] += w[a, k] * pos[a, k]
    for k in range(d):
        out[k] = tot[k] / den[k] if den[k] > 0 else 0.0


@njit(cache=True, error_model="numpy")
def _pick(F, K, order, nord, decide):
    """Index of the exchange to carry out next (-1: none left) and the new length of the live list ``order``.

    ``order`` holds the live candidates: in creation order for "first", in Decide's list order for "decide"."""
    m = 0
    for t in range(nord):  # drop the dead (the others keep their order)
        if K[order[t], ALIVE] == 1:
            order[m] = order[t]
            m += 1
    if m == 0:
        return -1, 0
    if decide:  # stable sort by gain, descending (Decide's list.sort with ALLOW_RANDOM = False)
        for t in range(1, m):
            v, g, u = order[t], F[order[t], GAIN], t - 1
            while u >= 0 and F[order[u], GAIN] < g:
                order[u + 1] = order[u]
                u -= 1
            order[u + 1] = v
        return order[0], m
    top, best = -1, np.int64(-1)
    for t in range(m):  # highest rounded gain, the earliest candidate on a tie
        e = order[t]
        if K[e, SCORE] > best:
            top, best = e, K[e, SCORE]
    return top, m


@njit(cache=True, error_model="numpy")
def _move(vote, new, x, s, sw, fw, a, k, y):
    """Actor ``a`` votes ``y`` on ``k``; its next round starts from Decide's weighted mix."""
    vote[a, k] = y
    beta = (1 - s[a, k]) * sw
    new[a, k] = beta * y + fw * y + (1 - beta - fw) * x[a, k]


@njit(cache=True, nogil=True, error_model="numpy")
def run_one(x, s, c, mask, w, den, rounds, decide, sw, fw, outcomes, voting, starts, logging):
    """One run, all rounds; fills ``outcomes`` (T+1, d), ``voting`` and ``starts`` (T+1, n, d); returns the log."""
    n, d = x.shape
    log = np.empty((64 if logging else 0, len(LOG_FIELDS)))
    nlog = 0
    usable = np.zeros((n, d), dtype=np.bool_)
    for a in range(n):
        for k in range(d):
            usable[a, k] = mask[a, k] and s[a, k] > 0 and c[a, k] > 0
    x = x.copy()
    _outcome(w, den, x, outcomes[0])
    voting[0, :, :] = x
    starts[0, :, :] = x
    for rnd in range(1, rounds + 1):
        F, K, upd = _candidates(x, s, c, w, den, usable)
        vote, new = x.copy(), x.copy()
        order = np.arange(F.shape[0])
        if decide:  # Decide's first sort at once (stable, like the insertion sort in _pick that follows it)
            order = np.argsort(-F[:, GAIN], kind="mergesort")
        nord, steps = F.shape[0], 0
        while True:
            top, nord = _pick(F, K, order, nord, decide)
            if top < 0:
                break
            steps += 1
            K[top, ALIVE], K[top, SCORE] = 0, -1
            i, j, p, q = K[top, EI], K[top, EJ], K[top, P], K[top, Q]
            yi, yj = F[top, XI] + F[top, MI], F[top, XJ] + F[top, MJ]
            _move(vote, new, x, s, sw, fw, i, q, yi)
            _move(vote, new, x, s, sw, fw, j, p, yj)
            if logging:
                if nlog == log.shape[0]:
                    bigger = np.empty((2 * nlog, log.shape[1]))
                    bigger[:nlog] = log
                    log = bigger
                r = log[nlog]
                r[0], r[1], r[2], r[3], r[4], r[5], r[6] = rnd, steps, F[top, GAIN], i, q, F[top, XI], F[top, MI]
                r[7], r[8], r[9], r[10], r[11], r[12] = yi, j, p, F[top, XJ], F[top, MJ], yj
                nlog += 1
            _recalculate(F, K, upd, x, w, top, order, nord)
        _outcome(w, den, vote, outcomes[rnd])
        voting[rnd, :, :] = vote
        starts[rnd, :, :] = new
        x = new
    return log[:nlog]


@njit(parallel=True, cache=True, error_model="numpy")
def run_batch(x, s, c, mask, w, den, rounds, decide, sw, fw, outcomes, voting, starts):
    for b in prange(x.shape[0]):
        run_one(x[b], s[b], c[b], mask, w[b], den[b], rounds, decide, sw, fw, outcomes[b], voting[b], starts[b],
                False)


def run_rounds(x: np.ndarray, s: np.ndarray, c: np.ndarray, mask: np.ndarray, rounds: int, tie_break: str,
               log_row: int | None = 0, salience_weight: float = SALIENCE_WEIGHT,
               fixed_weight: float = FIXED_WEIGHT):
    """Drop-in for :func:`stakes.models.exchange.numpy.run_rounds` (same arguments, same results).

    With a single issue no exchange is possible; the numpy engine then runs it, because numpy sums a lone
    column over actors pairwise, and only that keeps the outcomes' last bits identical."""
    if x.shape[-1] < 2:
        return run_engine(x, s, c, mask, rounds, tie_break, log_row, salience_weight, fixed_weight)
    f8 = np.float64
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    s, c = np.ascontiguousarray(s, dtype=f8), np.ascontiguousarray(c, dtype=f8)
    x = np.ascontiguousarray(np.where(mask, x, 0.0), dtype=f8)
    w = np.ascontiguousarray(c * s * mask, dtype=f8)  # the engine's expressions, so the same bits
    den = np.ascontiguousarray(w.sum(1))
    B, n, d = x.shape
    outcomes, voting = np.empty((B, rounds + 1, d)), np.empty((B, rounds + 1, n, d))
    starts = np.empty_like(voting)
    args = (int(rounds), tie_break == "decide", float(salience_weight), float(fixed_weight))
    first = 0 if log_row is None else log_row
    log = run_one(x[first], s[first], c[first], mask, w[first], den[first], *args, outcomes[first], voting[first],
                  starts[first], log_row is not None)
    rest = slice(1, None) if first == 0 else np.array([b for b in range(B) if b != first], dtype=np.intp)
    if B > 1:
        sub = [np.ascontiguousarray(a[rest]) for a in (x, s, c)]
        o, v, st = outcomes[rest], voting[rest], starts[rest]
        with _PARALLEL:
            run_batch(sub[0], sub[1], sub[2], mask, np.ascontiguousarray(w[rest]),
                      np.ascontiguousarray(den[rest]), *args, o, v, st)
        outcomes[rest], voting[rest], starts[rest] = o, v, st
    entries = [{"round": int(r), "order": int(o), "gain": g, "i_actor": int(ia), "i_supply": int(iq), "i_from": ix,
                "i_move": im, "i_y": iy, "j_actor": int(ja), "j_supply": int(jp), "j_from": jx, "j_move": jm, "j_y": jy}
               for r, o, g, ia, iq, ix, im, iy, ja, jp, jx, jm, jy in log.tolist()]
    return outcomes, voting, starts, entries
