"""Bueno de Mesquita's expected-utility model, as formalised by Scholz, Calbert & Smith (2011).

Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno de Mesquita's group decision model.
ICAART 2011, pp. 18–30 (also J. Theoretical Politics 23(4):510–531). Per issue (1-D), each round:

* Δ = the issue's scale span; d_ij = |x_i − x_j|/Δ; μ = the median voter position (start of the round).
* Utilities (§3, eqs 15, 16, 22–24), exponent r: U_s = 2 − 4(½ − ½d)^r, U_f = 2 − 4(½ + ½d)^r,
  U_b = 2 − 4(½ − ¼(|x_i − μ|/Δ + d))^r, U_w = 2 − 4(½ + ¼(|x_i − μ|/Δ + d))^r, U_sq = 2 − 4·½^r.
* Votes (§4, eq 31): support_ij = Σ_k c_k s_k max(0, |x_k − x_j| − |x_k − x_i|). ``probability="scholz"``
  (default) divides by the sum of |votes| over every ordered pair of actors, as Scholz's program does (it
  reproduces their Table 2); ``"pairwise"`` divides by support_ij + support_ji, as eq 31 is printed.
* Expected utility (eqs 5–7, 25): EU_ij = s_j[P_ij U_s + (1 − P_ij) U_f] + (1 − s_j) U_s − Q U_sq
  − (1 − Q)[T U_b + (1 − T) U_w]; T = 1 when μ is nearer to i than x_j is (Scholz cases 1, 3A), else 0,
  unless the parameter T fixes it.
* Risk (§5, eqs 32–34): with r = 1, security_i = Σ_{j≠i} EU_ji; R_i = (2 sec_i − max − min)/(max − min)
  over the actors; r_i = (1 − R_i/3)/(1 + R_i/3) ∈ [0.5, 2]; utilities are then recomputed with r.
* Offers (§6): actor i judges each j from its own viewpoint (``perception="receiver"``: both EU_ij and EU_ji
  with r_i, as BdM's "view from i" charts; ``"own"`` gives EU_ji j's r_j). With a = EU_ij, b = EU_ji:
  conflict lost (b > a > 0) → x_i ← x_j; compromise (a < 0 < b, |a| < b) → x_i += (x_j − x_i)|a/b|;
  capitulation (a < 0 < b, |a| > b) → x_i ← x_j. i takes a conflict offer if it has one (least move), else
  the compromise of the most enforceable proposer (largest b), else a capitulation (least move). All move
  at once.
* Forecast: the median voter position (the lower capability × salience weighted median = the Condorcet
  winner among the positions held, Scholz appendix step 3) after each round.

Stopping rule (the model oscillates; docs/decisions/bdm.md): run ``rounds`` rounds (default 8, Scholz's
Table 2), stopping early once no actor moves more than ``tolerance``·Δ (later rounds would repeat it).
``report="mean-of-rounds"`` (default) forecasts the mean of the medians of rounds 1..rounds;
``"final-round"`` the last median. Multi-issue scenarios run each issue independently (issues are folded
into the batch axis). Actors without a stance on an issue take no part in it: no votes, not challenged,
never move. Extra output: ``extra["mean"]`` (B, T+1, d), the c·s weighted mean position per round.
"""

from __future__ import annotations

import numpy as np

from ..arrays import ScenarioArrays
from .base import ModelResult, ModelSpec, Parameter, register
from .bdm_reference import bdm_reference

CHUNK_ROWS = 2048
"""Runs × issues computed together; bounds memory at ~ CHUNK_ROWS · n² · 8 bytes per temporary."""


def _sorted_stats(x: np.ndarray, w: np.ndarray):
    """Sorted positions/weights and prefix sums of w and w·x, each (G, n+1) with a leading 0."""
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, 1)
    ws = np.take_along_axis(w, order, 1)
    zero = np.zeros((x.shape[0], 1))
    wc = np.concatenate([zero, np.cumsum(ws, 1)], 1)
    xc = np.concatenate([zero, np.cumsum(ws * xs, 1)], 1)
    return xs, ws, wc, xc


