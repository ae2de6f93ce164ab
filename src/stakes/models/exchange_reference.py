"""Plain per-run reference of Stokman's exchange model as Decide computes it (slow, one scenario at a time).

The batched engine (:mod:`stakes.models.exchange`) must agree with this module; both follow the procedure
written out in ``docs/decisions/exchange.md``. Positions here are on 0–100 (each issue normalised to its
scale, as Decide does); salience and capability as in :mod:`stakes.arrays`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SALIENCE_WEIGHT = 0.4
FIXED_WEIGHT = 0.1
EPS = 1e-10
GAIN_QUANTUM = 1e-12
"""Gains are compared after rounding to this grid, so exchanges whose gains are equal in exact arithmetic tie."""


def quantize(gain: float) -> float:
    return round(gain / GAIN_QUANTUM)


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

    def __init__(self, x: np.ndarray, s: np.ndarray, c: np.ndarray, mask: np.ndarray) -> None:
        self.x, self.s, self.c, self.mask = x, s, c, mask
        self.w = c * s * mask
        self.den = self.w.sum(0)
        self.num = (self.w * x).sum(0)

    def nbs(self, issue: int, ex: Exchange, actor: int, pos: float, own_last: bool = True) -> float:
        """Weighted mean on ``issue`` with the exchange's recorded updates and ``actor`` at ``pos``.

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
        return float((self.w[:, issue] * col).sum() / self.den[issue])

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
        if (t - n0 >= 0 and t - n1 >= 0) or (t - n0 <= 0 and t - n1 <= 0):
            return
        cur = self.nbs(k, ex, me.actor, me.x, own_last=False)
        w_me = self.s[me.actor, k] * self.c[me.actor, k]
        delta = abs(self.den[k] * (t - cur) / w_me)
        r_me = delta * w_me / self.den[k]
        s = self.s
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
        with np.errstate(invalid="ignore", divide="ignore"):
            nbs = np.where(self.den > 0, self.num / self.den, 0.0)
        left = x <= nbs
        usable = mask & (s > 0) & (self.c > 0)
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


def run_reference(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, mask: np.ndarray,
                  rounds: int = 10, tie_break: str = "decide") -> dict:
    """One run; ``position`` (n, d) on 0–100. Returns outcomes (T+1, d), voting (T+1, n, d), exchanges."""
    x = np.where(mask, position, 0.0).astype(float)
    w = capability * salience * mask
    den = w.sum(0)

    def outcome(pos: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, (w * pos).sum(0) / den, 0.0)

    outcomes, voting, starts, log = [outcome(x)], [x.copy()], [x.copy()], []
    for r in range(1, rounds + 1):
        rnd = Round(x, salience, capability, mask)
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
                a = (1 - sal) * SALIENCE_WEIGHT
                new[side.actor, side.supply] = a * side.y + FIXED_WEIGHT * side.y + (1 - a - FIXED_WEIGHT) * side.start
        outcomes.append(outcome(vote))
        voting.append(vote)
        starts.append(new)
        x = new
    return {"outcomes": np.array(outcomes), "voting": np.array(voting), "starts": np.array(starts),
            "exchanges": log}
