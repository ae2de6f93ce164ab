"""Compiled (numba) building blocks of the SMP engine :mod:`stakes.models.smp.numba`: numpy's pairwise sum,
KTAB's elementwise rules, the PCE of one option set, challenges and bargain interpolation.

Each mirrors its numpy counterpart in ``smp/kernels.py`` / ``smp/numpy.py`` operation for operation (formulas and
sources: ``smp/__init__.py``). Sums in the Markov PCEs and in the underflow fallback of the conditional PCE run
left to right, where numpy's einsum may order them otherwise (a difference in the last bit at most).
Importing this module imports numba but compiles nothing.
"""

from __future__ import annotations

import math

import numpy as np

from ..jit import cached_njit
from .kernels import MIN_BARGAIN_WEIGHT as MIN_BARGAIN
from .kernels import MIN_CHALLENGE_COALITION as MIN_CHALLENGE

# option codes = index in the option tuples of smp/kernels.py (VOTING_RULES, VICTORY_MODELS, ...)
R_BINARY, R_PROP_BIN, R_PROP, R_PROP_CUBIC, R_CUBIC, R_ASYM = range(6)
V_LINEAR, V_SQUARE, V_QUARTIC, V_OCTIC, V_BINARY = range(5)
P_COND, P_INCENTIVE, P_UNIFORM = range(3)
C_NONE, C_SEMI, C_FULL = range(3)


jit = cached_njit


@jit()
def psum(a, n):  # pragma: no cover - compiled
    """a[0] + … + a[n-1] in numpy's pairwise order (its sum over a contiguous last axis): 8 accumulators in
    blocks of up to 128, halves (at multiples of 8) above; left to right below 8."""
    if n < 8:
        res = 0.0
        for k in range(n):
            res += a[k]
        return res
    if n <= 128:
        r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
        k = 8
        while k < n - n % 8:
            r0 += a[k]
            r1 += a[k + 1]
            r2 += a[k + 2]
            r3 += a[k + 3]
            r4 += a[k + 4]
            r5 += a[k + 5]
            r6 += a[k + 6]
            r7 += a[k + 7]
            k += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while k < n:
            res += a[k]
            k += 1
        return res
    half = n // 2
    half -= half % 8
    return psum(a[:half], half) + psum(a[half:], n - half)


@jit()
def vote(rule, w, du):  # pragma: no cover - compiled
    """Model::vote (kernels.vote)."""
    if rule == R_PROP:
        return w * du
    if rule == R_BINARY:
        return w * min(max(du / 1e-8, -1.0), 1.0)
    if rule == R_PROP_BIN:
        return w * (0.8 * du + 0.2 * min(max(du / 1e-8, -1.0), 1.0))
    if rule == R_PROP_CUBIC:
        return w * (0.5 * du + 0.5 * math.pow(du, 3.0))
    if rule == R_CUBIC:
        return w * math.pow(du, 3.0)
    if du < 0:
        return w * du
    if du > 0:
        return 2.0 * w * du / 3.0
    return 0.0


@jit()
def victory(model, c1, c2):  # pragma: no cover - compiled
    """Model::vProb (kernels.victory)."""
    if model == V_LINEAR:
        return c1 / (c1 + c2)
    if model == V_BINARY:
        r12 = c1 / (c1 + c2)
        mid = (r12 * (1.10 + 1.0) - 1.0) / (1.10 - 1.0)
        x1 = 1.0 if c1 >= 1.10 * c2 else (1e-6 if c2 >= 1.10 * c1 else mid)
        x2 = 1e-6 if c1 >= 1.10 * c2 else (1.0 if c2 >= 1.10 * c1 else 1.0 - mid)
        return x1 / (x1 + x2)
    if model == V_SQUARE:
        x1, x2 = c1 * c1, c2 * c2
    else:
        power = 4.0 if model == V_QUARTIC else 8.0
        x1, x2 = math.pow(c1, power), math.pow(c2, power)
    return x1 / (x1 + x2)


@jit()
def util(d, r):  # pragma: no cover - compiled
    """SMPModel::bsUtil (kernels.bs_util)."""
    return (1 - d) * (1 + d * r) if d <= 1 else (1 - d) * (1 + r)


@jit()
def dist(x, s, den, a, p, buf):  # pragma: no cover - compiled
    """SMPModel::bvDiff (kernels.wdist): distance of point ``p`` from actor a's ideal."""
    d = p.shape[0]
    if d < 8:  # = psum, without the call
        num = 0.0
        for k in range(d):
            diff = (x[a, k] - p[k]) * s[a, k]
            num += diff * diff
    else:
        for k in range(d):
            diff = (x[a, k] - p[k]) * s[a, k]
            buf[k] = diff * diff
        num = psum(buf, d)
    return math.sqrt(num / den[a]) if den[a] > 0 else 0.0


