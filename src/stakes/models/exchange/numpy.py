"""Batched engine of the exchange model: every candidate exchange of every batch element in numpy arrays.

One round runs as a loop over *executed exchanges* (inherently sequential); each step carries out the best
exchange of every batch element at once and recomputes, vectorised, every candidate it affects. State per
candidate (``(B, E)`` arrays) mirrors :mod:`stakes.models.exchange.reference`, which tests compare against.
Positions are on 0–100 here (the caller normalises each issue's scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .constants import CROSS_TOL, EPS, FIXED_WEIGHT, GAIN_QUANTUM, SALIENCE_WEIGHT

DEAD = -np.inf


_FIELDS = ("p", "q", "ei", "ej", "ksi", "ksj", "kdi", "kdj", "alive", "xi", "xj", "wi", "wj", "mi", "mj", "gain",
           "score", "hi", "hj", "upd", "ud", "const")
# columns of Cands.const, fixed for a round: saliences, capabilities, Σ c·s and Σ c·s·x of both issues, ...
SIP, SIQ, SJP, SJQ, CIQ, CJP, DENP, DENQ, WIQ, WJP, XI0, XJ0, NUMP, NUMQ = range(14)


@dataclass
class Cands:
    """Candidate exchanges of one round, ``(B, E)``: column e of row b is row b's e-th candidate in Decide's
    creation order (issue pair, then A×D before B×C, then actor order); unused columns are dead."""

    p: np.ndarray  # issue that i demands and j supplies
    q: np.ndarray  # issue that i supplies and j demands
    ei: np.ndarray  # actor i
    ej: np.ndarray  # actor j
    ksi: np.ndarray  # keys actor·d + issue: i's supply, j's supply, i's demand, j's demand
    ksj: np.ndarray
    kdi: np.ndarray
    kdj: np.ndarray
    alive: np.ndarray
    xi: np.ndarray  # current supply positions
    xj: np.ndarray
    wi: np.ndarray  # own positions on the demand issue (fixed in a round)
    wj: np.ndarray
    mi: np.ndarray  # current moves
    mj: np.ndarray
    gain: np.ndarray
    score: np.ndarray  # gain rounded to GAIN_QUANTUM (int64), -1 when dead
    hi: np.ndarray  # (B, E, 3): min, max, sum of earlier moves of i (Decide's move history)
    hj: np.ndarray
    upd: np.ndarray  # (B, E, 2, n): positions recorded for other actors on p (0) and q (1); NaN = none
    ud: np.ndarray  # (B, E, 2): Σ_a w_a (upd_a − x_a) over the recorded actors (the outcome's shift × Σ w)
    const: np.ndarray  # (B, E, 14): see SIP … NUMQ

    def compact(self) -> Cands:
        """Drop dead columns (live ones keep their order in each row)."""
        order = np.argsort(~self.alive, axis=1, kind="stable")
        width = max(int(self.alive.sum(1).max()), 1)
        order = order[:, :width]
        out = {}
        for name in _FIELDS:
            a = getattr(self, name)
            idx = order.reshape(order.shape + (1,) * (a.ndim - 2))
            out[name] = np.take_along_axis(a, idx, 1)
        return Cands(**out)


def _pairs(n: int, d: int) -> tuple[np.ndarray, ...]:
    iss = np.array(list(combinations(range(d), 2)), dtype=np.intp).reshape(-1, 2)
    act = np.array(list(combinations(range(n), 2)), dtype=np.intp).reshape(-1, 2)
    k = np.repeat(np.arange(len(iss)), len(act))
    return iss[k, 0], iss[k, 1], np.tile(act[:, 0], len(iss)), np.tile(act[:, 1], len(iss)), k


class Round:
    """One round: the positions, saliences and capabilities it starts from, and its steps on the candidates —
    :meth:`candidates` (eligible pairs in Decide's order, then each one's moves), :meth:`calculate` (equal-gain
    moves, then the crossing checks) and :meth:`recalculate` (after exchanges were carried out)."""

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
        """Every eligible exchange of every row, its moves and gain computed."""
        p, q, first, second, ok = self._eligible()
        cd = self._new_cands(p, q, first, second, ok)
        self.calculate(cd, *np.nonzero(cd.alive))
        return cd

    def _eligible(self) -> tuple[np.ndarray, ...]:
        """Actor pair × issue pair on opposite sides of the outcome (groups A–D or B–C), per row ``(B, E)`` in
        Decide's creation order: issue p and q, the actor Decide's loops take first and second, and ``ok``."""
        x = self.x
        n, d = x.shape[1:]
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
        key = np.where(ok, ((k * 2 + block) * n + first) * n + second, np.iinfo(np.intp).max)
        order = np.argsort(key, axis=1, kind="stable")[:, :max(int(ok.sum(1).max()), 1)]
        ok = np.take_along_axis(ok, order, 1)
        p, q = p[order], q[order]
        first, second = np.take_along_axis(first, order, 1), np.take_along_axis(second, order, 1)
        return p, q, first, second, ok

    def _new_cands(self, p: np.ndarray, q: np.ndarray, first: np.ndarray, second: np.ndarray,
                   ok: np.ndarray) -> Cands:
        """The candidates' state before any move: i is the actor with the lower salience ratio s_p / s_q."""
        x, s = self.x, self.s
        B, n, d = x.shape
        rows = np.arange(B)[:, None]
        swap = s[rows, first, p] / s[rows, first, q] < s[rows, second, p] / s[rows, second, q]
        ei, ej = np.where(swap, second, first), np.where(swap, first, second)
        E = p.shape[1]
        hist = np.tile(np.array([np.inf, -np.inf, 0.0]), (B, E, 1))
        zeros = np.zeros((B, E))
        cd = Cands(p, q, ei, ej, ei * d + q, ej * d + p, ei * d + p, ej * d + q, ok.copy(),
                   x[rows, ei, q], x[rows, ej, p], x[rows, ei, p], x[rows, ej, q], zeros, zeros.copy(),
                   zeros.copy(), np.full((B, E), -1, dtype=np.int64), hist, hist.copy(),
                   np.full((B, E, 2, n), np.nan), np.zeros((B, E, 2)),
                   np.stack([s[rows, ei, p], s[rows, ei, q], s[rows, ej, p], s[rows, ej, q], self.c[rows, ei, q],
                             self.c[rows, ej, p], self.den[rows, p], self.den[rows, q], self.w[rows, ei, q],
                             self.w[rows, ej, p], x[rows, ei, q], x[rows, ej, p], self.num[rows, p],
                             self.num[rows, q]], axis=2))
        return cd

    # -- one exchange's equal-gain moves -----------------------------------------------------------------
    def calculate(self, cd: Cands, r: np.ndarray, e: np.ndarray) -> None:
        if len(r) == 0:
            return
        xi, xj, wi, wj = cd.xi[r, e], cd.xj[r, e], cd.wi[r, e], cd.wj[r, e]
        k = cd.const[r, e].T
        mi, mj, gain = _equal_gain_moves(k, xi, xj, wi, wj)
        hi, hj = cd.hi[r, e], cd.hj[r, e]
        valid = _valid(mi, xi, hi) & _valid(mj, xj, hj) & (gain >= EPS)
        if valid.any():
            # the outcome must not pass the partner's position: i's side first, then j's (Decide's order)
            args = (k, cd.ei[r, e], cd.ej[r, e], xi, xj, wi, wj)
            mi, mj, gain = self._check(cd, r, e, valid, mi, mj, gain, True, args)
            mi, mj, gain = self._check(cd, r, e, valid, mi, mj, gain, False, args)
            valid &= _valid(mi, xi, hi) & _valid(mj, xj, hj)
        cd.mi[r, e], cd.mj[r, e], cd.gain[r, e] = mi, mj, gain
        cd.alive[r, e] = valid
        cd.score[r, e] = np.where(valid, np.round(gain / GAIN_QUANTUM), -1).astype(np.int64)

    def _check(self, cd: Cands, r, e, valid, mi, mj, gain, me_is_i: bool, args):
        """Re-size the moves of the exchanges whose supplier's move would carry the outcome past the partner's
        position (``me_is_i``: i's supply issue q, else j's supply issue p)."""
        (me, slot, x_me, x_o, want_me, want_o, m_me), saliences, weights = _side(args, mi, mj, me_is_i)
        s_mk, c_mk, s_ok, s_mo, s_oo, c_oo = saliences
        den, den_o, w_me, x_me0, num = weights
        upd_me = cd.upd[r, e, slot, me]
        has_me = ~np.isnan(upd_me)
        ud = cd.ud[r, e, slot]
        own_upd = np.where(has_me, w_me * (upd_me - x_me0), 0.0)
        base = num + ud
        n0 = (base - own_upd + w_me * (x_me - x_me0)) / den
        n1 = (base - own_upd + w_me * (x_me + m_me - x_me0)) / den
        d0, d1 = want_o - n0, want_o - n1
        d0, d1 = np.where(np.abs(d0) <= CROSS_TOL, 0.0, d0), np.where(np.abs(d1) <= CROSS_TOL, 0.0, d1)
        cross = valid & ~(((d0 >= 0) & (d1 >= 0)) | ((d0 <= 0) & (d1 <= 0)))
        if not cross.any():
            return mi, mj, gain
        cur = np.where(has_me, base, base + w_me * (x_me - x_me0)) / den
        wsc = s_mk * c_mk
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = np.abs(den * (want_o - cur) / wsc)
            r_me = delta * wsc / den
            r_o = (s_mk + s_ok) / (s_mo + s_oo) * r_me
            m_o2 = np.abs(r_o * den_o / (c_oo * s_oo))
        m_o2 = np.where(x_o > want_me, -m_o2, m_o2)
        m_me2 = np.where(x_me > want_o, -delta, delta)
        g2 = np.abs(r_o * s_oo - r_me * s_ok)
        gain = np.where(cross, g2, gain)
        if me_is_i:
            return np.where(cross, m_me2, mi), np.where(cross, m_o2, mj), gain
        return np.where(cross, m_o2, mi), np.where(cross, m_me2, mj), gain

    # -- after an exchange was carried out -------------------------------------------------------------
    def recalculate(self, cd: Cands, rows: np.ndarray, top: np.ndarray) -> None:
        """Update every live candidate of ``rows`` after each row's exchange ``top`` was carried out: the ones
        sharing a supply side take the new supply position, the ones sharing a demand side record the partner's
        move on the outcome; then all of them are sized again."""
        d = self.x.shape[2]
        e_i, e_j, e_p, e_q = cd.ei[rows, top], cd.ej[rows, top], cd.p[rows, top], cd.q[rows, top]
        e_yi = cd.xi[rows, top] + cd.mi[rows, top]
        e_yj = cd.xj[rows, top] + cd.mj[rows, top]
        e_si, e_sj = self.x[rows, e_i, e_q], self.x[rows, e_j, e_p]
        sup_i, sup_j = (e_i * d + e_q)[:, None], (e_j * d + e_p)[:, None]  # executed sides' (actor, supply)
        ksi, ksj, kdi, kdj = cd.ksi[rows], cd.ksj[rows], cd.kdi[rows], cd.kdj[rows]
        # E.j demands E.q = E.i's supply issue (key sup_j's actor with issue e_q), E.i demands E.p
        dem_j, dem_i = (e_j * d + e_q)[:, None], (e_i * d + e_p)[:, None]
        hit = (ksi == sup_i) | (ksi == sup_j) | (ksj == sup_i) | (ksj == sup_j)
        hit |= (kdi == dem_j) | (kdj == dem_j) | (kdi == dem_i) | (kdj == dem_i)
        hit &= cd.alive[rows]
        rr, ee = np.nonzero(hit)
        if len(rr) == 0:
            return
        r0 = rows[rr]
        _move_supplies(cd, r0, rr, ee, ksi[rr, ee], ksj[rr, ee], sup_i, sup_j, e_yi, e_yj)
        kdi_h, kdj_h = kdi[rr, ee], kdj[rr, ee]
        for dem, partner, value, start, issue in ((dem_j, e_i, e_yi, e_si, e_q), (dem_i, e_j, e_yj, e_sj, e_p)):
            dk = dem[rr, 0]
            sel = np.nonzero((kdi_h == dk) | (kdj_h == dk))[0]
            if len(sel):
                self._record_partner_move(cd, r0[sel], ee[sel], rr[sel], partner, value, start, issue)
        self.calculate(cd, r0, ee)

    def _record_partner_move(self, cd: Cands, rs: np.ndarray, es: np.ndarray, src: np.ndarray, partner: np.ndarray,
                             value: np.ndarray, start: np.ndarray, issue: np.ndarray) -> None:
        """Candidates ``(rs, es)`` demand the issue an executed exchange moved ``partner`` on (to ``value`` from
        ``start``): record the partner's farthest position and the outcome's shift (``upd``, ``ud``)."""
        slot = np.where(issue[src] == cd.p[rs, es], 0, 1)
        a, y, st = partner[src], value[src], start[src]
        old = cd.upd[rs, es, slot, a]
        fresh = np.isnan(old)
        new = np.where(fresh, y, np.where(st <= old, np.minimum(old, y), np.maximum(old, y)))
        cd.upd[rs, es, slot, a] = new
        cd.ud[rs, es, slot] += self.w[rs, a, issue[src]] * (new - np.where(fresh, self.x[rs, a, issue[src]], old))


