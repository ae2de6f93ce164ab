"""Nash bargaining solution, Achen's weighted form (Achen 2006, in Thomson et al., *The European Union
Decides*, ch. 4; Nash 1950, Econometrica 18:155–162).

    x* = argmax_x  Σ_i w_i · log( u_i(x) − u_i(d) )   subject to  u_i(x) ≥ u_i(d) for every i

with quadratic loss u_i(x) = −Σ_k s_ik (x_k − x_ik)² (positions rescaled to [0, 1] per issue) and

* exponents (bargaining weights) w_i = c_i · Σ_k s_ik — capability × salience. With the salience only inside
  u_i it would cancel out of the argmax (log s_i is a constant), and the solution would not approach the
  compromise model Σ c s x / Σ c s as the disagreement point recedes, which is Achen's point; so the
  salience also enters the weight (see DECISIONS.md, "Nash bargaining");
* the disagreement point d: the issue's status quo where it has one ("reversion point"); otherwise each
  actor's worst point on the scale (no agreement is as bad for each as the worst possible outcome).

``mode="per-issue"`` solves each issue on its own (d = 1: bisection on the derivative);
``mode="joint"`` solves all issues together (damped Newton on the concave objective). The objective is
strictly concave where defined, so the solution is unique. When the status quo already lies in the Pareto
set (no point makes every actor better off), the status quo is the solution.
"""

from __future__ import annotations

import numpy as np

from ..arrays import ScenarioArrays
from .base import ModelResult, ModelSpec, Parameter, register