@jit()
def dist_all(x, s, den, p, out, buf):  # pragma: no cover - compiled
    """out[a] = :func:`dist` of point ``p`` from every actor a's ideal (a loop over actors, vectorised)."""
    n, d = x.shape
    if d >= 8:
        for a in range(n):
            out[a] = dist(x, s, den, a, p, buf)
        return
    out[:] = 0.0
    for k in range(d):  # left to right from 0 (= psum below 8 terms)
        pk = p[k]
        for a in range(n):
            diff = (x[a, k] - pk) * s[a, k]
            out[a] += diff * diff
    for a in range(n):
        out[a] = math.sqrt(out[a] / den[a]) if den[a] > 0 else 0.0


@jit()
def pce(cm, pv, size, opts, model, vic, p, row, tmp):  # pragma: no cover - compiled
    """Probability ``p[:size]`` of each option of one set winning; ``cm`` its coalitions (local indices in the
    order of ``opts``, the options' global indices), ``row`` a zeroed buffer as long as all options."""
    for a in range(size):
        for b in range(size):
            pv[a, b] = 0.5 if a == b else victory(vic, cm[a, b], cm[b, a])
    if model == P_COND:  # Model::condPCE: Π_j p_ij left to right
        for a in range(size):
            prod = pv[a, 0]
            for b in range(1, size):
                prod *= pv[a, b]
            p[a] = prod
            row[opts[a]] = prod
        total = psum(row, row.shape[0])
        for a in range(size):
            row[opts[a]] = 0.0
        if total > 0:
            for a in range(size):
                p[a] /= total
            return
        top = -np.inf  # underflow: the same ratios, in logs
        for a in range(size):
            lg = 0.0
            for b in range(size):
                lg += math.log(pv[a, b])
            tmp[a] = lg
            top = max(top, lg)
        for a in range(size):
            row[opts[a]] = math.exp(tmp[a] - top)
        total = psum(row, row.shape[0])
        for a in range(size):
            p[a] = row[opts[a]] / total
            row[opts[a]] = 0.0
        return
    for a in range(size):
        p[a] = 1.0 / size
    inc = np.empty((size, size))
    if model == P_INCENTIVE:  # Model::markovIncentivePCE: inc = c·pv, challenge shares chlg = inc / column sums
        for a in range(size):
            for b in range(size):
                inc[a, b] = cm[a, b] * pv[a, b] + (1e-10 if a == b else 0.0)
        for b in range(size):
            col = 0.0
            for a in range(size):
                col += inc[a, b]
            tmp[b] = col if col > 0 else 1.0
        for a in range(size):
            for b in range(size):
                inc[a, b] /= tmp[b]
    tol = 1e-8 if model == P_INCENTIVE else 1e-6
    for _ in range(1000):
        change = 0.0
        for a in range(size):
            acc = 0.0
            if model == P_UNIFORM:  # q_a = Σ_b pv(a,b) (p_a + p_b) / size
                rowsum = 0.0
                for b in range(size):
                    rowsum += pv[a, b]
                    acc += pv[a, b] * p[b]
                q = (p[a] * rowsum + acc) / size
            else:  # q_a = Σ_b pv(a,b) (p_a chlg(b,a) + p_b chlg(a,b))
                for b in range(size):
                    acc += pv[a, b] * (p[a] * inc[b, a] + p[b] * inc[a, b])
                q = acc
            tmp[a] = q
            change = max(change, abs(q - p[a]))
        for a in range(size):
            p[a] = (p[a] + tmp[a]) / 2
        if change <= tol:
            return


@jit()
def vote_vec(rule, w, du, out, n):  # pragma: no cover - compiled
    """out[k] = vote(rule, w, du[k]) for k < n: one branch on the rule, then a loop the compiler vectorises."""
    if rule == R_PROP:
        for k in range(n):
            out[k] = w * du[k]
    else:
        for k in range(n):
            out[k] = vote(rule, w, du[k])


@jit()
def _third_terms(commit, uti, utj, utt):  # pragma: no cover - compiled
    """Actor::thirdPartyVoteSU's utilities (a, b, c, d) of a third party t (numpy.challenge)."""
    if commit == C_FULL:
        return 3 * uti, 3 * utj, 3 * uti, 3 * utj
    if commit == C_SEMI:
        return 2 * uti + utt, 3 * utj, 3 * uti, 2 * utj + utt
    return 2 * uti + utt, 2 * utj + utt, 2 * uti + utt, 2 * utj + utt


