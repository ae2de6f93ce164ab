"""Compiled (numba) rounds for the BdM expected-utility model: the same model as :mod:`stakes.models.bdm`.

Formulas, sources (Scholz, Calbert & Smith 2011, §§3–6 and the appendix) and every reading are those of the
numpy engine (module docstring of ``bdm.py``; docs/decisions/bdm.md); this module only replaces its inner
loop, ``_run_rows``, by one fused loop per (run × issue) row, rows spread over threads with ``prange``.
Per row and round, on the m actors with a stance:

* votes support_ij = Σ_k w_k max(0, |x_k − x_j| − |x_k − x_i|) in O(m²) after an O(m²) insertion sort:
  for sorted positions u_p ≤ u_q with midpoint μ, support(p over q) = 2[Σ_{u_k<μ} w_k (μ − u_k) − h_p],
  h_p = Σ_{u_k<u_p} w_k (u_p − u_k) (and the mirror image for q), all from prefix sums of w and w·u, the
  index of μ found by a pointer that only moves forward as q grows;
* risk at r = 1 in closed form, then EU/4 with two exponentials per ordered pair, offers and the tie rules
  exactly as in ``bdm._round`` (same TIE, same order of operations where rounding could matter).

Importing this module imports numba but compiles nothing: the kernel compiles on its first call (cached on
disk next to this file when that directory is writable, see ``_jit``).
"""

from __future__ import annotations

import numba as nb
import numpy as np

TIE = 1e-12  # = bdm.TIE (kept literal here: this module must not import bdm, which imports it lazily)


def _jit(**kw):
    """``njit`` with an on-disk cache when numba can find a writable cache directory, else without."""
    def wrap(fn):
        try:
            return nb.njit(cache=True, error_model="numpy", **kw)(fn)
        except RuntimeError:  # numba: "cannot cache function ...: no locator available"
            return nb.njit(cache=False, error_model="numpy", **kw)(fn)
    return wrap


@_jit()
def _support(u, w, order, wc, xc, h, gg, sup):  # pragma: no cover - compiled
    """sup[i, j] for the m actors at positions u (any origin), weights w; order, wc, xc, h, gg are scratch."""
    m = u.shape[0]
    lo = u.min()
    for k in range(m):  # stable insertion sort of the indices by position
        order[k] = k
    for k in range(1, m):
        v = order[k]
        p = k - 1
        while p >= 0 and u[order[p]] > u[v]:
            order[p + 1] = order[p]
            p -= 1
        order[p + 1] = v
    wc[0] = 0.0
    xc[0] = 0.0
    for k in range(m):
        wk = w[order[k]]
        wc[k + 1] = wc[k] + wk
        xc[k + 1] = xc[k] + wk * (u[order[k]] - lo)
    wt = wc[m]
    xt = xc[m]
    # h_p = Σ_{u_k<u_p} w_k (u_p − u_k), g_p = Σ_{u_k>u_p} w_k (u_k − u_p), both from the prefix sums at the
    # first actor of p's tie group, so actors sharing a position get bit-identical votes (the tie rules
    # compare them with ==, as the numpy engine's searchsorted does)
    first = 0
    for p in range(m):
        up = u[order[p]] - lo
        if p > 0 and up > u[order[p - 1]] - lo:
            first = p
        h[p] = up * wc[first] - xc[first]
        gg[p] = (xt - xc[first]) - up * (wt - wc[first])
    for p in range(m):
        i = order[p]
        up = u[i] - lo
        sup[i, i] = 0.0
        c = p
        for q in range(p + 1, m):
            j = order[q]
            uq = u[j] - lo
            if uq == up:
                sup[i, j] = 0.0
                sup[j, i] = 0.0
                continue
            mid = 0.5 * (up + uq)
            while c < m and u[order[c]] - lo < mid:
                c += 1
            below = mid * wc[c] - xc[c]  # Σ_{u_k<μ} w_k (μ − u_k)
            above = (xt - xc[c]) - mid * (wt - wc[c])  # Σ_{u_k≥μ} w_k (u_k − μ)
            sup[i, j] = 2.0 * (below - h[p])
            sup[j, i] = 2.0 * (above - gg[q])


