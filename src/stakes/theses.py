"""Checking theses (claims about outcomes) against model results.

Bargaining theses (``threshold``, ``closer``) are judged on a model's forecast, vectorised over the batch
axis so Monte Carlo can turn them into probabilities. ``side`` theses are judged on a landscape-theory
alignment (:mod:`stakes.alignment`). A thesis that names an actor a variant removed is "not applicable"
(``None``).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np

from .arrays import ScenarioArrays
from .scenario import CloserThesis, Scenario, SideThesis, ThresholdThesis

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class Verdict:
    thesis: str
    variant: str
    model: str | None
    holds: bool | None
    """True/False; None when the thesis cannot be judged (actor removed, model missing)."""
    detail: str
    probability: float | None = None
    """P(thesis holds) under the model's predictive distribution (the ensemble's quantiles, or a Monte Carlo
    over the declared uncertainty); ``holds`` is ``probability > 0.5``."""


def thesis_model(thesis: ThresholdThesis | CloserThesis, scenario: Scenario) -> str:
    return thesis.model or scenario.default_model


def judge_forecast(
    thesis: ThresholdThesis | CloserThesis, arrays: ScenarioArrays, forecast: np.ndarray
) -> np.ndarray | None:
    """Whether a bargaining thesis holds in each run, ``(B,)`` bools; None if it cannot be judged."""
    if thesis.issue not in arrays.issue_ids:
        return None
    d = arrays.issue_ids.index(thesis.issue)
    x = forecast[:, d]
    if isinstance(thesis, ThresholdThesis):
        return _OPS[thesis.op](x, thesis.value)
    ids = arrays.actor_ids
    if thesis.actor not in ids or thesis.other not in ids:
        return None
    a, b = ids.index(thesis.actor), ids.index(thesis.other)
    if not (arrays.mask[a, d] and arrays.mask[b, d]):
        return None
    return np.abs(x - arrays.position[:, a, d]) < np.abs(x - arrays.position[:, b, d])


def judge_sides(thesis: SideThesis, sides: dict[str, int]) -> bool | None:
    """Whether a side thesis holds for one alignment (actor id -> side 0/1)."""
    if thesis.with_actor not in sides or any(a not in sides for a in thesis.actors):
        return None
    ref = sides[thesis.with_actor]
    return all((sides[a] == ref) == thesis.same for a in thesis.actors)


def samples_from_quantiles(quantiles: np.ndarray, levels: np.ndarray, draws: int = 999) -> np.ndarray:
    """Draws ``(draws, d)`` from predictive quantiles ``(d, L)``: the inverse CDF interpolated linearly between
    the levels at ``draws`` evenly spaced probabilities (held flat beyond the outer levels)."""
    u = (np.arange(draws) + 0.5) / draws
    return np.stack([np.interp(u, levels, q) for q in quantiles], axis=1)


def verdict_from_probability(p: float | None) -> bool | None:
    """``holds`` from a probability: true above ½, false below, undecided at exactly ½ or without one."""
    if p is None or abs(p - 0.5) < 1e-12:
        return None
    return p > 0.5


def describe_forecast(thesis: ThresholdThesis | CloserThesis, arrays: ScenarioArrays, forecast: np.ndarray) -> str:
    if thesis.issue not in arrays.issue_ids:
        return f"issue '{thesis.issue}' is not in this variant"
    value = float(forecast[0, arrays.issue_ids.index(thesis.issue)])
    if isinstance(thesis, ThresholdThesis):
        return f"forecast {value:.1f} {thesis.op} {thesis.value:g}?"
    if thesis.actor not in arrays.actor_ids or thesis.other not in arrays.actor_ids:
        return "an actor it names is not in this variant"
    return f"forecast {value:.1f}; closer to '{thesis.actor}' than to '{thesis.other}'?"