@jit()
def chlg_one(u, ws, i, j, rule, commit, third):  # pragma: no cover - compiled
    """SMPState::probEduChlg (numpy.challenge) for initiator i and target j through utility matrix ``u``: the
    coalitions (c_ij, c_ji) after i's and j's votes (``third`` False), or after every third party's too."""
    con_i = vote(rule, ws[i], u[i, i] - u[i, j])
    con_j = vote(rule, ws[j], u[j, i] - u[j, j])
    b_ij = MIN_CHALLENGE + max(con_i, 0.0) + max(con_j, 0.0)
    b_ji = MIN_CHALLENGE + max(-con_i, 0.0) + max(-con_j, 0.0)
    if not third:
        return b_ij, b_ji
    c_ij, c_ji = b_ij, b_ji
    for t in range(u.shape[0]):
        if t != i and t != j:
            uti, utj = u[t, i], u[t, j]
            con = vote(rule, ws[t], uti - utj)  # Actor::vProbLittle
            cni = max(con, 0.0) + b_ij
            cnj = max(-con, 0.0) + b_ji
            pin = cni / (cni + cnj)
            pjn = 1.0 - pin
            a, b, c, d = _third_terms(commit, uti, utj, u[t, t])
            v = vote(rule, ws[t], (pin * a + b * pjn) - (pin * c + d * pjn))
            pos = max(v, 0.0)
            c_ij += pos
            c_ji += pos - v
    return c_ij, c_ji


@jit()
def challenges(u, ws, i, rule, commit, c_ij, c_ji, work):  # pragma: no cover - compiled
    """:func:`chlg_one` for initiator i against every target j at once (numpy.challenge; ``work`` (6, n)):
    coalitions into c_ij, c_ji. Third parties t in order (t = i, t = j vote 0), each in a few loops over j
    that the compiler vectorises."""
    n = u.shape[0]
    b_ij, b_ji, con, du, bb, dd = work[0], work[1], work[2], work[3], work[4], work[5]
    for j in range(n):
        b_ij[j], b_ji[j] = chlg_one(u, ws, i, j, rule, commit, False)
        c_ij[j], c_ji[j] = b_ij[j], b_ji[j]
    for t in range(n):
        if t == i:
            continue
        row = u[t]
        uti, utt, wt = row[i], row[t], ws[t]
        a, _, c, _ = _third_terms(commit, uti, 0.0, utt)
        if rule == R_PROP:  # the default rule: one fused loop
            b3, d3 = commit != C_NONE, commit == C_FULL
            for j in range(n):
                utj = row[j]
                cv = wt * (uti - utj)
                cni = (cv if cv > 0.0 else 0.0) + b_ij[j]
                cnj = (-cv if cv < 0.0 else 0.0) + b_ji[j]
                pin = cni / (cni + cnj)
                pjn = 1.0 - pin
                bt = 3 * utj if b3 else 2 * utj + utt
                dt = 3 * utj if d3 else 2 * utj + utt
                v = wt * ((pin * a + bt * pjn) - (pin * c + dt * pjn))
                v = 0.0 if j == t else v
                pos = v if v > 0.0 else 0.0
                c_ij[j] += pos
                c_ji[j] += pos - v
            continue
        for j in range(n):
            du[j] = uti - row[j]
        vote_vec(rule, wt, du, con, n)
        for j in range(n):
            _, bb[j], _, dd[j] = _third_terms(commit, uti, row[j], utt)
        for j in range(n):
            cv = con[j]
            cni = (cv if cv > 0.0 else 0.0) + b_ij[j]
            cnj = (-cv if cv < 0.0 else 0.0) + b_ji[j]
            pin = cni / (cni + cnj)
            pjn = 1.0 - pin
            du[j] = (pin * a + bb[j] * pjn) - (pin * c + dd[j] * pjn)
        vote_vec(rule, wt, du, con, n)
        con[t] = 0.0
        for j in range(n):
            v = con[j]
            pos = v if v > 0.0 else 0.0
            c_ij[j] += pos
            c_ji[j] += pos - v


@jit()
def interp(x, s, i, j, pi, kind, bi, bj):  # pragma: no cover - compiled
    """SMPActor::interpolateBrgn (numpy.interpolate): the bargain's positions for i (``bi``) and j (``bj``)."""
    pj = 1 - pi
    for k in range(x.shape[1]):
        ti, si, tj, sj = x[i, k], s[i, k], x[j, k], s[j, k]
        if kind == 2:  # S2PMax
            di, dj = max(pj - pi, 0.0), max(pi - pj, 0.0)
            si2, sj2 = si * si, sj * sj
            dik = di * sj2 / (di * sj2 + MIN_BARGAIN + (1 - di) * si2)
            djk = dj * si2 / (dj * si2 + MIN_BARGAIN + (1 - dj) * sj2)
            bi[k] = ti + dik * (tj - ti)
            bj[k] = tj + djk * (ti - tj)
            continue
        if kind == 0:  # S1P1
            wi, wj = si * pi, sj * pj
        else:
            wi, wj = (si * si) * (pi * pi), (sj * sj) * (pj * pj)
        den = wi + MIN_BARGAIN + wj
        bi[k] = np.trunc(0.5 + ((wi + MIN_BARGAIN) * ti + wj * tj) / den * 10000.0) / 10000.0
        bj[k] = np.trunc(0.5 + (wi * ti + (MIN_BARGAIN + wj) * tj) / den * 10000.0) / 10000.0