@_jit()
def _round(x, s, w, span, mid, q, t_fixed, scholz, receiver, sup, prob, d, lm, lp, pm, dpp, e, r, sec,
           av, bv, order, wc, xc, new):  # pragma: no cover - compiled
    """One round on one row of m participating actors (compact arrays); writes the new positions to ``new``."""
    m = x.shape[0]
    _support(x, w, order, wc, xc, av, bv, sup)
    total = 0.0
    for i in range(m):
        for j in range(m):
            d[i, j] = min(abs(x[i] - x[j]) / span, 1.0)
            total += sup[i, j]
    den = 2.0 * total
    inv = 1.0 / den if den > 0 else 0.0
    for i in range(m):
        for j in range(m):
            if scholz:
                prob[i, j] = sup[i, j] * inv
            else:
                dd = sup[i, j] + sup[j, i]
                prob[i, j] = sup[i, j] / dd if dd > 0 else 0.0
    fixed = not np.isnan(t_fixed)
    if q != 1.0:  # the median voter position at the start of the round (lower weighted median)
        for k in range(m):
            order[k] = k
        for k in range(1, m):
            v = order[k]
            p = k - 1
            while p >= 0 and x[order[p]] > x[v]:
                order[p + 1] = order[p]
                p -= 1
            order[p + 1] = v
        wsum = 0.0
        for k in range(m):
            wsum += w[order[k]]
        med = mid
        if wsum > 0:
            cum = 0.0
            med = x[order[m - 1]]
            for k in range(m):
                cum += w[order[k]]
                if cum >= 0.5 * wsum * (1 - 1e-12):
                    med = x[order[k]]
                    break
        for k in range(m):
            e[k] = min(abs(x[k] - med) / span, 1.0)
    # risk from security at r = 1: E1[c, t] = d(1 − 2 s_t (1 − P_ct)) (Q = 1), summed over challengers c
    for t in range(m):
        sec[t] = 0.0
    for c in range(m):
        for t in range(m):
            tmp = s[t] * (1 - prob[c, t])
            if q == 1.0:
                sec[t] += d[c, t] * (1 - 2 * tmp)
            elif c != t:
                sign = 2 * t_fixed - 1 if fixed else (1.0 if e[c] < d[c, t] else -1.0)
                sec[t] += 2 * d[c, t] * (1 - 2 * tmp) - (1 - q) * (e[c] + d[c, t]) * sign
    hi = sec[:m].max()
    lo = sec[:m].min()
    for k in range(m):
        big_r = (2 * sec[k] - hi - lo) / (hi - lo) if hi > lo else 0.0
        r[k] = (1 - big_r / 3) / (1 + big_r / 3)
    for i in range(m):
        for j in range(i + 1, m):
            a = np.log(0.5 - 0.5 * d[i, j])
            b = np.log(0.5 + 0.5 * d[i, j])
            lm[i, j] = a
            lm[j, i] = a
            lp[i, j] = b
            lp[j, i] = b
    for i in range(m):
        for j in range(m):
            if j != i:
                pmv = np.exp(r[i] * lm[i, j])
                pm[i, j] = pmv
                dpp[i, j] = np.exp(r[i] * lp[i, j]) - pmv
    for i in range(m):  # i receives offers
        new[i] = x[i]
        ri = r[i]
        c0i = 0.5 ** ri
        for j in range(m):
            if j == i or not d[i, j] > 0:
                continue
            a = (q * c0i - pm[i, j]) - s[j] * (1 - prob[i, j]) * dpp[i, j]
            if receiver:
                rb = ri
                b = (q * c0i - pm[i, j]) - s[i] * (1 - prob[j, i]) * dpp[i, j]
            else:
                rb = r[j]
                b = (q * 0.5 ** rb - pm[j, i]) - s[i] * (1 - prob[j, i]) * dpp[j, i]
            if q != 1.0:
                dij = d[i, j]
                for side in range(2):
                    ech = e[i] if side == 0 else e[j]
                    rho = ri if side == 0 else rb
                    u_b = 2 - 4 * np.exp(rho * np.log(0.5 - 0.25 * (ech + dij)))
                    u_w = 2 - 4 * np.exp(rho * np.log(0.5 + 0.25 * (ech + dij)))
                    better = t_fixed if fixed else (1.0 if ech < dij else 0.0)
                    extra = better * u_b + (1 - better) * u_w
                    if side == 0:
                        a = a + (1 - q) * (2 - extra) / 4
                    else:
                        b = b + (1 - q) * (2 - extra) / 4
            av[j] = a
            bv[j] = b
        # classes (Scholz §6): conflict lost b > a > 0; with a < 0 < b compromise if a + b > 0, else capitulation
        best_conf = np.inf
        best_cap = np.inf
        top = -np.inf
        for j in range(m):
            if j == i or not d[i, j] > 0:
                continue
            a = av[j]
            b = bv[j]
            if b > a and a > 0:
                best_conf = min(best_conf, d[i, j])
            elif a < 0 and b > 0:
                if a + b < 0:
                    best_cap = min(best_cap, d[i, j])
                elif a + b > 0:
                    top = max(top, b)
        if best_conf < np.inf or (top == -np.inf and best_cap < np.inf):
            conflict = best_conf < np.inf
            best = best_conf if conflict else best_cap
            pos = np.inf
            for j in range(m):
                if j == i or not d[i, j] > 0 or not d[i, j] <= best + TIE:
                    continue
                a = av[j]
                b = bv[j]
                ok = (b > a and a > 0) if conflict else (a < 0 and b > 0 and a + b < 0)
                if ok:
                    pos = min(pos, x[j])
            new[i] = pos
        elif top > -np.inf:  # the most enforceable compromise; ties: least move, then the lower position
            key = np.inf
            choice = np.inf
            for j in range(m):
                if j == i or not d[i, j] > 0:
                    continue
                a = av[j]
                b = bv[j]
                if a < 0 and b > 0 and a + b > 0 and b == top:
                    p = x[i] + (x[j] - x[i]) * abs(a / b)
                    kk = abs(p - x[i])
                    if kk < key:
                        key = kk
                        choice = p
                    elif kk == key:
                        choice = min(choice, p)
            new[i] = choice


