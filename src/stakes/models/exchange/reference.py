"""Plain per-run reference of Stokman's exchange model as Decide computes it (slow, one scenario at a time).

The batched engine (:mod:`stakes.models.exchange`) must agree with this module; both follow the procedure
written out in ``docs/decisions/exchange.md``. Positions here are on 0–100 (each issue normalised to its
scale, as Decide does); salience and capability as in :mod:`stakes.arrays`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from .constants import CROSS_TOL, EPS, FIXED_WEIGHT, GAIN_QUANTUM, SALIENCE_WEIGHT


def quantize(gain: float | Decimal) -> int:
    """A gain on the tie grid (Decimal gains from ``arithmetic="decimal"`` are converted first)."""
    return round(float(gain) / GAIN_QUANTUM)


@dataclass
class Side:
    """One actor of an exchange: it supplies (moves on) ``supply`` and demands ``demand``."""

    actor: int
    supply: int
    demand: int
    x: float  # current supply position (changes when another exchange moved this actor on this issue)
    start: float  # supply position at the start of the round
    want: float  # own position on the demand issue (fixed for the round)
    hist: list[float] = field(default_factory=list)
    move: float = 0.0

    @property
    def y(self) -> float:
        return self.x + self.move


@dataclass
class Exchange:
    index: int
    i: Side  # supplies q, demands p
    j: Side  # supplies p, demands q
    gain: float = 0.0
    valid: bool = True
    updates: dict[int, dict[int, float]] = field(default_factory=dict)


class Round:
    """One round: candidate exchanges on the round's start positions ``x`` (n, d) on 0–100."""

    def __init__(self, x: np.ndarray, s: np.ndarray, c: np.ndarray, mask: np.ndarray, tol: float = CROSS_TOL) -> None:
        self.x, self.s, self.c, self.mask, self.tol = x, s, c, mask, tol
        self.w = s * c * mask
        self.den = self.w.sum(0)
        self.num = (x * s * c * mask).sum(0)  # Decide's order of operations: (x·s)·c

    def nbs(self, issue: int, ex: Exchange, actor: int, pos: float, own_last: bool = True) -> float:
        return self.total(issue, ex, actor, pos, own_last) / self.den[issue]

    def total(self, issue: int, ex: Exchange, actor: int, pos: float, own_last: bool = True) -> float:
        """Σ x·s·c on ``issue`` with the exchange's recorded updates and ``actor`` at ``pos``.

        ``own_last``: the actor's position is set after the updates (Decide's adjusted NBS); False: before them
        (Decide's "position needed for a given NBS" helper).
        """
        col = self.x[:, issue].copy()
        if not own_last:
            col[actor] = pos
        for a, v in ex.updates.get(issue, {}).items():
            col[a] = v
        if own_last:
            col[actor] = pos
        return (col * self.s[:, issue] * self.c[:, issue] * self.mask[:, issue]).sum()

    def valid_move(self, side: Side) -> bool:
        m = side.move
        if abs(m) > 100 or abs(m) <= EPS:
            return False
        if not 0.0 <= side.x + m <= 100.0:
            return False
        moves = [*side.hist, m]
        if sum(moves) > 100:
            return False
        return min(moves) > 0 or max(moves) < 0

    def calculate(self, ex: Exchange) -> None:
        """Equal-gain moves of both sides, the gain and validity (Stokman & van Oosten 1994; Decide)."""
        s, c, i, j = self.s, self.c, ex.i, ex.j
        p, q = j.supply, i.supply
        sp, sq = self.den[p], self.den[q]
        gap_p = abs(i.want - j.x)  # j moves fully to i's position on p
        gap_q = abs(j.want - i.x)
        dp = gap_p * s[j.actor, p] * c[j.actor, p] / sp
        dq = (s[j.actor, p] + s[i.actor, p]) / (s[j.actor, q] + s[i.actor, q]) * dp
        mi = dq * sq / (c[i.actor, q] * s[i.actor, q])
        mj = gap_p
        if abs(mi) > gap_q:  # i would overshoot: i moves fully, j part-way
            dq = gap_q * s[i.actor, q] * c[i.actor, q] / sq
            dp = (s[i.actor, q] + s[j.actor, q]) / (s[i.actor, p] + s[j.actor, p]) * dq
            mi = gap_q
            mj = dp * sp / (c[j.actor, p] * s[j.actor, p])
        i.move = -mi if i.x > j.want else mi
        j.move = -mj if j.x > i.want else mj
        ex.gain = abs(dq * s[i.actor, q] - dp * s[i.actor, p])
        ex.valid = self.valid_move(i) and self.valid_move(j) and ex.gain >= EPS
        if not ex.valid:
            return
        self.check_outcome(ex, i, j)
        self.check_outcome(ex, j, i)
        ex.valid = self.valid_move(i) and self.valid_move(j)

    def check_outcome(self, ex: Exchange, me: Side, other: Side) -> None:
        """If ``me``'s move pushes the outcome past ``other``'s position, shrink both moves to stop there."""
        k = me.supply
        n0 = self.nbs(k, ex, me.actor, me.x)
        n1 = self.nbs(k, ex, me.actor, me.y)
        t = other.want
        d0, d1 = t - n0, t - n1
        d0, d1 = (0 if abs(d0) <= self.tol else d0), (0 if abs(d1) <= self.tol else d1)
        if (d0 >= 0 and d1 >= 0) or (d0 <= 0 and d1 <= 0):
            return
        total = self.total(k, ex, me.actor, me.x, own_last=False)
        s = self.s
        delta = abs((t * self.den[k] - total) / (s[me.actor, k] * self.c[me.actor, k]))
        r_me = delta * s[me.actor, k] * self.c[me.actor, k] / self.den[k]
        r_other = (s[me.actor, k] + s[other.actor, k]) / (s[me.actor, me.demand] + s[other.actor, me.demand]) * r_me
        ko = other.supply
        m_other = abs(r_other * self.den[ko] / (self.c[other.actor, ko] * s[other.actor, ko]))
        other.move = -m_other if other.x > me.want else m_other
        me.move = -delta if me.x > other.want else delta
        ex.gain = abs(r_other * s[other.actor, ko] - r_me * s[other.actor, other.demand])

    def recalculate(self, ex: Exchange, done: Exchange) -> None:
        """Update ``ex`` after ``done`` was carried out (Decide's recalculation rules)."""
        again = False
        for side in (ex.i, ex.j):
            for d in (done.i, done.j):
                if side.actor == d.actor and side.supply == d.supply:
                    side.hist.append(side.move)  # Decide keeps the old own move in the history
                    side.x = d.y
                    again = True
                    break
        for d, partner in ((done.j, done.i), (done.i, done.j)):
            if any(d.actor == side.actor and d.demand == side.demand for side in (ex.i, ex.j)):
                slot = ex.updates.setdefault(d.demand, {})
                old = slot.get(partner.actor)
                if old is None:
                    slot[partner.actor] = partner.y
                elif partner.start <= old:
                    slot[partner.actor] = min(old, partner.y)
                else:
                    slot[partner.actor] = max(old, partner.y)
                again = True
        if again:
            self.calculate(ex)

    def candidates(self) -> list[Exchange]:
        """Pairs on opposite sides of the outcome on two issues, in Decide's order (issue pairs, then actors)."""
        x, s, mask = self.x, self.s, self.mask
        n, d = x.shape
        nbs = np.array([t / d_ if d_ > 0 else 0 for t, d_ in zip(self.num, self.den, strict=True)], dtype=self.x.dtype)
        left = (x <= nbs).astype(bool)
        usable = mask & (s > 0).astype(bool) & (self.c > 0).astype(bool)
        out: list[Exchange] = []
        for p in range(d):
            for q in range(p + 1, d):
                members = [a for a in range(n) if usable[a, p] and usable[a, q]]
                group = {a: int(left[a, p]) | 2 * int(left[a, q]) for a in members}
                for g1, g2 in ((0, 3), (1, 2)):
                    for a in (m for m in members if group[m] == g1):
                        for b in (m for m in members if group[m] == g2):
                            out.append(self._make(len(out), a, b, p, q))
        return out

    def _make(self, index: int, a: int, b: int, p: int, q: int) -> Exchange:
        s, x = self.s, self.x
        if s[a, p] / s[a, q] < s[b, p] / s[b, q]:
            a, b = b, a
        i = Side(a, q, p, x[a, q], x[a, q], x[a, p])
        j = Side(b, p, q, x[b, p], x[b, p], x[b, q])
        ex = Exchange(index, i, j)
        self.calculate(ex)
        return ex