def _equal_gain_moves(k: np.ndarray, xi: np.ndarray, xj: np.ndarray, wi: np.ndarray,
                      wj: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moves of i (on q) and j (on p) with equal gains for both, the one that would overshoot capped; the gain."""
    sip, siq, sjp, sjq, ciq, cjp, dpp, dqq = k[SIP], k[SIQ], k[SJP], k[SJQ], k[CIQ], k[CJP], k[DENP], k[DENQ]
    gap_p, gap_q = np.abs(wi - xj), np.abs(wj - xi)
    dp = gap_p * sjp * cjp / dpp
    dq = (sjp + sip) / (sjq + siq) * dp
    mi = dq * dqq / (ciq * siq)
    mj = gap_p
    over = np.abs(mi) > gap_q  # i would overshoot: i moves fully, j part-way
    dq2 = gap_q * siq * ciq / dqq
    dp2 = (siq + sjq) / (sip + sjp) * dq2
    dq, dp = np.where(over, dq2, dq), np.where(over, dp2, dp)
    mi = np.where(over, gap_q, mi)
    mj = np.where(over, dp2 * dpp / (cjp * sjp), mj)
    mi = np.where(xi > wj, -mi, mi)
    mj = np.where(xj > wi, -mj, mj)
    return mi, mj, np.abs(dq * siq - dp * sip)


def _side(args: tuple, mi: np.ndarray, mj: np.ndarray, me_is_i: bool) -> tuple:
    """The supplier's view of a candidate for the crossing check, i supplying q (slot 1) or j supplying p (0):
    (actor, slot, own and partner's supply position, own and partner's demand position, own move), the
    saliences and capabilities (s_mk, c_mk, s_ok, s_mo, s_oo, c_oo), the weights (den, den_o, w_me, x_me0, num)."""
    k, i, j, xi, xj, wi, wj = args
    if me_is_i:
        return ((i, 1, xi, xj, wi, wj, mi), (k[SIQ], k[CIQ], k[SJQ], k[SIP], k[SJP], k[CJP]),
                (k[DENQ], k[DENP], k[WIQ], k[XI0], k[NUMQ]))
    return ((j, 0, xj, xi, wj, wi, mj), (k[SJP], k[CJP], k[SIP], k[SJQ], k[SIQ], k[CIQ]),
            (k[DENP], k[DENQ], k[WJP], k[XJ0], k[NUMP]))


def _move_supplies(cd: Cands, r0: np.ndarray, rr: np.ndarray, ee: np.ndarray, ksi: np.ndarray, ksj: np.ndarray,
                   sup_i: np.ndarray, sup_j: np.ndarray, e_yi: np.ndarray, e_yj: np.ndarray) -> None:
    """Candidates whose i or j supplies what an executed exchange moved: the move they had joins the history
    (min, max, sum) and the supply position becomes the executed one."""
    for xs, ms, hist, key in ((cd.xi, cd.mi, cd.hi, ksi), (cd.xj, cd.mj, cd.hj, ksj)):
        m1, m2 = key == sup_i[rr, 0], key == sup_j[rr, 0]
        sel = np.nonzero(m1 | m2)[0]
        if len(sel):
            rs, es = r0[sel], ee[sel]
            old = ms[rs, es]
            h = hist[rs, es]
            hist[rs, es] = np.stack([np.minimum(h[:, 0], old), np.maximum(h[:, 1], old), h[:, 2] + old], 1)
            xs[rs, es] = np.where(m1[sel], e_yi[rr[sel]], e_yj[rr[sel]])


def _valid(m: np.ndarray, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    am = np.abs(m)
    y = x + m
    same = (np.minimum(h[:, 0], m) > 0) | (np.maximum(h[:, 1], m) < 0)
    return (am <= 100) & (am > EPS) & (y >= 0) & (y <= 100) & (h[:, 2] + m <= 100) & same


def _best(cd: Cands, order: np.ndarray, tie_break: str) -> tuple[np.ndarray, np.ndarray]:
    """Each row's next exchange (a column of ``cd``; possibly dead) and Decide's re-sorted list (``"decide"``)."""
    if tie_break == "decide":
        g = np.take_along_axis(np.where(cd.alive, cd.gain, DEAD), order, 1)
        order = np.take_along_axis(order, np.argsort(-g, axis=1, kind="stable"), 1)
        return order[:, 0], order
    return np.argmax(cd.score, axis=1), order  # highest rounded gain; argmax takes the earliest candidate


def _carry_out(cd: Cands, rows: np.ndarray, top: np.ndarray, x: np.ndarray, s: np.ndarray, vote: np.ndarray,
               new: np.ndarray, salience_weight: float, fixed_weight: float) -> None:
    """Exchange ``top`` of each of ``rows``: i and j vote their moved positions and start the next round from a
    blend of moved and old position (weights ``(1 − s)·salience_weight`` and ``fixed_weight``)."""
    i, j, p, q = cd.ei[rows, top], cd.ej[rows, top], cd.p[rows, top], cd.q[rows, top]
    yi, yj = cd.xi[rows, top] + cd.mi[rows, top], cd.xj[rows, top] + cd.mj[rows, top]
    for a, k, y in ((i, q, yi), (j, p, yj)):
        vote[rows, a, k] = y
        beta = (1 - s[rows, a, k]) * salience_weight
        new[rows, a, k] = beta * y + fixed_weight * y + (1 - beta - fixed_weight) * x[rows, a, k]


def _log_entry(cd: Cands, row: int, t: int) -> dict:
    """Candidate ``t`` of ``row`` as a line of the exchange log (before :meth:`Round.recalculate`)."""
    i, j, p, q = int(cd.ei[row, t]), int(cd.ej[row, t]), int(cd.p[row, t]), int(cd.q[row, t])
    return {"gain": float(cd.gain[row, t]),
            "i_actor": i, "i_supply": q, "i_from": float(cd.xi[row, t]),
            "i_move": float(cd.mi[row, t]), "i_y": float(cd.xi[row, t] + cd.mi[row, t]),
            "j_actor": j, "j_supply": p, "j_from": float(cd.xj[row, t]),
            "j_move": float(cd.mj[row, t]), "j_y": float(cd.xj[row, t] + cd.mj[row, t])}


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
    all_rows = np.arange(B)
    for rnd_no in range(1, rounds + 1):
        rnd = Round(x, s, c, mask)
        cd = rnd.candidates()
        vote, new = x.copy(), x.copy()
        order = np.broadcast_to(np.arange(cd.p.shape[1]), cd.p.shape)  # Decide's list, in creation order
        steps = 0
        while cd.p.shape[1] > 0:
            top, order = _best(cd, order, tie_break)
            rows = np.nonzero(cd.alive[all_rows, top])[0]
            if len(rows) == 0:
                break
            top = top[rows]
            steps += 1
            cd.alive[rows, top] = False
            cd.score[rows, top] = -1
            _carry_out(cd, rows, top, x, s, vote, new, salience_weight, fixed_weight)
            if log_row is not None and rows[0] == log_row:
                log.append({"round": rnd_no, "order": steps, **_log_entry(cd, log_row, top[0])})
            rnd.recalculate(cd, rows, top)
            if tie_break != "decide" and steps % 16 == 0 and cd.alive.sum(1).max() < 0.6 * cd.alive.shape[1]:
                cd = cd.compact()
        outcomes.append(outcome(vote))
        voting.append(vote)
        starts.append(new)
        x = new
    return np.stack(outcomes, 1), np.stack(voting, 1), np.stack(starts, 1), log
