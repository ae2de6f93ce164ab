"""KTAB's Spatial Model of Politics — the plain per-run reference (formulas and sources: ``smp/__init__.py``).

One run, Python loops over actors in the order of KTAB's C++ (SMPState::setAllAUtil, probEduChlg,
bestChallenge, interpolateBrgn, updateBestBrgnPositions, smpStopFn). Slow; tests compare the batched
implementation (``smp/numpy.py``) against it. The elementwise rules (vote, victory, bsUtil, ...) are shared.
"""

from __future__ import annotations

import math

import numpy as np

from .kernels import (
    MIN_BARGAIN_WEIGHT,
    MIN_CHALLENGE_COALITION,
    MIN_COALITION,
    MIN_SIG_EDU,
    SMPOptions,
    big_r,
    bs_util,
    est_risk,
    round4,
    victory,
    vote,
)

Vec = list[float]


def _v(rule: str, w: float, du: float) -> float:
    return float(vote(rule, w, np.float64(du)))


def _dist(ideal: Vec, pos: Vec, sal: Vec) -> float:
    num = sum((s * (a - b)) ** 2 for a, b, s in zip(ideal, pos, sal, strict=True))
    den = sum(s * s for s in sal)
    return math.sqrt(num / den) if den > 0 else 0.0


def _util(d: float, r: float) -> float:
    return float(bs_util(np.float64(d), r))


def _pce(util: list[Vec], w: Vec, opt: SMPOptions) -> Vec:
    """Model::scalarPCE over the options in the columns of ``util`` (rows: voters)."""
    m = len(util[0])
    c = [[MIN_COALITION] * m for _ in range(m)]
    for i in range(m):
        for j in range(i):
            cij = cji = MIN_COALITION
            for k, row in enumerate(util):
                v = _v(opt.voting_rule, w[k], row[i] - row[j])
                cij += max(v, 0.0)
                cji += max(-v, 0.0)
            c[i][j], c[j][i] = cij, cji
    pv = [[0.5 if i == j else float(victory(opt.victory_model, np.float64(c[i][j]), np.float64(c[j][i])))
           for j in range(m)] for i in range(m)]
    if opt.pce_model == "conditional":
        prod = [math.prod(row) for row in pv]
        if sum(prod) > 0:
            return [p / sum(prod) for p in prod]
        logs = [sum(math.log(v) for v in row) for row in pv]
        top = max(logs)
        ex = [math.exp(v - top) for v in logs]
        return [e / sum(ex) for e in ex]
    p = [1.0 / m] * m
    if opt.pce_model == "markov-uniform":  # Model::markovUniformPCE
        for _ in range(1000):
            q = [sum(pv[i][j] * (p[i] + p[j]) for j in range(m)) / m for i in range(m)]
            change = max(abs(a - b) for a, b in zip(q, p, strict=True))
            p = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
            if change <= 1e-6:
                break
        return p
    inc = [[c[i][j] * pv[i][j] + (1e-10 if i == j else 0.0) for j in range(m)] for i in range(m)]
    col = [sum(inc[k][j] for k in range(m)) for j in range(m)]
    chlg = [[inc[i][j] / col[j] for j in range(m)] for i in range(m)]
    for _ in range(1000):  # Model::markovIncentivePCE
        ct = [[p[i] * chlg[j][i] for j in range(m)] for i in range(m)]
        q = [sum(pv[i][j] * (ct[i][j] + ct[j][i]) for j in range(m)) for i in range(m)]
        change = max(abs(a - b) for a, b in zip(q, p, strict=True))
        p = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
        if change <= 1e-8:
            break
    return p


def _prob_chlg(u: list[list[float]], ws: Vec, i: int, j: int, opt: SMPOptions) -> float:
    """SMPState::probEduChlg's victory probability of i over j, seen through utility matrix ``u``."""
    rule = opt.voting_rule
    con_i = _v(rule, ws[i], u[i][i] - u[i][j])
    con_j = _v(rule, ws[j], u[j][i] - u[j][j])
    c_ij = MIN_CHALLENGE_COALITION + max(con_i, 0.0) + max(con_j, 0.0)
    c_ji = MIN_CHALLENGE_COALITION + max(-con_i, 0.0) + max(-con_j, 0.0)
    base_i, base_j = c_ij, c_ji
    for n in range(len(ws)):
        if n in (i, j):
            continue
        uni, unj, unn = u[n][i], u[n][j], u[n][n]
        con_n = _v(rule, ws[n], uni - unj)  # Actor::vProbLittle
        cni = base_i + max(con_n, 0.0)
        cnj = base_j + max(-con_n, 0.0)
        pin = cni / (cni + cnj)
        pjn = 1.0 - pin
        if opt.third_party_commit == "full":  # Actor::thirdPartyVoteSU
            a, b, c, d = 3 * uni, 3 * unj, 3 * uni, 3 * unj
        elif opt.third_party_commit == "semi":
            a, b, c, d = 2 * uni + unn, 3 * unj, 3 * uni, 2 * unj + unn
        else:
            a, b, c, d = 2 * uni + unn, 2 * unj + unn, 2 * uni + unn, 2 * unj + unn
        vn = _v(rule, ws[n], (pin * a + pjn * b) - (pin * c + pjn * d))
        c_ij += max(vn, 0.0)
        c_ji += max(-vn, 0.0)
    return c_ij / (c_ij + c_ji)