def _median(xs: np.ndarray, ws: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    cum = np.cumsum(ws, 1)
    total = cum[:, -1]
    first = np.argmax(cum >= 0.5 * total[:, None] * (1 - 1e-12), axis=1)
    med = np.take_along_axis(xs, first[:, None], 1)[:, 0]
    return np.where(total > 0, med, fallback)


def _count_below(xs: np.ndarray, query: np.ndarray, lo: np.ndarray, span: np.ndarray) -> np.ndarray:
    """#{k : xs[g, k] < query[g, ...]} per row, by one searchsorted over rows laid end to end."""
    g, n = xs.shape
    off = 4.0 * np.arange(g)
    keys = ((xs - lo[:, None]) / span[:, None] + off[:, None]).ravel()
    shape = (g,) + (1,) * (query.ndim - 1)
    q = (query - lo.reshape(shape)) / span.reshape(shape) + off.reshape(shape)
    return np.searchsorted(keys, q.ravel(), side="left").reshape(query.shape) - n * np.arange(g).reshape(shape)


def _support(x: np.ndarray, w: np.ndarray, span: np.ndarray) -> np.ndarray:
    """support[g, i, j] = Σ_k w_k max(0, |x_k − x_j| − |x_k − x_i|) in O(n² log n) via prefix sums.

    max(0, g) = (g + |g|)/2 with Σ_k w_k g_k = W(x_j) − W(x_i), W(y) = Σ_k w_k |x_k − y|, and
    |g_k| = L − 2·max(0, L/2 − |x_k − m|) (a tent around the midpoint m of the pair, L = |x_i − x_j|).
    """
    g = x.shape[0]
    xs, _, wc, xc = _sorted_stats(x, w)
    wt, xt = wc[:, -1:], xc[:, -1:]
    lo0 = xs[:, 0]
    below = _count_below(xs, x, lo0, span)  # #{k: x_k < x_a}
    wl = np.take_along_axis(wc, below, 1)
    xl = np.take_along_axis(xc, below, 1)
    big_w = x * wl - xl + (xt - xl) - x * (wt - wl)  # W(x_a)
    lo = np.minimum(x[:, :, None], x[:, None, :])
    hi = np.maximum(x[:, :, None], x[:, None, :])
    mid = 0.5 * (lo + hi)
    n_lo = np.where(x[:, :, None] <= x[:, None, :], below[:, :, None], below[:, None, :])
    n_hi = np.where(x[:, :, None] <= x[:, None, :], below[:, None, :], below[:, :, None])
    n_m = _count_below(xs, mid, lo0, span)

    def take(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return np.take_along_axis(a, idx.reshape(g, -1), 1).reshape(idx.shape)

    w_lo, w_m, w_hi = take(wc, n_lo), take(wc, n_m), take(wc, n_hi)
    x_lo, x_m, x_hi = take(xc, n_lo), take(xc, n_m), take(xc, n_hi)
    tent = (x_m - x_lo) - lo * (w_m - w_lo) + hi * (w_hi - w_m) - (x_hi - x_m)
    length = hi - lo
    return 0.5 * ((big_w[:, None, :] - big_w[:, :, None]) + length * wt[:, :, None] - 2 * tent)


def _power(base: np.ndarray, rho: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.exp(rho * np.log(base))


def _eu(d, e_ch, prob, s_tg, rho, q, t_fixed):
    """EU of the challenger (rows of e_ch) against the target, exponent rho; arrays broadcast to (G, n, n)."""
    u_s = 2 - 4 * _power(0.5 - 0.5 * d, rho)
    u_f = 2 - 4 * _power(0.5 + 0.5 * d, rho)
    u_sq = 2 - 4 * _power(np.full_like(rho, 0.5), rho)
    out = s_tg * (prob * u_s + (1 - prob) * u_f) + (1 - s_tg) * u_s - q * u_sq
    if q != 1.0:
        u_b = 2 - 4 * _power(0.5 - 0.25 * (e_ch + d), rho)
        u_w = 2 - 4 * _power(0.5 + 0.25 * (e_ch + d), rho)
        better = (e_ch < d).astype(float) if t_fixed is None else t_fixed
        out = out - (1 - q) * (better * u_b + (1 - better) * u_w)
    return out


def _round(x, c, s, part, span, mid, q, t_fixed, probability, perception):
    """One round for G rows (issue × run) of n actors; returns the new positions (G, n)."""
    g, n = x.shape
    w = c * s * part
    xs, ws, _, _ = _sorted_stats(x, w)
    mu = _median(xs, ws, mid)
    pair = part[:, :, None] & part[:, None, :]
    sup = np.where(pair, _support(x, w, span), 0.0)
    differ = x[:, :, None] != x[:, None, :]
    # Scholz's program: all ordered pairs' |votes|; eq 31 as printed: the pair's own
    den = 2 * sup.sum((1, 2))[:, None, None] if probability == "scholz" else sup + sup.transpose(0, 2, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = np.where((den > 0) & differ, sup / den, 0.0)
    sp = span[:, None, None]
    d = np.abs(x[:, :, None] - x[:, None, :]) / sp
    e = np.abs(x - mu[:, None]) / span[:, None]
    e_row, e_col = e[:, :, None], e[:, None, :]
    s_row, s_col = s[:, :, None], s[:, None, :]
    ones = np.ones((g, n, 1))
    # risk from security at r = 1 (E1[c, t]: c challenges t)
    e1 = _eu(d, e_row, prob, s_col, ones, q, t_fixed)
    e1 = np.where(pair & ~np.eye(n, dtype=bool), e1, 0.0)
    sec = e1.sum(1)
    hi = np.where(part, sec, -np.inf).max(1, keepdims=True)
    lo = np.where(part, sec, np.inf).min(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        big_r = np.where(hi > lo, (2 * sec - hi - lo) / (hi - lo), 0.0)
    r = np.where(part, (1 - big_r / 3) / (1 + big_r / 3), 1.0)
    r_row = r[:, :, None]
    a = _eu(d, e_row, prob, s_col, r_row, q, t_fixed)  # i challenges j, as i sees it
    r_b = r_row if perception == "receiver" else r[:, None, :]
    b = _eu(d, e_col, prob.transpose(0, 2, 1), s_row, r_b, q, t_fixed)  # j challenges i
    valid = pair & differ
    xj = np.broadcast_to(x[:, None, :], (g, n, n))
    dist = np.abs(xj - x[:, :, None])

    def least_move(mask: np.ndarray) -> np.ndarray:
        best = np.where(mask, dist, np.inf).min(2, keepdims=True)
        return np.where(mask & (dist == best), xj, np.inf).min(2)

    conflict = valid & (b > a) & (a > 0)
    soft = valid & (a < 0) & (b > 0)
    compromise = soft & (np.abs(a) < b)
    capitulate = soft & (np.abs(a) > b)
    with np.errstate(invalid="ignore", divide="ignore"):
        offer = x[:, :, None] + (xj - x[:, :, None]) * np.abs(a / b)
    pick = np.argmax(np.where(compromise, b, -np.inf), axis=2)
    comp_x = np.take_along_axis(offer, pick[:, :, None], 2)[:, :, 0]
    new = np.where(capitulate.any(2), least_move(capitulate), x)
    new = np.where(compromise.any(2), comp_x, new)
    return np.where(conflict.any(2), least_move(conflict), new)


def _run_rows(x, c, s, part, span, mid, rounds, q, t_fixed, tolerance, probability, perception):
    """Rounds for G independent rows; returns trajectories (G, rounds+1, n) and rounds run (G,)."""
    g = x.shape[0]
    traj = np.repeat(x[:, None, :], rounds + 1, axis=1)
    ran = np.zeros(g, dtype=int)
    active = (part.sum(1) >= 2) & (span > 0)
    cur = x.copy()
    for t in range(1, rounds + 1):
        idx = np.flatnonzero(active)
        if idx.size:
            new = _round(cur[idx], c[idx], s[idx], part[idx], span[idx], mid[idx], q, t_fixed, probability,
                         perception)
            moved = np.abs(new - cur[idx]).max(1)
            cur[idx] = new
            ran[idx] = t
            active[idx] = moved > tolerance * span[idx]
        traj[:, t] = cur
    return traj, ran


def bdm(arrays: ScenarioArrays, rounds: int = 8, Q: float = 1.0, T: float | None = None,
        tolerance: float = 1e-9, report: str = "mean-of-rounds", probability: str = "scholz",
        perception: str = "receiver", chunk_rows: int = CHUNK_ROWS) -> ModelResult:
    """The batched engine: the whole (B, n, d) batch at once, issues folded into the batch axis."""
    bsz, n, d = arrays.position.shape
    rounds = int(rounds)

    def fold(a: np.ndarray) -> np.ndarray:  # (B, n, d) -> (B·d, n)
        return np.ascontiguousarray(np.moveaxis(a, 2, 1).reshape(bsz * d, n), dtype=float)

    x, c, s = fold(arrays.position), fold(arrays.capability), fold(arrays.salience)
    part = np.broadcast_to(arrays.mask.T[None], (bsz, d, n)).reshape(bsz * d, n)
    span = np.tile(np.asarray(arrays.span, dtype=float), bsz)
    mid = np.tile((arrays.scale_min + arrays.scale_max) / 2.0, bsz)
    traj = np.empty((bsz * d, rounds + 1, n))
    ran = np.zeros(bsz * d, dtype=int)
    for lo in range(0, bsz * d, chunk_rows):
        sl = slice(lo, lo + chunk_rows)
        traj[sl], ran[sl] = _run_rows(x[sl], c[sl], s[sl], part[sl], span[sl], mid[sl], rounds, Q, T,
                                      tolerance, probability, perception)
    w = (c * s * part)[:, None, :]
    flat = traj.reshape(-1, n)
    wr = np.broadcast_to(w, traj.shape).reshape(-1, n)
    xs, ws, _, _ = _sorted_stats(flat, wr)
    med = _median(xs, ws, np.repeat(mid, rounds + 1)).reshape(bsz * d, rounds + 1)
    total = w.sum(2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(total > 0, (traj * w).sum(2) / total, mid[:, None])

    def unfold(a: np.ndarray) -> np.ndarray:  # (B·d, T+1[, n]) -> (B, T+1[, n], d)
        a = a.reshape((bsz, d, *a.shape[1:]))
        return np.moveaxis(a, 1, -1)

    forecasts = unfold(med)
    forecast = forecasts[:, -1] if report == "final-round" or rounds == 0 else forecasts[:, 1:].mean(1)
    return ModelResult(model="bdm", forecast=forecast, positions=unfold(traj), forecasts=forecasts,
                       rounds=ran.reshape(bsz, d), extra={"mean": unfold(mean)})


register(ModelSpec(
    id="bdm",
    name="Bueno de Mesquita's expected-utility model (Scholz et al. 2011)",
    description="Actors challenge, compromise and capitulate round by round; the forecast is the median "
    "voter position (mean over the rounds by default). Each issue runs on its own.",
    citation="Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno de Mesquita's group "
    "decision model. J. Theoretical Politics 23(4):510–531; ICAART 2011 pp. 18–30.",
    run=bdm,
    parameters=(
        Parameter("rounds", 8, "Rounds to run (Scholz et al.'s Table 2 reports 8); stops early when no "
                  "actor moves."),
        Parameter("Q", 1.0, "Probability that the target stays put when not challenged (Scholz: 1.0)."),
        Parameter("T", None, "Probability that the target's move helps i; None = derived per pair from "
                  "the median (Scholz §3, cases 1–3B). Matters only when Q < 1."),
        Parameter("tolerance", 1e-9, "Stop when no actor moves more than tolerance × scale span."),
        Parameter("report", "mean-of-rounds", "Forecast: mean of the rounds' medians or the last one.",
                  choices=("mean-of-rounds", "final-round")),
        Parameter("probability", "scholz", "Vote normalisation: Scholz's program or eq 31 as printed.",
                  choices=("scholz", "pairwise")),
        Parameter("perception", "receiver", "Whose risk exponent values the proposer's EU.",
                  choices=("receiver", "own")),
    ),
    dynamic=True,
    reference=bdm_reference,
))