def _decimal(a: np.ndarray, digits: int | None = None) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    for k, v in np.ndenumerate(a):
        out[k] = Decimal(repr(float(v) if digits is None else round(float(v), digits)))
    return out


def run_reference(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, mask: np.ndarray,
                  rounds: int = 10, tie_break: str = "decide", arithmetic: str = "float",
                  salience_weight: float = SALIENCE_WEIGHT, fixed_weight: float = FIXED_WEIGHT) -> dict:
    """One run; ``position`` (n, d) on 0–100. Returns outcomes (T+1, d), voting (T+1, n, d), exchanges.

    ``arithmetic="decimal"`` computes with Python's ``Decimal`` (28 digits) in Decide's order of operations, so
    that gains that are equal in exact arithmetic are ordered by the same rounding as Decide's (its ties).
    Inputs are taken as Decide reads them, as decimal text (``Decimal("0.75")``); salience and power are rounded
    to 12 decimals first (undoing the 0–100 round trip of salience).
    """
    sw, fw = salience_weight, fixed_weight
    x = np.where(mask, position, 0.0).astype(float)
    if arithmetic == "decimal":
        x, salience, capability = _decimal(x), _decimal(salience, 12), _decimal(capability, 12)
        sw, fw = Decimal(sw), Decimal(fw)
    den = (salience * capability * mask).sum(0)

    def outcome(pos: np.ndarray) -> np.ndarray:
        tot = (pos * salience * capability * mask).sum(0)
        return np.array([float(t / d_) if d_ > 0 else 0.0 for t, d_ in zip(tot, den, strict=True)])

    outcomes, voting, starts, log = [outcome(x)], [x.copy()], [x.copy()], []
    for r in range(1, rounds + 1):
        rnd = Round(x, salience, capability, mask, 0 if arithmetic == "decimal" else CROSS_TOL)
        pending = rnd.candidates()
        vote = x.copy()
        new = x.copy()
        order = 0
        while pending:
            if tie_break == "decide":
                pending.sort(key=lambda e: e.gain, reverse=True)  # stable: Decide's list order breaks ties
            else:
                pending.sort(key=lambda e: (-quantize(e.gain), e.index))
            done = pending.pop(0)
            if not done.valid:
                continue
            keep = []
            for ex in pending:
                if ex.valid:
                    rnd.recalculate(ex, done)
                    if ex.valid:
                        keep.append(ex)
            pending = keep
            order += 1
            log.append({"round": r, "order": order, "gain": done.gain,
                        **{f"{k}_{f}": v for k, side in (("i", done.i), ("j", done.j))
                           for f, v in (("actor", side.actor), ("supply", side.supply), ("from", side.x),
                                        ("move", side.move), ("y", side.y))}})
            for side in (done.i, done.j):
                vote[side.actor, side.supply] = side.y
                sal = salience[side.actor, side.supply]
                stay = 1 - (1 - sal) * sw - fw  # Decide: x' = (1 - s)·0.4·y + 0.1·y + (1 - 0.4(1 - s) - 0.1)·x
                new[side.actor, side.supply] = (1 - sal) * sw * side.y + fw * side.y + stay * side.start
        outcomes.append(outcome(vote))
        voting.append(vote)
        starts.append(new)
        x = new
    for row in log:
        for key, v in row.items():
            if isinstance(v, Decimal):
                row[key] = float(v)
    return {"outcomes": np.array(outcomes), "voting": np.array(voting, dtype=float),
            "starts": np.array(starts, dtype=float), "exchanges": log}