def _interp(xi: Vec, si: Vec, pi: float, xj: Vec, sj: Vec, pj: float, kind: str) -> tuple[Vec, Vec]:
    bi, bj = [], []
    for ti, s_i, tj, s_j in zip(xi, si, xj, sj, strict=True):
        if kind == "S2PMax":
            di, dj = max(pj - pi, 0.0), max(pi - pj, 0.0)
            dik = di * s_j ** 2 / (di * s_j ** 2 + MIN_BARGAIN_WEIGHT + (1 - di) * s_i ** 2)
            djk = dj * s_i ** 2 / (dj * s_i ** 2 + MIN_BARGAIN_WEIGHT + (1 - dj) * s_j ** 2)
            bi.append(ti + dik * (tj - ti))
            bj.append(tj + djk * (ti - tj))
            continue
        e = 1 if kind == "S1P1" else 2
        wi, wj = s_i ** e * pi ** e, s_j ** e * pj ** e
        den = wi + MIN_BARGAIN_WEIGHT + wj
        bi.append(float(round4(np.float64(((wi + MIN_BARGAIN_WEIGHT) * ti + wj * tj) / den))))
        bj.append(float(round4(np.float64((wi * ti + (MIN_BARGAIN_WEIGHT + wj) * tj) / den))))
    return bi, bj


def turn(x: list[Vec], s: list[Vec], c: Vec, opt: SMPOptions, rng: np.random.Generator | None = None) -> list[Vec]:
    """One turn of one run (SMPState::doBCN)."""
    n = len(x)
    dist = [[_dist(x[i], x[j], s[i]) for j in range(n)] for i in range(n)]
    p = _pce([[1.0 - dist[i][j] for j in range(n)] for i in range(n)], c, opt)
    r = [float(v) for v in big_r(np.array(p), opt.big_r_range)]
    u = [[[_util(dist[i][j], float(est_risk(np.float64(r[h]), r[i], opt.big_r_adjust))) for j in range(n)]
          for i in range(n)] for h in range(n)]
    ssum = [sum(row) for row in s]
    ws = [ssum[i] * c[i] for i in range(n)]
    brgns: list[list[tuple[int, int, Vec, Vec]]] = [[(k, k, x[k], x[k])] for k in range(n)]
    for i in range(n):
        best_j, best_p, best_eu = -1, 0.0, -1.0
        for j in range(n):  # bestChallenge: first strict maximum above 1e-5
            if j == i:
                continue
            pij = _prob_chlg(u[i], ws, i, j, opt)
            uii, uij = u[i][i][i], u[i][i][j]
            gain = (1 - ssum[j]) * 2 * uii + ssum[j] * (pij * 2 * uii + (1 - pij) * 2 * uij) - (uii + uij)
            if gain > MIN_SIG_EDU and gain > best_eu:
                best_j, best_p, best_eu = j, pij, gain
        if best_j < 0:
            continue
        j = best_j
        b_iij = _interp(x[i], s[i], best_p, x[j], s[j], 1 - best_p, opt.interpolation)
        found = [b_iij]
        if opt.bargain_model != "init-only":
            pj = _prob_chlg(u[j], ws, i, j, opt)
            b_jij = _interp(x[i], s[i], pj, x[j], s[j], 1 - pj, opt.interpolation)
            if opt.bargain_model == "init-rcvr":
                found = [b_iij, b_jij]
            else:
                wi, wj = c[i] * ssum[i], c[i] * ssum[j]
                found = [([(wi * a + wj * b) / (wi + wj) for a, b in zip(b_iij[0], b_jij[0], strict=True)],
                          [(wi * a + wj * b) / (wi + wj) for a, b in zip(b_iij[1], b_jij[1], strict=True)])]
        for bi, bj in found:
            brgns[i].append((i, j, bi, bj))
        for bi, bj in found:
            brgns[j].append((i, j, bi, bj))
    new = []
    for k in range(n):
        util = []
        for a in range(n):
            row = []
            for ini, rcv, bi, bj in brgns[k]:
                if ini == rcv:
                    total = sum(u[a][a][m] for m in range(n))
                else:
                    total = _util(_dist(x[a], bi, s[a]), r[a]) + _util(_dist(x[a], bj, s[a]), r[a])
                    total += sum(u[a][a][m] for m in range(n) if m not in (ini, rcv))
                row.append(total / n)
            util.append(row)
        prob = _pce(util, c, opt)
        if opt.state_transition == "stochastic" and rng is not None:
            m = int(rng.choice(len(prob), p=np.array(prob) / sum(prob)))
        else:
            m = max(range(len(prob)), key=lambda q: (prob[q], -q))
        ini, rcv, bi, bj = brgns[k][m]
        new.append(list(x[k]) if ini == rcv else list(bi if ini == k else bj))
    return new


def run_one(x0: np.ndarray, s: np.ndarray, c: np.ndarray, opt: SMPOptions) -> list[list[Vec]]:
    """All states of one run, from ``x0`` ``(n, d)`` on [0, 1] until smpStopFn says stop."""
    x = [[float(v) for v in row] for row in x0]
    sal = [[float(v) for v in row] for row in s]
    cap = [float(v) for v in c]
    rng = np.random.default_rng(opt.seed) if opt.state_transition == "stochastic" else None
    history = [x]
    if len(x) < 2:
        return history
    first = 0.0
    t = 0
    while True:
        t += 1
        new = turn(history[-1], sal, cap, opt, rng)
        move = sum(math.dist(a, b) for a, b in zip(new, history[-1], strict=True))
        history.append(new)
        if t == 1:
            first = move + opt.min_sig_delta
        if t >= opt.rounds or (t >= opt.min_turns and move / first < opt.stop_ratio):
            return history
