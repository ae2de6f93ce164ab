"""Batched engine of the exchange model: every candidate exchange of every batch element in numpy arrays.

One round runs as a loop over *executed exchanges* (inherently sequential); each step carries out the best
exchange of every batch element at once and recomputes, vectorised, every candidate it affects. State per
candidate (``(B, E)`` arrays) mirrors :mod:`stakes.models.exchange_reference`, which tests compare against.
Positions are on 0–100 here (the caller normalises each issue's scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .exchange_reference import CROSS_TOL, EPS, FIXED_WEIGHT, GAIN_QUANTUM, SALIENCE_WEIGHT

DEAD = -np.inf


@dataclass
class Cands:
    """Candidate exchanges of one round: columns are (p, q, first actor, second actor) quadruples."""

    p: np.ndarray  # (E,) issue that i demands and j supplies
    q: np.ndarray  # (E,) issue that i supplies and j demands
    ei: np.ndarray  # (B, E) actor i
    ej: np.ndarray  # (B, E) actor j
    rank: np.ndarray  # (B, E) Decide's creation order within the row
    alive: np.ndarray  # (B, E)
    xi: np.ndarray  # current supply positions
    xj: np.ndarray
    wi: np.ndarray  # own positions on the demand issue (fixed in a round)
    wj: np.ndarray
    mi: np.ndarray  # current moves
    mj: np.ndarray
    gain: np.ndarray
    hi: np.ndarray  # (B, E, 3): min, max, sum of earlier moves of i (Decide's move history)
    hj: np.ndarray
    upd: np.ndarray  # (B, E, 2, n): positions recorded for other actors on p (0) and q (1); NaN = none


def _pairs(n: int, d: int) -> tuple[np.ndarray, ...]:
    iss = np.array(list(combinations(range(d), 2)), dtype=np.intp).reshape(-1, 2)
    act = np.array(list(combinations(range(n), 2)), dtype=np.intp).reshape(-1, 2)
    k = np.repeat(np.arange(len(iss)), len(act))
    return iss[k, 0], iss[k, 1], np.tile(act[:, 0], len(iss)), np.tile(act[:, 1], len(iss)), k


class Round:
    def __init__(self, x: np.ndarray, s: np.ndarray, c: np.ndarray, mask: np.ndarray) -> None:
        self.x, self.s, self.c = x, s, c
        self.w = c * s * mask
        self.den = self.w.sum(1)
        self.num = (self.w * x).sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.nbs0 = np.where(self.den > 0, self.num / self.den, 0.0)
        self.usable = mask & (s > 0) & (c > 0)

    # -- candidates ----------------------------------------------------------------------------------
    def candidates(self) -> Cands:
        x, s = self.x, self.s
        B, n, d = x.shape
        p, q, a, b, k = _pairs(n, d)
        left = x <= self.nbs0[:, None, :]
        ga = left[:, a, p].astype(int) | 2 * left[:, a, q]
        gb = left[:, b, p].astype(int) | 2 * left[:, b, q]
        ok = self.usable[:, a, p] & self.usable[:, a, q] & self.usable[:, b, p] & self.usable[:, b, q]
        ok &= ga + gb == 3  # groups {A, D} = {0, 3} or {B, C} = {1, 2}
        keep = ok.any(0)
        p, q, a, b, k, ga, gb, ok = p[keep], q[keep], a[keep], b[keep], k[keep], ga[:, keep], gb[:, keep], ok[:, keep]
        first = np.where(ga < gb, a, b)  # the member of group A (resp. B) comes first in Decide's loops
        second = np.where(ga < gb, b, a)
        block = (np.minimum(ga, gb) == 1).astype(np.intp)
        key = ((k * 2 + block) * n + first) * n + second
        rank = np.argsort(np.argsort(key, axis=1, kind="stable"), axis=1)
        rows = np.arange(B)[:, None]
        swap = s[rows, first, p] / s[rows, first, q] < s[rows, second, p] / s[rows, second, q]
        ei, ej = np.where(swap, second, first), np.where(swap, first, second)
        E = len(p)
        hist = np.tile(np.array([np.inf, -np.inf, 0.0]), (B, E, 1))
        cd = Cands(p, q, ei, ej, rank, ok.copy(), x[rows, ei, q], x[rows, ej, p], x[rows, ei, p], x[rows, ej, q],
                   np.zeros((B, E)), np.zeros((B, E)), np.zeros((B, E)), hist, hist.copy(),
                   np.full((B, E, 2, n), np.nan))
        self.calculate(cd, *np.nonzero(cd.alive))
        return cd

    # -- one exchange's equal-gain moves -----------------------------------------------------------------
    def calculate(self, cd: Cands, r: np.ndarray, e: np.ndarray) -> None:
        if len(r) == 0:
            return
        s, c = self.s, self.c
        p, q, i, j = cd.p[e], cd.q[e], cd.ei[r, e], cd.ej[r, e]
        xi, xj, wi, wj = cd.xi[r, e], cd.xj[r, e], cd.wi[r, e], cd.wj[r, e]
        sip, siq, sjp, sjq = s[r, i, p], s[r, i, q], s[r, j, p], s[r, j, q]
        ciq, cjp = c[r, i, q], c[r, j, p]
        dpp, dqq = self.den[r, p], self.den[r, q]
        gap_p, gap_q = np.abs(wi - xj), np.abs(wj - xi)
        dp = gap_p * sjp * cjp / dpp
        dq = (sjp + sip) / (sjq + siq) * dp
        mi = dq * dqq / (ciq * siq)
        mj = gap_p
        over = np.abs(mi) > gap_q
        dq2 = gap_q * siq * ciq / dqq
        dp2 = (siq + sjq) / (sip + sjp) * dq2
        dq, dp = np.where(over, dq2, dq), np.where(over, dp2, dp)
        mi = np.where(over, gap_q, mi)
        mj = np.where(over, dp2 * dpp / (cjp * sjp), mj)
        mi = np.where(xi > wj, -mi, mi)
        mj = np.where(xj > wi, -mj, mj)
        gain = np.abs(dq * siq - dp * sip)
        valid = _valid(mi, xi, cd.hi[r, e]) & _valid(mj, xj, cd.hj[r, e]) & (gain >= EPS)
        # the outcome must not pass the partner's position: i's side first, then j's (Decide's order)
        for me_is_i in (True, False):
            mi, mj, gain = self._check(cd, r, e, valid, mi, mj, gain, me_is_i)
        valid &= _valid(mi, xi, cd.hi[r, e]) & _valid(mj, xj, cd.hj[r, e])
        cd.mi[r, e], cd.mj[r, e], cd.gain[r, e] = mi, mj, gain
        cd.alive[r, e] = valid

    def _check(self, cd: Cands, r, e, valid, mi, mj, gain, me_is_i: bool):
        s, c = self.s, self.c
        if me_is_i:
            me, other, k, ko, slot = cd.ei[r, e], cd.ej[r, e], cd.q[e], cd.p[e], 1
            x_me, x_o, want_me, want_o, m_me, m_o = cd.xi[r, e], cd.xj[r, e], cd.wi[r, e], cd.wj[r, e], mi, mj
        else:
            me, other, k, ko, slot = cd.ej[r, e], cd.ei[r, e], cd.p[e], cd.q[e], 0
            x_me, x_o, want_me, want_o, m_me, m_o = cd.xj[r, e], cd.xi[r, e], cd.wj[r, e], cd.wi[r, e], mj, mi
        w = self.w[r, :, k]  # (m, n)
        upd = cd.upd[r, e, slot]  # (m, n)
        has = ~np.isnan(upd)
        x0 = self.x[r, :, k]
        ud = np.where(has, w * (np.where(has, upd, 0.0) - x0), 0.0).sum(1)
        rows = np.arange(len(r))
        w_me, x_me0 = w[rows, me], x0[rows, me]
        own_upd = np.where(has[rows, me], w_me * (upd[rows, me] - x_me0), 0.0)
        den, base = self.den[r, k], self.num[r, k] + ud
        n0 = (base - own_upd + w_me * (x_me - x_me0)) / den
        n1 = (base - own_upd + w_me * (x_me + m_me - x_me0)) / den
        t = want_o
        d0, d1 = t - n0, t - n1
        d0, d1 = np.where(np.abs(d0) <= CROSS_TOL, 0.0, d0), np.where(np.abs(d1) <= CROSS_TOL, 0.0, d1)
        cross = valid & ~(((d0 >= 0) & (d1 >= 0)) | ((d0 <= 0) & (d1 <= 0)))
        if not cross.any():
            return mi, mj, gain
        cur = np.where(has[rows, me], base, base + w_me * (x_me - x_me0)) / den
        wsc = s[r, me, k] * c[r, me, k]
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = np.abs(den * (t - cur) / wsc)
            r_me = delta * wsc / den
            r_o = (s[r, me, k] + s[r, other, k]) / (s[r, me, ko] + s[r, other, ko]) * r_me
            m_o2 = np.abs(r_o * self.den[r, ko] / (c[r, other, ko] * s[r, other, ko]))
        m_o2 = np.where(x_o > want_me, -m_o2, m_o2)
        m_me2 = np.where(x_me > want_o, -delta, delta)
        g2 = np.abs(r_o * s[r, other, ko] - r_me * s[r, other, k])
        m_me, m_o = np.where(cross, m_me2, m_me), np.where(cross, m_o2, m_o)
        gain = np.where(cross, g2, gain)
        return (m_me, m_o, gain) if me_is_i else (m_o, m_me, gain)

    # -- after an exchange was carried out -------------------------------------------------------------
    def recalculate(self, cd: Cands, rows: np.ndarray, top: np.ndarray) -> None:
        """Update every live candidate of ``rows`` after each row's exchange ``top`` was carried out."""
        e_i, e_j = cd.ei[rows, top][:, None], cd.ej[rows, top][:, None]
        e_p, e_q = cd.p[top][:, None], cd.q[top][:, None]
        e_yi = (cd.xi[rows, top] + cd.mi[rows, top])[:, None]
        e_yj = (cd.xj[rows, top] + cd.mj[rows, top])[:, None]
        e_si = self.x[rows, cd.ei[rows, top], cd.q[top]][:, None]
        e_sj = self.x[rows, cd.ej[rows, top], cd.p[top]][:, None]
        alive = cd.alive[rows]
        s_i, s_j, s_p, s_q = cd.ei[rows], cd.ej[rows], cd.p[None], cd.q[None]
        again = np.zeros_like(alive)
        for sup, s_k, xs, ms, hist in ((s_i, s_q, cd.xi, cd.mi, cd.hi), (s_j, s_p, cd.xj, cd.mj, cd.hj)):
            m1 = alive & (sup == e_i) & (s_k == e_q)
            m2 = alive & (sup == e_j) & (s_k == e_p) & ~m1
            hit = m1 | m2
            if hit.any():
                rr, ee = np.nonzero(hit)
                rr0 = rows[rr]
                old = ms[rr0, ee]
                h = hist[rr0, ee]
                hist[rr0, ee] = np.stack([np.minimum(h[:, 0], old), np.maximum(h[:, 1], old), h[:, 2] + old], 1)
                xs[rr0, ee] = np.where(m1, e_yi, e_yj)[rr, ee]
                again |= hit
        for dem, d_k, partner, value, start in ((e_j, e_q, e_i, e_yi, e_si), (e_i, e_p, e_j, e_yj, e_sj)):
            hit = alive & (((dem == s_j) & (d_k == s_q)) | ((dem == s_i) & (d_k == s_p)))
            if not hit.any():
                continue
            rr, ee = np.nonzero(hit)
            rr0 = rows[rr]
            slot = np.where(np.broadcast_to(d_k, hit.shape)[rr, ee] == cd.p[ee], 0, 1)
            a = np.broadcast_to(partner, hit.shape)[rr, ee]
            y = np.broadcast_to(value, hit.shape)[rr, ee]
            st = np.broadcast_to(start, hit.shape)[rr, ee]
            old = cd.upd[rr0, ee, slot, a]
            new = np.where(np.isnan(old), y, np.where(st <= old, np.minimum(old, y), np.maximum(old, y)))
            cd.upd[rr0, ee, slot, a] = new
            again |= hit
        rr, ee = np.nonzero(again)
        self.calculate(cd, rows[rr], ee)


