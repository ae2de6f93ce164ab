"""A scenario compiled to arrays: the form every model works on.

Shapes (``B`` = batch of perturbed copies, ``n`` = actors, ``d`` = issues):

* ``capability`` ``(B, n, d)`` — effective capability of each actor on each issue (the actor's capability
  unless a stance gives an issue-specific one, as Decide's files do);
* ``position`` ``(B, n, d)`` — on each issue's own scale;
* ``salience`` ``(B, n, d)`` — in [0, 1] (files write 0–100);
* ``mask`` ``(n, d)`` — True where the actor has a stance on the issue. Where False, salience and
  capability are 0 and the position is the issue's mid-point, so a model that weights by ``c·s`` ignores
  the actor without special cases. It may also be ``(B, n, d)``, one participation per row
  (:meth:`ScenarioArrays.without_each_actor`): every model but the exchange model runs such a batch, each row
  exactly as it would run alone;
* ``scale_min``, ``scale_max``, ``status_quo`` ``(d,)`` — ``status_quo`` is NaN where an issue has none.

The batch axis is always there (``B = 1`` for one scenario); :meth:`ScenarioArrays.batch` makes copies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .errors import ScenarioError
from .scenario import Scenario


@dataclass(frozen=True)
class ScenarioArrays:
    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    mask: np.ndarray
    scale_min: np.ndarray
    scale_max: np.ndarray
    status_quo: np.ndarray

    @property
    def n_batch(self) -> int:
        return int(self.position.shape[0])

    @property
    def n_actors(self) -> int:
        return len(self.actor_ids)

    @property
    def n_issues(self) -> int:
        return len(self.issue_ids)

    @property
    def span(self) -> np.ndarray:
        return self.scale_max - self.scale_min

    def participation(self) -> np.ndarray:
        """The mask as ``(B, n, d)`` (a read-only view when it is one ``(n, d)`` mask for all rows)."""
        return np.broadcast_to(self.mask, self.position.shape)

    def weights(self) -> np.ndarray:
        """Capability × salience, ``(B, n, d)``, zero where there is no stance."""
        return self.capability * self.salience * self.mask

    def batch(self, size: int) -> ScenarioArrays:
        """``size`` identical copies along the batch axis (of the first copy)."""
        def rep(a: np.ndarray) -> np.ndarray:
            return np.repeat(a[:1], size, axis=0)

        return replace(self, capability=rep(self.capability), position=rep(self.position),
                       salience=rep(self.salience), mask=rep(self.mask) if self.mask.ndim == 3 else self.mask)

    def without_each_actor(self) -> ScenarioArrays:
        """``n`` rows of the first copy: row ``k`` without actor ``k`` (masked out, its capability and salience
        0, so every model sees it absent), in one batch with a per-row mask."""
        n = self.n_actors
        mask = np.repeat(np.broadcast_to(self.mask, self.position.shape)[:1], n, axis=0)
        mask[np.arange(n), np.arange(n)] = False
        keep = mask.astype(float)
        one = self.batch(n)
        return replace(one, mask=mask, capability=one.capability * keep, salience=one.salience * keep)

    def take(self, index: int | slice | np.ndarray) -> ScenarioArrays:
        """A sub-batch."""
        def pick(a: np.ndarray) -> np.ndarray:
            out = a[index]
            return out[None] if out.ndim == a.ndim - 1 else out

        return replace(self, capability=pick(self.capability), position=pick(self.position),
                       salience=pick(self.salience), mask=pick(self.mask) if self.mask.ndim == 3 else self.mask)

    def select_issues(self, issues: list[int]) -> ScenarioArrays:
        """The same scenario restricted to some issues (columns)."""
        idx = np.asarray(issues, dtype=int)
        return ScenarioArrays(
            actor_ids=self.actor_ids,
            issue_ids=tuple(self.issue_ids[i] for i in idx),
            capability=self.capability[:, :, idx],
            position=self.position[:, :, idx],
            salience=self.salience[:, :, idx],
            mask=self.mask[..., idx],
            scale_min=self.scale_min[idx],
            scale_max=self.scale_max[idx],
            status_quo=self.status_quo[idx],
        )


def compile_scenario(scenario: Scenario) -> ScenarioArrays:
    """Arrays of one scenario (batch size 1). Apply a variant first with :func:`stakes.variants.apply_variant`."""
    actors = scenario.actor_ids
    issues = scenario.issue_ids
    a_index = {a: k for k, a in enumerate(actors)}
    i_index = {i: k for k, i in enumerate(issues)}
    n, d = len(actors), len(issues)
    scale_min = np.array([i.scale_min for i in scenario.issues], dtype=float)
    scale_max = np.array([i.scale_max for i in scenario.issues], dtype=float)
    status_quo = np.array([np.nan if i.status_quo is None else i.status_quo for i in scenario.issues])
    base_cap = np.array([a.capability for a in scenario.actors], dtype=float)
    capability = np.zeros((n, d))
    position = np.tile((scale_min + scale_max) / 2, (n, 1))
    salience = np.zeros((n, d))
    mask = np.zeros((n, d), dtype=bool)
    for st in scenario.stances:
        r, c = a_index[st.actor], i_index[st.issue]
        mask[r, c] = True
        position[r, c] = st.position
        salience[r, c] = st.salience / 100.0
        capability[r, c] = base_cap[r] if st.capability is None else st.capability
    return ScenarioArrays(
        actor_ids=tuple(actors),
        issue_ids=tuple(issues),
        capability=capability[None],
        position=position[None],
        salience=salience[None],
        mask=mask,
        scale_min=scale_min,
        scale_max=scale_max,
        status_quo=status_quo,
    )


def check_weights(arrays: ScenarioArrays, variant: str | None = None) -> None:
    """Refuse a scenario in which some issue has no weight at all (every actor's capability × salience is 0,
    or no actor has a stance on it): no weighted model can place an outcome there, and each would otherwise
    fall back on an arbitrary point of the scale."""
    total = arrays.weights().sum(axis=1)  # (B, d)
    for d in np.flatnonzero(~(total > 0).all(axis=0)):
        where = f"variant '{variant}': " if variant and variant != "baseline" else ""
        raise ScenarioError(
            f"{where}no actor has any weight on this issue (every capability × salience is 0)",
            issue=arrays.issue_ids[int(d)], field="capability, salience",
            expected="at least one actor with a stance, a positive capability and a positive salience")
