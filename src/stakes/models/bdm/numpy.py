"""BdM expected-utility model (formulas and source: ``bdm/__init__.py``) — the batched numpy engine.

Rows are runs × issues folded together, ``(G, n)``: no Python loop over runs or actor pairs; the vote sums
take O(n² log n) per issue and round (prefix sums over sorted positions, see ``_support``); rows are processed
in cache-sized chunks, optionally on a thread pool (numpy releases the GIL).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

CHUNK_PAIRS = 48 * 30 * 30
"""Rows (run × issue) per chunk = CHUNK_PAIRS // n². Much larger (rows, n, n) temporaries make glibc map and
unmap fresh pages for every numpy temporary, and page faults then cost more than the arithmetic (first
profiled at n = 30: 256 rows 2× slower than 24); smaller chunks pay Python overhead per numpy call.
Re-measured (stop 19, medians of 3–5 interleaved runs, rows of random 6-issue scenarios): the base of
24 · 30² rows against twice and four times it — n = 10, 288 rows, 64 rounds: 0.41 / 0.33 / 0.33 s; n = 20:
1.17 / 0.89 / 0.95 s; n = 30: 2.37 / 1.86 / 1.80 s; n = 30, 3,000 rows, 8 rounds: 3.64 / 3.38 / 3.42 s;
n = 20, 6,000 rows: 3.37 / 3.28 / 3.05 s; the first call of a fresh process (the diagnostics' case), n = 20,
288 rows: 1.59 s against 1.01 s (medians of 5). Twice the old base is never slower than it."""

MAX_PERIOD = 16
"""A row whose positions after a round equal, bit for bit, those of 2..MAX_PERIOD rounds before cycles from
then on (a round is a function of the positions alone): its remaining rounds are copied, not computed. On
random 30 × 6 scenarios a third of the rounds of a 64-round run are saved this way; the results do not change.
(Period 1 is settling, which the tolerance decides.)"""

TIE = 1e-12
"""Distances (as a share of the scale) this close count as equal when an actor picks the nearest offer, so
equidistant offers on both sides go to the lower position whatever the rounding (e.g. after rescaling)."""


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


def _support(x: np.ndarray, w: np.ndarray, span: np.ndarray) -> np.ndarray:
    """support[g, i, j] = Σ_k w_k max(0, |x_k − x_j| − |x_k − x_i|) in O(n² log n) via prefix sums.

    max(0, g) = (g + |g|)/2 with Σ_k w_k g_k = W(x_j) − W(x_i), W(y) = Σ_k w_k |x_k − y|, and
    Σ_k w_k |g_k| = L·Σw − 2 Σ_k w_k max(0, L/2 − |x_k − m|) (a tent around the pair's midpoint m,
    L = |x_i − x_j|). With prefix sums over sorted positions the tent splits into per-actor terms h_i + h_j
    and one term at m: Σ_{x_k<m} w_k (x_k − m), found with one searchsorted.
    """
    g, n = x.shape
    u = x - x.min(1, keepdims=True)  # translation-free; u ≥ 0 makes the prefix sums monotone
    order = np.argsort(u, axis=1, kind="stable")  # work on the actors sorted by position
    us = np.take_along_axis(u, order, 1)
    zero = np.zeros((g, 1))
    wc = np.concatenate([zero, np.cumsum(np.take_along_axis(w, order, 1), 1)], 1)
    xc = np.concatenate([zero, np.cumsum(np.take_along_axis(w, order, 1) * us, 1)], 1)
    wt, xt = wc[:, -1:], xc[:, -1:]
    # one searchsorted over all rows laid end to end: row g's positions, scaled to [0, 1], sit at 4g + v;
    # queries in sorted order run about twice as fast
    off = 4.0 * np.arange(g)[:, None]
    half = 0.5 * us / span[:, None] + 0.5 * off
    keys = (2 * half).ravel()
    below = np.searchsorted(keys, keys, side="left").reshape(g, n) - (n * np.arange(g))[:, None]
    wl = np.take_along_axis(wc, below, 1)  # #{k: u_k < u_p} -> prefix sums below p
    xl = np.take_along_axis(xc, below, 1)
    h = us * wl - xl  # Σ_{u_k < u_p} w_k (u_p − u_k)
    big_w = h + (xt - xl) - us * (wt - wl)  # W(u_p) = Σ_k w_k |u_k − u_p|
    # the symmetric part Σ_k w_k |g_k| = L·Σw − 2·tent, on the sorted pairs p < q only (the diagonal is 0)
    iu, ju = np.triu_indices(n, 1)
    ui, uj = us[:, iu], us[:, ju]
    lin = np.searchsorted(keys, (half[:, iu] + half[:, ju]).ravel(), side="left").reshape(g, -1)
    lin += np.arange(g)[:, None]  # row g's prefix sums start at (n + 1)·g; its keys at n·g
    below_m = np.take(xc, lin) - 0.5 * (ui + uj) * np.take(wc, lin)  # Σ_{u_k < m} w_k (u_k − m) ≤ 0
    sym = (uj - ui) * wt - 4 * below_m - 2 * (h[:, iu] + h[:, ju])
    # back to the actors' order: support[i, j] = ½(sym[rank_i, rank_j] + W_j − W_i)
    srt = np.zeros((g, n, n))
    srt[:, iu, ju] = sym
    srt[:, ju, iu] = sym
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n)[None, :], 1)
    flat = (n * n * np.arange(g))[:, None, None] + rank[:, :, None] * n + rank[:, None, :]
    both = np.take(srt, flat)
    w_actor = np.take_along_axis(big_w, rank, 1)
    both += w_actor[:, None, :]
    both -= w_actor[:, :, None]
    return 0.5 * both


def _eu4(pm, dpp, c0, tmp, q, extra):
    """EU / 4, with U_s = 2 − 4pm, U_f = 2 − 4pp, U_sq = 2 − 4c0, dpp = pp − pm, tmp = s_t (1 − P):

    EU = U_s − s_t (1 − P)(U_s − U_f) − Q U_sq − (1 − Q) X, X = T U_b + (1 − T) U_w (``extra``), so
    EU/4 = Q c0 − pm − tmp·dpp + (1 − Q)(2 − X)/4. Offers depend only on signs, a − b and |a/b|.
    """
    out = (q * c0 - pm) - tmp * dpp
    return out if extra is None else out + (1 - q) * (2 - extra) / 4


def _better_worse(d, e_ch, rho, t_fixed):
    """T U_b + (1 − T) U_w for exponent rho (Scholz eqs 22–23; T from the cases of §3 unless fixed)."""
    with np.errstate(divide="ignore"):
        u_b = 2 - 4 * np.exp(rho * np.log(0.5 - 0.25 * (e_ch + d)))
        u_w = 2 - 4 * np.exp(rho * np.log(0.5 + 0.25 * (e_ch + d)))
    better = (e_ch < d).astype(float) if t_fixed is None else t_fixed
    return better * u_b + (1 - better) * u_w


def _round(x, c, s, part, span, mid, q, t_fixed, probability, perception):
    """One round for G rows (issue × run) of n actors; returns the new positions (G, n)."""
    g, n = x.shape
    full = bool(part.all())
    w = c * s if full else c * s * part
    pair = None if full else part[:, :, None] & part[:, None, :]
    sup = _support(x, w, span)
    if pair is not None:
        sup *= pair
    d = np.minimum(np.abs(x[:, :, None] - x[:, None, :]) / span[:, None, None], 1.0)  # beyond the scale = 1
    # Scholz's program: all ordered pairs' |votes|; eq 31 as printed: the pair's own. (support is 0 when
    # x_i = x_j, so P is too.)
    with np.errstate(invalid="ignore", divide="ignore"):
        if probability == "scholz":
            den = 2 * sup.sum((1, 2))
            prob = sup * np.where(den > 0, 1 / den, 0.0)[:, None, None]
        else:
            den = sup + sup.transpose(0, 2, 1)
            prob = np.where(den > 0, sup / den, 0.0)
    s_row, s_col = s[:, :, None], s[:, None, :]
    tmp_a = s_col * (1 - prob)  # s_j (1 − P_ij)
    if q == 1.0:
        e_row = e_col = None
        # risk from security at r = 1 (U_s = 2d, U_f = −2d, U_sq = 0): E1[c, t] = 2d(1 − 2 s_t (1 − P_ct));
        # the factor 2 does not change R
        e1 = d * (1 - 2 * tmp_a)
    else:
        xs, ws, _, _ = _sorted_stats(x, w)
        e = np.minimum(np.abs(x - _median(xs, ws, mid)[:, None]) / span[:, None], 1.0)
        e_row, e_col = e[:, :, None], e[:, None, :]
        sign = (e_row < d) * 2.0 - 1 if t_fixed is None else 2 * t_fixed - 1  # U_b = e + d, U_w = −(e + d)
        e1 = 2 * d * (1 - 2 * tmp_a) - (1 - q) * (e_row + d) * sign
        e1 *= ~np.eye(n, dtype=bool)
    if pair is not None:
        e1 *= pair
    sec = e1.sum(1)  # sec[t] = Σ_c E1[c, t]
    hi = (sec if full else np.where(part, sec, -np.inf)).max(1, keepdims=True)
    lo = (sec if full else np.where(part, sec, np.inf)).min(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        big_r = np.where(hi > lo, (2 * sec - hi - lo) / (hi - lo), 0.0)
        r = (1 - big_r / 3) / (1 + big_r / 3)  # non-participants' values are replaced below
    if not full:
        r = np.where(part, r, 1.0)
    with np.errstate(divide="ignore"):
        log_m, log_p = np.log(0.5 - 0.5 * d), np.log(0.5 + 0.5 * d)

    def powers(rho):
        pm = np.exp(rho * log_m)
        return pm, np.exp(rho * log_p) - pm, 0.5 ** rho

    r_row = r[:, :, None]
    pm, dpp, c0 = powers(r_row)
    extra_a = None if q == 1.0 else _better_worse(d, e_row, r_row, t_fixed)
    a = _eu4(pm, dpp, c0, tmp_a, q, extra_a)  # i challenges j, as i sees it
    r_b = r_row if perception == "receiver" else r[:, None, :]
    if perception != "receiver":
        pm, dpp, c0 = powers(r_b)
    extra_b = None if q == 1.0 else _better_worse(d, e_col, r_b, t_fixed)
    b = _eu4(pm, dpp, c0, s_row * (1 - prob.transpose(0, 2, 1)), q, extra_b)  # j challenges i
    valid = d > 0 if pair is None else pair & (d > 0)
    xj = np.broadcast_to(x[:, None, :], (g, n, n))

    def least_move(mask: np.ndarray, current: np.ndarray) -> np.ndarray:
        """Where i has an offer in ``mask``: the nearest offered position (ties within TIE: the lower one)."""
        key = np.where(mask, d, np.inf)
        best = key.min(2, keepdims=True)
        pos = np.where(key <= best + TIE, xj, np.inf).min(2)
        return np.where(np.isfinite(best[:, :, 0]), pos, current)

    new = x
    soft = valid & (a < 0) & (b > 0)
    if soft.any():
        total = a + b  # with a < 0 < b: |a| > b ⇔ a + b < 0 (a float sum has the exact sign)
        capitulate = soft & (total < 0)
        if capitulate.any():
            new = least_move(capitulate, new)
        compromise = soft & (total > 0)
        if compromise.any():
            # the most enforceable proposer (largest b); ties (proposers sharing a position) → least move,
            # then the lower position, so the actors' order never matters
            offered = np.where(compromise, b, -np.inf)
            top = compromise & (offered == offered.max(2, keepdims=True))
            with np.errstate(invalid="ignore", divide="ignore"):
                pos = x[:, :, None] + (xj - x[:, :, None]) * np.abs(a / b)
            key = np.where(top, np.abs(pos - x[:, :, None]), np.inf)
            best = key.min(2, keepdims=True)
            choice = np.where(top & (key == best), pos, np.inf).min(2)
            new = np.where(np.isfinite(best[:, :, 0]), choice, new)
    conflict = valid & (b > a) & (a > 0)
    if conflict.any():
        new = least_move(conflict, new)
    return new


def _run_rows(x, c, s, part, span, mid, rounds, q, t_fixed, tolerance, probability, perception):
    """Rounds for G independent rows: trajectories (G, rounds+1, n), rounds run (G,), settled (G,)."""
    g = x.shape[0]
    traj = np.repeat(x[:, None, :], rounds + 1, axis=1)
    ran = np.zeros(g, dtype=int)
    active = (part.sum(1) >= 2) & (span > 0)
    period = np.zeros(g, dtype=int)
    cur = x.copy()
    for t in range(1, rounds + 1):
        cyc = np.flatnonzero(period)
        traj[cyc, t] = traj[cyc, t - period[cyc]]
        idx = np.flatnonzero(active & (period == 0))
        if idx.size:
            new = _round(cur[idx], c[idx], s[idx], part[idx], span[idx], mid[idx], q, t_fixed, probability,
                         perception)
            moved = np.abs(new - cur[idx]).max(1)
            cur[idx] = new
            ran[idx] = t
            active[idx] = moved > tolerance * span[idx]
        rest = np.flatnonzero(period == 0)
        traj[rest, t] = cur[rest]
        live = np.flatnonzero(active & (period == 0))
        for p in range(2, min(t, MAX_PERIOD) + 1):
            same = (traj[live, t] == traj[live, t - p]).all(1)
            period[live[same]] = p
            live = live[~same]
            if not live.size:
                break
    ran[period > 0] = rounds
    return traj, ran, ~active


def run_rows(x, c, s, part, span, mid, rounds, q, t_fixed, tolerance, probability, perception,
             chunk_rows: int | None = None, threads: int = 1):
    """All rows ``(G, n)``, chunk by chunk: trajectories (G, rounds+1, n), the median and the c·s weighted mean
    position per round (G, rounds+1), rounds run (G,), settled (G,) — what the numba kernel returns."""
    g, n = x.shape
    chunk_rows = max(1, CHUNK_PAIRS // max(1, n * n)) if chunk_rows is None else int(chunk_rows)
    traj = np.empty((g, rounds + 1, n))
    ran = np.zeros(g, dtype=int)
    settled = np.zeros(g, dtype=bool)

    def work(lo: int) -> None:
        sl = slice(lo, lo + chunk_rows)
        traj[sl], ran[sl], settled[sl] = _run_rows(x[sl], c[sl], s[sl], part[sl], span[sl], mid[sl], rounds, q,
                                                   t_fixed, tolerance, probability, perception)

    starts = range(0, g, chunk_rows)
    if threads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, starts))
    else:
        for lo in starts:
            work(lo)
    w = (c * s * part)[:, None, :]
    flat = traj.reshape(-1, n)
    wr = np.broadcast_to(w, traj.shape).reshape(-1, n)
    xs, ws, _, _ = _sorted_stats(flat, wr)
    med = _median(xs, ws, np.repeat(mid, rounds + 1)).reshape(g, rounds + 1)
    total = w.sum(2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(total > 0, (traj * w).sum(2) / total, mid[:, None])
    return traj, med, mean, ran, settled