def _unit(arrays: ScenarioArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions on [0, 1], saliences, weights c·s (masked), status quo on [0, 1] (NaN = none)."""
    span = arrays.span
    x = (arrays.position - arrays.scale_min) / span
    s = arrays.salience * arrays.mask
    q = (arrays.status_quo - arrays.scale_min) / span
    return x, s, arrays.capability * arrays.mask, q


def _disagreement_point(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per actor and issue the disagreement point e: the status quo, else the actor's far end of the scale."""
    worst = np.where(x <= 0.5, 1.0, 0.0)
    return np.where(np.isnan(q)[None, None, :], worst, q[None, None, :])


def _gain(t: np.ndarray, x: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """u(t) − u(e) = s[(e − x)² − (t − x)²] = s (e − t)(e + t − 2x): factored, with no cancellation."""
    return s * (e - t) * (e + t - 2 * x)


def per_issue(arrays: ScenarioArrays, iterations: int = 64) -> np.ndarray:
    """Nash solution of each issue on its own, ``(B, d)`` on [0, 1] (bisection on the slope, batched)."""
    x, s, c, q = _unit(arrays)
    w = c * s  # exponent per issue: capability × salience
    e = _disagreement_point(x, q)
    active = w > 0
    # feasible set: points no farther from each active actor than its disagreement point
    radius = np.where(active, np.abs(e - x), np.inf)
    lo = np.max(np.where(active, x - radius, -np.inf), axis=1).clip(0.0, 1.0)
    hi = np.min(np.where(active, x + radius, np.inf), axis=1).clip(0.0, 1.0)

    def slope(t: np.ndarray) -> np.ndarray:
        """d/dt Σ w log g = Σ w · 2s(x − t) / g: decreasing in t (the objective is concave)."""
        g = _gain(t[:, None, :], x, s, e)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(active, w * 2 * s * (x - t[:, None, :]) / g, 0.0)
        return terms.sum(axis=1)

    # bisection on the sign of the slope: exact to the last bits, unlike a search on the objective's values
    a, b = lo.copy(), hi.copy()
    for _ in range(iterations):
        mid = (a + b) / 2
        rising = slope(mid) > 0
        a = np.where(rising, mid, a)
        b = np.where(rising, b, mid)
    solution = (a + b) / 2
    no_deal_better = (hi - lo) <= 1e-12  # the status quo is Pareto-optimal: it is the solution
    fallback = np.where(np.isnan(q), 0.5, q)[None, :]
    none_active = ~active.any(axis=1)
    solution = np.where(no_deal_better, np.where(np.isnan(q)[None, :], solution, fallback), solution)
    return np.where(none_active, fallback, solution)


def joint(arrays: ScenarioArrays, iterations: int = 60) -> np.ndarray:
    """Nash solution over all issues at once, ``(B, d)`` on [0, 1] (damped Newton, batched)."""
    x, s, c, q = _unit(arrays)
    total_s = s.sum(axis=2)  # (B, n)
    cap = np.where(arrays.mask, arrays.capability, 0.0).max(axis=2)
    w = cap * total_s  # exponent: capability × total salience
    e = _disagreement_point(x, q)
    active = w > 0
    wsum = np.maximum((c * s).sum(axis=1), 1e-300)
    start = ((c * s * x).sum(axis=1) / wsum)  # the compromise point
    q0 = np.where(np.isnan(q), 0.5, q)[None, :]

    def gains(t: np.ndarray) -> np.ndarray:
        return _gain(t[:, None, :], x, s, e).sum(axis=2)

    # a strictly feasible start: from the status quo toward the compromise point
    point = start.copy()
    ok = np.all(~active | (gains(point) > 0), axis=1)
    for k in range(1, 40):
        if ok.all():
            break
        trial = q0 + 0.5**k * (start - q0)
        good = np.all(~active | (gains(trial) > 0), axis=1)
        point = np.where((~ok & good)[:, None], trial, point)
        ok |= good
    for _ in range(iterations):
        g = np.where(ok[:, None], gains(point), 1.0)  # (B, n); rows without a feasible start are left alone
        diff = point[:, None, :] - x  # (B, n, d)
        grad_g = -2 * s * diff
        coef = np.where(active, w / np.where(active, g, 1.0), 0.0)  # w_i / g_i
        grad = (coef[:, :, None] * grad_g).sum(axis=1)
        hess = -2 * np.einsum("bn,bnd->bd", coef, s)[:, :, None] * np.eye(x.shape[2])[None]
        outer = np.einsum("bn,bnd,bne->bde", coef / np.where(active, g, 1.0), grad_g, grad_g)
        hess = hess - outer
        step = np.linalg.solve(hess - 1e-12 * np.eye(x.shape[2])[None], -grad[:, :, None])[:, :, 0]
        scale = np.ones(point.shape[0])
        for _ in range(40):  # backtrack until every gain stays positive and the objective rises
            trial = point + scale[:, None] * step
            tg = gains(trial)
            feasible = np.all(~active | (tg > 0), axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                f_new = np.where(active, w * np.log(np.maximum(tg, 1e-300)), 0).sum(axis=1)
                f_old = np.where(active, w * np.log(np.maximum(g, 1e-300)), 0).sum(axis=1)
            accept = feasible & (f_new >= f_old - 1e-15)
            if accept.all():
                break
            scale = np.where(accept, scale, scale / 2)
        point = np.where((ok & feasible)[:, None], point + scale[:, None] * step, point)
    return np.where(ok[:, None], point, q0)


def nash(arrays: ScenarioArrays, mode: str = "per-issue") -> ModelResult:
    unit = per_issue(arrays) if mode == "per-issue" else joint(arrays)
    forecast = arrays.scale_min + unit * arrays.span
    return ModelResult(model="nash", forecast=forecast, extra={"mode": mode})


register(ModelSpec(
    id="nash",
    name="Nash bargaining solution (Achen's weighted form)",
    description="argmax Π (u_i(x) − u_i(d))^(c_i s_i) with quadratic loss; d = status quo, else each "
    "actor's worst point. Per issue or jointly over issues.",
    citation="Achen, C. H. (2006). Institutional realism and bargaining models. In Thomson, Stokman, Achen & "
    "König (eds.), The European Union Decides, ch. 4. Cambridge University Press; Nash, J. (1950). The "
    "bargaining problem. Econometrica 18(2):155–162.",
    run=nash,
    parameters=(
        Parameter("mode", "per-issue", "Solve each issue on its own or all issues jointly.",
                  ("per-issue", "joint")),
    ),
))
