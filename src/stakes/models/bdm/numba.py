"""Compiled (numba) rounds for the BdM expected-utility model: the same model as :mod:`stakes.models.bdm`.

Formulas, sources (Scholz, Calbert & Smith 2011, §§3–6 and the appendix) and every reading are those of the
numpy engine (module docstring of ``bdm/__init__.py``; docs/decisions/bdm.md); this replaces its inner
loop, ``_run_rows``, by one fused loop per (run × issue) row, rows spread over threads with ``prange``.
Per row and round, on the m actors with a stance:

* votes support_ij = Σ_k w_k max(0, |x_k − x_j| − |x_k − x_i|) in O(m²) after an O(m²) insertion sort:
  for sorted positions u_p ≤ u_q with midpoint μ, support(p over q) = 2[Σ_{u_k<μ} w_k (μ − u_k) − h_p],
  h_p = Σ_{u_k<u_p} w_k (u_p − u_k) (and the mirror image for q), all from prefix sums of w and w·u, the
  index of μ found by a pointer that only moves forward as q grows;
* risk at r = 1 in closed form, then EU/4 with two exponentials per ordered pair, offers and the tie rules
  exactly as in ``bdm.numpy._round`` (same TIE, same order of operations where rounding could matter).

Importing this module imports numba but compiles nothing: the kernel compiles on its first call (cached on
disk next to this file when that directory is writable, see ``_jit``).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..jit import cached_njit

TIE = 1e-12  # = bdm.numpy.TIE (kept literal: the compiled kernel does not depend on the numpy engine)
MAX_PERIOD = 16  # = bdm.numpy.MAX_PERIOD


_jit = cached_njit


@_jit()
def _support(u, w, order, us, wc, xc, h, gg, sup):  # pragma: no cover - compiled
    """sup[i, j] for the m actors at positions u (any origin), weights w; order, us, wc, xc, h, gg: scratch."""
    m = u.shape[0]
    _sort(u, order)
    lo = u[order[0]]
    wc[0] = 0.0
    xc[0] = 0.0
    for k in range(m):  # sorted positions from the lowest (≥ 0: the prefix sums grow), prefix sums of w, w·u
        wk = w[order[k]]
        us[k] = u[order[k]] - lo
        wc[k + 1] = wc[k] + wk
        xc[k + 1] = xc[k] + wk * us[k]
    us[m] = np.inf  # sentinel for the pointer below
    wt = wc[m]
    xt = xc[m]
    # h_p = Σ_{u_k<u_p} w_k (u_p − u_k), g_p = Σ_{u_k>u_p} w_k (u_k − u_p), both from the prefix sums at the
    # first actor of p's tie group, so actors sharing a position get bit-identical votes (the tie rules
    # compare them with ==, as the numpy engine's searchsorted does)
    first = 0
    for p in range(m):
        if p > 0 and us[p] > us[p - 1]:
            first = p
        h[p] = us[p] * wc[first] - xc[first]
        gg[p] = (xt - xc[first]) - us[p] * (wt - wc[first])
    for p in range(m):
        i = order[p]
        up = us[p]
        sup[i, i] = 0.0
        c = p
        for q in range(p + 1, m):
            j = order[q]
            uq = us[q]
            if uq == up:
                sup[i, j] = 0.0
                sup[j, i] = 0.0
                continue
            mid = 0.5 * (up + uq)
            while us[c] < mid:
                c += 1
            below = mid * wc[c] - xc[c]  # Σ_{u_k<μ} w_k (μ − u_k)
            above = (xt - xc[c]) - mid * (wt - wc[c])  # Σ_{u_k≥μ} w_k (u_k − μ)
            sup[i, j] = 2.0 * (below - h[p])
            sup[j, i] = 2.0 * (above - gg[q])


@_jit()
def _sort(x, order):  # pragma: no cover - compiled
    """Insertion sort of the permutation ``order`` by x, starting from its current state (the last round's
    order, so the work is the number of actors that changed places; equal positions keep that order)."""
    m = x.shape[0]
    for k in range(1, m):
        v = order[k]
        p = k - 1
        while p >= 0 and x[order[p]] > x[v]:
            order[p + 1] = order[p]
            p -= 1
        order[p + 1] = v


@_jit()
def _median(x, w, order, fallback):  # pragma: no cover - compiled
    """The lower weighted median (as ``bdm.numpy._median``: the first sorted position reaching half the weight)."""
    m = x.shape[0]
    _sort(x, order)
    total = 0.0
    for k in range(m):
        total += w[order[k]]
    if not total > 0:
        return fallback
    cum = 0.0
    for k in range(m):
        cum += w[order[k]]
        if cum >= 0.5 * total * (1 - 1e-12):
            return x[order[k]]
    return x[order[m - 1]]


@_jit()
def _classify(a, b):  # pragma: no cover - compiled
    """Scholz §6 as i sees it: 1 conflict lost (b > a > 0), 2 compromise (a < 0 < b, |a| < b), 3 capitulation."""
    if b > a and a > 0:
        return 1
    if a < 0 and b > 0:
        if a + b < 0:
            return 3
        if a + b > 0:
            return 2
    return 0


@_jit()
def _risk(x, s, w, span, mid, q, t_fixed, scholz, sup, prob, d, e, r, sec, order, us, wc, xc, h,
          gg):  # pragma: no cover - compiled
    """Votes, probabilities, distances, (Q < 1) distances to the median, and the risk exponents r."""
    m = x.shape[0]
    _support(x, w, order, us, wc, xc, h, gg, sup)
    for i in range(m):
        for j in range(m):
            d[i, j] = min(abs(x[i] - x[j]) / span, 1.0)
    for j in range(m):  # Σ sup by columns first: independent sums the compiler can vectorise
        sec[j] = 0.0
    for i in range(m):
        for j in range(m):
            sec[j] += sup[i, j]
    total = 0.0
    for j in range(m):
        total += sec[j]
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
    if q != 1.0:  # distances to the median voter position at the start of the round
        med = _median(x, w, order, mid)
        for k in range(m):
            e[k] = min(abs(x[k] - med) / span, 1.0)
    # security at r = 1: E1[c, t] = d(1 − 2 s_t (1 − P_ct)) (Q = 1, the factor 2 dropped), summed over c
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
    hi = sec.max()
    lo = sec.min()
    for k in range(m):
        big_r = (2 * sec[k] - hi - lo) / (hi - lo) if hi > lo else 0.0
        r[k] = (1 - big_r / 3) / (1 + big_r / 3)


@_jit()
def _offers_general(x, s, q, t_fixed, receiver, prob, d, e, r, av, bv, cls):  # pragma: no cover - compiled
    """a = EU_ij/4, b = EU_ji/4 as i sees them (``bdm.numpy._eu4``, ``_better_worse``) for every ordered pair."""
    m = x.shape[0]
    fixed = not np.isnan(t_fixed)
    for i in range(m):
        for j in range(m):
            cls[i, j] = 0
            if j == i or not d[i, j] > 0:
                continue
            dij = d[i, j]
            lm = np.log(0.5 - 0.5 * dij)
            lp = np.log(0.5 + 0.5 * dij)
            rb = r[i] if receiver else r[j]
            pm = np.exp(r[i] * lm)
            a = (q * 0.5 ** r[i] - pm) - s[j] * (1 - prob[i, j]) * (np.exp(r[i] * lp) - pm)
            pm = np.exp(rb * lm)
            b = (q * 0.5 ** rb - pm) - s[i] * (1 - prob[j, i]) * (np.exp(rb * lp) - pm)
            if q != 1.0:
                for side in range(2):
                    ech = e[i] if side == 0 else e[j]
                    rho = r[i] if side == 0 else rb
                    u_b = 2 - 4 * np.exp(rho * np.log(0.5 - 0.25 * (ech + dij)))
                    u_w = 2 - 4 * np.exp(rho * np.log(0.5 + 0.25 * (ech + dij)))
                    better = t_fixed if fixed else (1.0 if ech < dij else 0.0)
                    extra = better * u_b + (1 - better) * u_w
                    if side == 0:
                        a = a + (1 - q) * (2 - extra) / 4
                    else:
                        b = b + (1 - q) * (2 - extra) / 4
            av[i, j] = a
            bv[i, j] = b
            cls[i, j] = _classify(a, b)


@_jit()
def _offers_fast(x, s, prob, d, r, av, bv, cls, todo, alpha, beta, sure_d):  # pragma: no cover - compiled
    """The same classes for Q = 1 and the receiver's r, skipping exponentials whose result is already known.

    With A = ½^r − pm, D = pp − pm > 0, α = s_j(1 − P_ij), β = s_i(1 − P_ji): a = A − αD, b = A − βD, so
    b − a = (α − β)D and i can only get an offer from j when α > β (one direction of each pair). With
    f = A/D, which lies between ½ and 2^−r for d ∈ (0, 1], r > 0: β ≥ max(½, 2^−r) means b < 0 (no offer),
    α ≤ min(½, 2^−r) (and α > β) means a conflict. Both only with margins far above rounding (d ≥ 1e-4,
    1e-9 on f). A receiver with a sure conflict ignores every offer farther than its nearest one, so only
    nearer pairs are resolved; the rest get a and b exactly as the general path computes them.
    """
    m = x.shape[0]
    for k in range(m):
        for o in range(m):
            alpha[k, o] = s[o] * (1 - prob[k, o])  # α for receiver k, proposer o (β is α transposed)
    for k in range(m):
        for o in range(m):
            beta[k, o] = alpha[o, k]
    for k in range(m):  # receiver k, proposer o
        c0 = 0.5 ** r[k]
        lo = min(0.5, c0) - 1e-9
        hi = max(0.5, c0) + 1e-9
        for o in range(m):  # pass 1, without branches (vectorised): 1 sure conflict, 0 no offer, -1 to resolve
            dko = d[k, o]
            ak = alpha[k, o]
            bk = beta[k, o]
            cand = int(dko > 0) * int(ak > bk - 1e-12)
            big = int(dko >= 1e-4)
            no = big * int(bk >= hi)
            sure = big * int(ak <= lo) * int(ak > bk + 1e-12) * (1 - no)
            cls[k, o] = cand * sure - cand * (1 - no) * (1 - sure)
            sure_d[o] = dko if cand * sure else np.inf
        best = np.inf
        nt = 0
        for o in range(m):
            best = min(best, sure_d[o])
            todo[nt] = o
            nt += int(cls[k, o] == -1)
        for t in range(nt):  # pass 2: resolve what can still matter
            o = todo[t]
            dko = d[k, o]
            if dko > best + TIE:  # farther than a sure conflict: never chosen
                cls[k, o] = 0
                continue
            ak = alpha[k, o]
            bk = beta[k, o]
            pm = np.exp(r[k] * np.log(0.5 - 0.5 * dko))
            dpp = np.exp(r[k] * np.log(0.5 + 0.5 * dko)) - pm
            a = (c0 - pm) - ak * dpp
            b = (c0 - pm) - bk * dpp
            av[k, o] = a
            bv[k, o] = b
            cls[k, o] = _classify(a, b)


@_jit()
def _choose(x, d, av, bv, cls, new):  # pragma: no cover - compiled
    """Each i takes a lost conflict (least move), else the most enforceable compromise, else a capitulation.

    Ties as ``bdm.numpy._round``: offers within TIE of the least move → the lower position; equally enforceable
    compromises → least move, then the lower position.
    """
    m = x.shape[0]
    for i in range(m):
        new[i] = x[i]
        best_conf = np.inf
        best_cap = np.inf
        top = -np.inf
        for j in range(m):  # written without branches (selects): the classes are unpredictable
            code = cls[i, j]
            dij = d[i, j]
            best_conf = min(best_conf, dij if code == 1 else np.inf)
            best_cap = min(best_cap, dij if code == 3 else np.inf)
            top = max(top, bv[i, j] if code == 2 else -np.inf)
        if best_conf < np.inf or (top == -np.inf and best_cap < np.inf):
            want = 1 if best_conf < np.inf else 3
            best = best_conf if want == 1 else best_cap
            pos = np.inf
            for j in range(m):
                if cls[i, j] == want and d[i, j] <= best + TIE:
                    pos = min(pos, x[j])
            new[i] = pos
        elif top > -np.inf:
            key = np.inf
            choice = np.inf
            for j in range(m):
                if cls[i, j] == 2 and bv[i, j] == top:
                    p = x[i] + (x[j] - x[i]) * abs(av[i, j] / bv[i, j])
                    kk = abs(p - x[i])
                    if kk < key:
                        key = kk
                        choice = p
                    elif kk == key:
                        choice = min(choice, p)
            new[i] = choice


@_jit()
def _period(traj, row, t, idx, xs, m):  # pragma: no cover - compiled
    """p in 2..MAX_PERIOD when the positions after round t equal (bit for bit) those after round t − p, else 0."""
    for p in range(2, min(t, MAX_PERIOD) + 1):
        k = 0
        while k < m and xs[k] == traj[row, t - p, idx[k]]:
            k += 1
        if k == m:
            return p
    return 0


@_jit(parallel=True)
def run_rows(x, c, s, part, span, mid, rounds, q, t_fixed, tolerance, scholz, receiver,
             block):  # pragma: no cover - compiled
    """Rounds for G independent rows (issue × run) of n actors.

    Returns trajectories (G, rounds+1, n), the median and the c·s weighted mean per round (G, rounds+1),
    rounds run (G,) and settled (G,). ``t_fixed`` is NaN for "T derived per pair"; rows go to threads
    ``block`` at a time. Only actors with ``part`` take part; the others keep their positions.
    """
    g, n = x.shape
    traj = np.empty((g, rounds + 1, n))
    med = np.empty((g, rounds + 1))
    mean = np.empty((g, rounds + 1))
    ran = np.zeros(g, dtype=np.int64)
    settled = np.zeros(g, dtype=np.bool_)
    nblocks = (g + block - 1) // block
    for bk in nb.prange(nblocks):
        idx = np.empty(n, dtype=np.int64)
        for row in range(bk * block, min(g, (bk + 1) * block)):
            m = 0
            for k in range(n):
                traj[row, 0, k] = x[row, k]
                if part[row, k]:
                    idx[m] = k
                    m += 1
            # scratch sized to the m participants, allocated per row so that every array is contiguous
            # (slices of larger buffers compile to slower strided code)
            mats = np.empty((7, m, m))
            sup, prob, d, av, bv = mats[0], mats[1], mats[2], mats[3], mats[4]
            cl = np.empty((m, m), dtype=np.int8)
            vec = np.empty((9, m))
            xs, ss, ws, e, r, sec, h, gg, new = vec[0], vec[1], vec[2], vec[3], vec[4], vec[5], vec[6], vec[7], vec[8]
            wc = np.empty(m + 1)
            xc = np.empty(m + 1)
            us = np.empty(m + 1)
            od = np.arange(m)
            todo = np.empty(m, dtype=np.int64)
            wsum = 0.0
            for k in range(m):
                xs[k] = x[row, idx[k]]
                ss[k] = s[row, idx[k]]
                ws[k] = c[row, idx[k]] * s[row, idx[k]]
                wsum += ws[k]
            active = m >= 2 and span[row] > 0
            period = 0
            for t in range(rounds + 1):
                if period > 0:  # the positions repeat: round t is round t − period (the round is a function of them)
                    traj[row, t, :] = traj[row, t - period, :]
                    med[row, t], mean[row, t] = med[row, t - period], mean[row, t - period]
                    continue
                if t > 0:
                    if active:
                        _risk(xs, ss, ws, span[row], mid[row], q, t_fixed, scholz, sup, prob, d, e, r, sec, od,
                              us, wc, xc, h, gg)
                        if receiver and q == 1.0:
                            _offers_fast(xs, ss, prob, d, r, av, bv, cl, todo, mats[5], mats[6], e)
                        else:
                            _offers_general(xs, ss, q, t_fixed, receiver, prob, d, e, r, av, bv, cl)
                        _choose(xs, d, av, bv, cl, new)
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
                    if active:
                        period = _period(traj, row, t, idx, xs, m)
                med[row, t] = _median(xs, ws, od, mid[row])
                tot = 0.0
                for k in range(m):
                    tot += ws[k] * xs[k]
                mean[row, t] = tot / wsum if wsum > 0 else mid[row]
            ran[row] = rounds if period > 0 else ran[row]  # a cycle's copied rounds count as run
            settled[row] = not active
    return traj, med, mean, ran, settled