@_jit(parallel=True)
def run_rows(x, c, s, part, span, mid, rounds, q, t_fixed, tolerance, scholz, receiver,
             block):  # pragma: no cover - compiled
    """Rounds for G independent rows: trajectories (G, rounds+1, n), rounds run (G,), settled (G,).

    ``t_fixed`` is NaN for "T derived per pair"; rows are handed to threads ``block`` at a time.
    """
    g, n = x.shape
    traj = np.empty((g, rounds + 1, n))
    ran = np.zeros(g, dtype=np.int64)
    settled = np.zeros(g, dtype=np.bool_)
    nblocks = (g + block - 1) // block
    for bk in nb.prange(nblocks):
        sup = np.empty((n, n))
        prob = np.empty((n, n))
        d = np.empty((n, n))
        lm = np.empty((n, n))
        lp = np.empty((n, n))
        pm = np.empty((n, n))
        dpp = np.empty((n, n))
        vec = np.empty((11, n + 1))
        order = np.empty(n, dtype=np.int64)
        idx = np.empty(n, dtype=np.int64)
        for row in range(bk * block, min(g, (bk + 1) * block)):
            m = 0
            for k in range(n):
                traj[row, 0, k] = x[row, k]
                if part[row, k]:
                    idx[m] = k
                    m += 1
            xs, ss, ws, e, r, sec = vec[0, :m], vec[1, :m], vec[2, :m], vec[3, :m], vec[4, :m], vec[5, :m]
            av, bv, new, xc = vec[6, :m], vec[7, :m], vec[8, :m], vec[9, : m + 1]
            wc = vec[10, : m + 1]
            for k in range(m):
                xs[k] = x[row, idx[k]]
                ss[k] = s[row, idx[k]]
                ws[k] = c[row, idx[k]] * s[row, idx[k]]
            active = m >= 2 and span[row] > 0
            for t in range(1, rounds + 1):
                if active:
                    _round(xs, ss, ws, span[row], mid[row], q, t_fixed, scholz, receiver, sup[:m, :m],
                           prob[:m, :m], d[:m, :m], lm[:m, :m], lp[:m, :m], pm[:m, :m], dpp[:m, :m], e, r, sec,
                           av, bv, order[:m], wc, xc, new)
                    moved = 0.0
                    for k in range(m):
                        moved = max(moved, abs(new[k] - xs[k]))
                        xs[k] = new[k]
                    ran[row] = t
                    active = moved > tolerance * span[row]
                for k in range(n):
                    traj[row, t, k] = traj[row, t - 1, k]
                for k in range(m):
                    traj[row, t, idx[k]] = xs[k]
            settled[row] = not active
    return traj, ran, settled
