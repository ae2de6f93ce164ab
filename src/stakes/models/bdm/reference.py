"""Per-run reference implementation of the BdM expected-utility model (slow, plain loops).

It follows the same readings as the batched engine in :mod:`stakes.models.bdm` (formulas and sources are
listed there and in docs/decisions/bdm.md) but is written actor pair by actor pair, one run and one issue at a
time, so a reader can check it against Scholz, Calbert & Smith (2011) line by line. Tests require the batched
engine to agree with it to ~1e-9; benchmarks compare their speed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...arrays import ScenarioArrays
from ...errors import OptionError
from ..base import ModelResult
from .stable import HORIZON, stable_summary

CHOICES = {"report": ("stable", "mean-of-rounds", "final-round"), "probability": ("scholz", "pairwise"),
           "perception": ("receiver", "own")}


def check_params(rounds: Any, q: Any, t: Any, tolerance: Any, **choices: Any) -> int:
    """Validate the parameters (both engines); returns ``rounds`` as an int."""
    for name, value in choices.items():
        if value not in CHOICES[name]:
            raise OptionError(f"model 'bdm' parameter '{name}' must be one of {CHOICES[name]}, got {value!r}")
    def number(name: str, value: Any, lo: float, hi: float) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            v = float("nan")
        if isinstance(value, bool) or not lo <= v <= hi:
            raise OptionError(f"model 'bdm' parameter '{name}' must be a number in [{lo}, {hi}], got {value!r}")
        return v

    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or not 0 <= rounds <= 10_000:
        raise OptionError(f"model 'bdm' parameter 'rounds' must be a whole number from 0 to 10000, got {rounds!r}")
    number("Q", q, 0.0, 1.0)
    if t is not None:
        number("T", t, 0.0, 1.0)
    number("tolerance", tolerance, 0.0, 1.0)
    return int(rounds)


def _median(x: list[float], w: list[float]) -> float:
    """Lower weighted median = the Condorcet winner among the positions held (Scholz, appendix step 3)."""
    order = sorted(range(len(x)), key=lambda k: x[k])
    total = sum(w)
    cum = 0.0
    for k in order:
        cum += w[k]
        if cum >= 0.5 * total * (1 - 1e-12):
            return x[k]
    return x[order[-1]]


def _support(x: list[float], w: list[float], i: int, j: int) -> float:
    """Σ_k w_k max(0, |x_k − x_j| − |x_k − x_i|): the votes for i's position against j's."""
    return sum(wk * max(0.0, abs(xk - x[j]) - abs(xk - x[i])) for xk, wk in zip(x, w, strict=True))


def _eu(c: int, t: int, rho: float, x: list[float], s: list[float], prob: float, mu: float, span: float,
        q: float, t_param: float | None) -> float:
    """E(U_ct): actor c challenging actor t, utilities taken with exponent ``rho`` (Scholz eqs 15–16, 22–25)."""
    d = min(abs(x[c] - x[t]) / span, 1.0)  # a distance beyond the scale counts as the whole scale
    e = min(abs(x[c] - mu) / span, 1.0)
    u_s = 2 - 4 * (0.5 - 0.5 * d) ** rho
    u_f = 2 - 4 * (0.5 + 0.5 * d) ** rho
    u_b = 2 - 4 * (0.5 - 0.25 * (e + d)) ** rho
    u_w = 2 - 4 * (0.5 + 0.25 * (e + d)) ** rho
    u_sq = 2 - 4 * 0.5 ** rho
    better = (1.0 if abs(x[c] - mu) < abs(x[c] - x[t]) else 0.0) if t_param is None else t_param
    return (s[t] * (prob * u_s + (1 - prob) * u_f) + (1 - s[t]) * u_s
            - q * u_sq - (1 - q) * (better * u_b + (1 - better) * u_w))


def _nearest(offers: list[tuple[float, float]], span: float) -> float:
    """The nearest offered position; distances within 1e-12 of the scale tie, and ties go to the lower."""
    best = min(dist for dist, _ in offers)
    return min(pos for dist, pos in offers if dist / span <= best / span + 1e-12)


def _round(x: list[float], c: list[float], s: list[float], span: float, mid: float,
           p: dict[str, Any]) -> list[float]:
    """One round on one issue for the participating actors; returns the new positions."""
    n = len(x)
    w = [ci * si for ci, si in zip(c, s, strict=True)]
    mu = _median(x, w) if sum(w) > 0 else mid
    support = [[_support(x, w, i, j) for j in range(n)] for i in range(n)]
    prob = [[0.0] * n for _ in range(n)]
    if p["probability"] == "scholz":
        total = sum(support[i][j] + support[j][i] for i in range(n) for j in range(n))
        for i in range(n):
            for j in range(n):
                prob[i][j] = support[i][j] / total if total > 0 and x[i] != x[j] else 0.0
    else:
        for i in range(n):
            for j in range(n):
                den = support[i][j] + support[j][i]
                prob[i][j] = support[i][j] / den if den > 0 and x[i] != x[j] else 0.0

    def eu(ch: int, tg: int, rho: float) -> float:
        return _eu(ch, tg, rho, x, s, prob[ch][tg], mu, span, p["Q"], p["T"])

    # risk (Scholz §5, eqs 32–34): security_i = Σ_{j≠i} E(U_ji) at r = 1, rescaled over the actors
    security = [sum(eu(j, i, 1.0) for j in range(n) if j != i) for i in range(n)]
    hi, lo = max(security), min(security)
    risk = [(2 * sec - hi - lo) / (hi - lo) if hi > lo else 0.0 for sec in security]
    r = [(1 - big_r / 3) / (1 + big_r / 3) for big_r in risk]

    new = list(x)
    for i in range(n):  # i receives offers; it moves at most once, simultaneously with the others
        conflict, compromise, capitulate = [], [], []
        for j in range(n):
            if j == i or x[j] == x[i]:
                continue
            a = eu(i, j, r[i])  # i's EU of challenging j, as i sees it
            b = eu(j, i, r[i] if p["perception"] == "receiver" else r[j])  # j's EU of challenging i
            if b > a > 0:
                conflict.append((min(abs(x[j] - x[i]), span), x[j]))  # beyond the scale = the scale
            elif a < 0 < b and abs(a) < b:
                offer = x[i] + (x[j] - x[i]) * abs(a / b)
                compromise.append((b, -abs(offer - x[i]), -offer))
            elif a < 0 < b and abs(a) > b:
                capitulate.append((min(abs(x[j] - x[i]), span), x[j]))
        if conflict:
            new[i] = _nearest(conflict, span)  # least move
        elif compromise:
            # most enforceable (proposer's highest EU); ties: least move, then the lower position
            new[i] = -max(compromise)[2]
        elif capitulate:
            new[i] = _nearest(capitulate, span)
    return new


def bdm_reference(arrays: ScenarioArrays, rounds: int = 8, Q: float = 1.0, T: float | None = None,
                  tolerance: float = 1e-9, report: str = "stable", probability: str = "scholz",
                  perception: str = "receiver", engine: str = "auto") -> ModelResult:
    """Run by run, issue by issue: the same result as :func:`stakes.models.bdm.bdm` (slowly).

    ``engine`` is accepted (and ignored) so the model's resolved parameters can be passed as they are."""
    rounds = check_params(rounds, Q, T, tolerance, report=report, probability=probability, perception=perception)
    p = {"Q": Q, "T": T, "probability": probability, "perception": perception}
    bsz, n, d = arrays.position.shape
    positions = np.repeat(arrays.position[:, None], rounds + 1, axis=1).astype(float)
    forecasts = np.zeros((bsz, rounds + 1, d))
    means = np.zeros((bsz, rounds + 1, d))
    ran = np.zeros((bsz, d), dtype=int)
    settled = np.zeros((bsz, d), dtype=bool)
    for b in range(bsz):
        for k in range(d):
            idx = [a for a in range(n) if arrays.mask[a, k]]
            span = float(arrays.scale_max[k] - arrays.scale_min[k])
            x = [float(arrays.position[b, a, k]) for a in idx]
            c = [float(arrays.capability[b, a, k]) for a in idx]
            s = [float(arrays.salience[b, a, k]) for a in idx]
            w = [ci * si for ci, si in zip(c, s, strict=True)]
            mid = float(arrays.scale_min[k] + arrays.scale_max[k]) / 2

            def record(t: int, xs: list[float], b: int = b, k: int = k, idx: list[int] = idx,
                       w: list[float] = w, mid: float = mid) -> None:
                for a, xa in zip(idx, xs, strict=True):
                    positions[b, t, a, k] = xa
                total = sum(w)
                forecasts[b, t, k] = _median(xs, w) if total > 0 else mid
                means[b, t, k] = sum(wi * xi for wi, xi in zip(w, xs, strict=True)) / total if total > 0 else mid

            record(0, x)
            stopped = len(idx) < 2 or span <= 0
            for t in range(1, rounds + 1):
                if not stopped:
                    new = _round(x, c, s, span, mid, p)
                    stopped = max(abs(u - v) for u, v in zip(new, x, strict=True)) <= tolerance * span
                    x = new
                    ran[b, k] = t
                record(t, x)
            settled[b, k] = stopped
    forecast = forecasts[:, -1].copy()
    extra: dict[str, Any] = {"mean": means}
    if report == "mean-of-rounds" and rounds > 0:  # settled runs report their fixed point, others the cycle mean
        forecast = np.where(settled, forecast, forecasts[:, 1:].mean(axis=1))
    elif report == "stable":
        long = forecasts, settled
        if rounds < HORIZON:
            res = bdm_reference(arrays, HORIZON, Q, T, tolerance, "final-round", probability, perception)
            long = res.forecasts, res.extra["settled"]
        summary = stable_summary(*long)
        forecast = summary.pop("forecast")
        extra.update(summary)
    extra.setdefault("settled", settled)
    return ModelResult(model="bdm", forecast=forecast, positions=positions, forecasts=forecasts, rounds=ran,
                       extra=extra)