def _valid(m: np.ndarray, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    am = np.abs(m)
    y = x + m
    same = (np.minimum(h[:, 0], m) > 0) | (np.maximum(h[:, 1], m) < 0)
    return (am <= 100) & (am > EPS) & (y >= 0) & (y <= 100) & (h[:, 2] + m <= 100) & same


def run_rounds(x: np.ndarray, s: np.ndarray, c: np.ndarray, mask: np.ndarray, rounds: int,
               tie_break: str, log_row: int | None = 0, salience_weight: float = SALIENCE_WEIGHT,
               fixed_weight: float = FIXED_WEIGHT):
    """All rounds for a batch; ``x`` (B, n, d) on 0–100. Returns outcomes, voting, starts and row 0's log."""
    B = x.shape[0]
    x = np.where(mask, x, 0.0)
    w = c * s * mask
    den = w.sum(1)

    def outcome(pos: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, (w * pos).sum(1) / den, 0.0)

    outcomes, voting, starts, log = [outcome(x)], [x.copy()], [x.copy()], []
    steps = np.zeros((B,), dtype=int)
    for rnd_no in range(1, rounds + 1):
        rnd = Round(x, s, c, mask)
        cd = rnd.candidates()
        vote, new = x.copy(), x.copy()
        order = np.argsort(cd.rank, axis=1)  # Decide's list, in creation order
        while cd.gain.shape[1] > 0:
            g = np.where(cd.alive, cd.gain, DEAD)
            if tie_break == "decide":
                go = np.take_along_axis(g, order, 1)
                order = np.take_along_axis(order, np.argsort(-go, axis=1, kind="stable"), 1)
                live = int(np.take_along_axis(cd.alive, order, 1).sum(1).max())
                order = order[:, :max(live, 1)]
                top = order[:, 0]
            else:
                gq = np.where(cd.alive, np.round(cd.gain / GAIN_QUANTUM), DEAD)
                best = gq.max(1, keepdims=True)
                top = np.argmin(np.where(gq == best, cd.rank, np.iinfo(np.intp).max), axis=1)
            rows = np.nonzero(cd.alive[np.arange(B), top])[0]
            if len(rows) == 0:
                break
            top = top[rows]
            steps[rows] += 1
            cd.alive[rows, top] = False
            i, j, p, q = cd.ei[rows, top], cd.ej[rows, top], cd.p[top], cd.q[top]
            yi, yj = cd.xi[rows, top] + cd.mi[rows, top], cd.xj[rows, top] + cd.mj[rows, top]
            for a, k, y in ((i, q, yi), (j, p, yj)):
                vote[rows, a, k] = y
                beta = (1 - s[rows, a, k]) * salience_weight
                new[rows, a, k] = beta * y + fixed_weight * y + (1 - beta - fixed_weight) * x[rows, a, k]
            if log_row is not None and rows[0] == log_row:
                t = top[0]
                log.append({"round": rnd_no, "order": int(steps[log_row]),
                            "gain": float(cd.gain[log_row, t]),
                            "i_actor": int(i[0]), "i_supply": int(q[0]), "i_from": float(cd.xi[log_row, t]),
                            "i_move": float(cd.mi[log_row, t]), "i_y": float(yi[0]),
                            "j_actor": int(j[0]), "j_supply": int(p[0]), "j_from": float(cd.xj[log_row, t]),
                            "j_move": float(cd.mj[log_row, t]), "j_y": float(yj[0])})
            rnd.recalculate(cd, rows, top)
        steps[:] = 0
        outcomes.append(outcome(vote))
        voting.append(vote)
        starts.append(new)
        x = new
    return np.stack(outcomes, 1), np.stack(voting, 1), np.stack(starts, 1), log
