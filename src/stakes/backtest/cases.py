"""Cases to backtest: every issue that has a realised outcome, stacked into one set of arrays.

All cases sit side by side on the *issue* axis of one :class:`~stakes.arrays.ScenarioArrays` (actors = the
union; an actor without a position on a case is masked out there), so a model whose issues are independent
runs once for all cases. Models that couple issues (SMP, exchange) are run per case, in batches of cases with
the same number of actors (:mod:`.engine`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..arrays import ScenarioArrays, compile_scenario
from ..errors import OptionError, ScenarioError
from ..io.deu import CaseCollection, CaseMeta, looks_like_deu, read_deu
from ..scenario import Scenario


@dataclass(frozen=True)
class Cases:
    """Cases with outcomes: arrays ``(1, n, D)``, outcomes ``(D,)``, a bootstrap group per case, metadata."""

    scenario: Scenario
    arrays: ScenarioArrays
    outcome: np.ndarray
    groups: tuple[str, ...]
    """The unit the bootstrap resamples: a DEU proposal, or the case itself."""
    meta: dict[str, CaseMeta]
    skipped: tuple[tuple[str, str], ...] = ()
    capability_rule: str = "scenario"

    @property
    def case_ids(self) -> tuple[str, ...]:
        return self.arrays.issue_ids

    @property
    def n_cases(self) -> int:
        return len(self.case_ids)

    def field(self, name: str) -> list[str]:
        """A breakdown field per case: ``proc``, ``counvte``, ``era`` (DEU metadata) or ``proposal``."""
        getters: dict[str, Callable[[CaseMeta], str]] = {
            "proc": lambda m: m.procedure, "counvte": lambda m: m.voting_rule, "era": lambda m: m.era,
            "proposal": lambda m: m.proposal, "council": lambda m: m.council, "type": lambda m: m.act_type,
        }
        if name not in getters:
            raise OptionError(f"--by must be one of {', '.join(getters)}, got '{name}'")
        return [getters[name](self.meta[c]) if c in self.meta else "?" for c in self.case_ids]


def cases_from_collection(collection: CaseCollection) -> Cases:
    return _cases(collection.scenario, collection.meta, tuple(collection.skipped))


def cases_from_scenario(scenario: Scenario) -> Cases:
    """The issues of a scenario that carry a baseline outcome (variants' outcomes are not backtested)."""
    keep = [i for i in scenario.issue_ids if scenario.outcome(i) is not None]
    skipped = tuple((i, "no outcome") for i in scenario.issue_ids if i not in keep)
    if not keep:
        raise ScenarioError("the scenario has no outcomes to backtest against", field="outcomes",
                            expected="an 'outcomes:' list with the realised value of at least one issue")
    sub = scenario.model_copy(update={
        "issues": tuple(scenario.issue(i) for i in keep),
        "stances": tuple(s for s in scenario.stances if s.issue in keep),
        "variants": (), "theses": (),
    })
    return _cases(sub, {}, skipped)


def load_cases(source: str | Path | Scenario) -> Cases:
    """Cases from a DEU file, a scenario file with ``outcomes:``, or a :class:`Scenario`."""
    if isinstance(source, Scenario):
        return cases_from_scenario(source)
    path = Path(source)
    if path.suffix.lower() in (".tsv", ".csv", ".txt") and path.is_file():
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            head = [fh.readline()]
        if looks_like_deu(head) or not head[0].strip():  # an empty file gets the DEU reader's message
            return cases_from_collection(read_deu(path))
    from ..io import load_scenario

    return cases_from_scenario(load_scenario(path))


def _cases(scenario: Scenario, meta: dict[str, CaseMeta], skipped: tuple[tuple[str, str], ...]) -> Cases:
    arrays = compile_scenario(scenario)
    outcome = np.array([scenario.outcome(i).value for i in arrays.issue_ids], dtype=float)  # type: ignore[union-attr]
    groups = tuple(meta[i].proposal if i in meta and meta[i].proposal else i for i in arrays.issue_ids)
    return Cases(scenario=scenario, arrays=arrays, outcome=outcome, groups=groups, meta=meta, skipped=skipped)


CapabilityRule = Callable[[Cases], np.ndarray]
"""A rule returns capability ``(n, D)`` for the stacked cases (zero where an actor has no position)."""


def _equal(cases: Cases) -> np.ndarray:
    return cases.arrays.mask.astype(float)


def _as_given(cases: Cases) -> np.ndarray:
    return cases.arrays.capability[0].copy()


def _gdp(cases: Cases) -> np.ndarray:
    """GDP (trillions of USD, one vintage for all years) per DEU actor; the Commission and the Parliament get
    Germany's figure, as the data set's GDP row does (blksv/predictioneers_game)."""
    from importlib.resources import files

    text = files("stakes.backtest").joinpath("data/deu_gdp.tsv").read_text(encoding="utf-8")
    gdp = {a: float(v) for a, v in (line.split("\t") for line in text.splitlines()[1:] if line.strip())}
    missing = [a for a in cases.arrays.actor_ids if a not in gdp]
    if missing:
        raise OptionError(f"capability rule 'gdp' knows only DEU actors; no GDP for {', '.join(missing)}")
    col = np.array([gdp[a] for a in cases.arrays.actor_ids])[:, None]
    return np.where(cases.arrays.mask, col, 0.0)


CAPABILITY_RULES: dict[str, tuple[CapabilityRule, str]] = {
    "scenario": (_as_given, "capabilities as the scenario gives them (DEU files: all 1)"),
    "equal": (_equal, "every actor with a position weighs 1 (salience alone weights the compromise)"),
    "gdp": (_gdp, "GDP in trillions of USD (DEU actors only; a crude proxy, one vintage for all years)"),
}


def _institutional(scheme: str) -> CapabilityRule:
    """A rule from :mod:`stakes.power`: each DEU case gets the scheme's capabilities under the Council rule in
    force at the proposal's introduction date (the data give no adoption date) and its procedure."""

    def rule(cases: Cases) -> np.ndarray:
        from ..power.institutional import actor_capabilities

        a = cases.arrays
        cap = np.zeros(a.mask.shape)
        for k, case in enumerate(cases.case_ids):
            meta = cases.meta.get(case)
            if meta is None or meta.introduced is None:
                raise OptionError(f"capability rule 'eu-{scheme}' needs DEU case metadata (date, voting rule, "
                                  f"procedure); case '{case}' has none")
            values = actor_capabilities(a.actor_ids, meta.introduced, meta.voting_rule, meta.procedure, scheme)
            cap[:, k] = [values[x] for x in a.actor_ids]
        return np.where(a.mask, cap, 0.0)

    return rule


def _register_institutional() -> None:
    from ..power.institutional import SCHEMES

    for name, scheme in SCHEMES.items():
        if name != "equal":
            CAPABILITY_RULES[f"eu-{name}"] = (_institutional(name), f"EU institutional: {scheme.description}")


def register_capability_rule(name: str, rule: CapabilityRule, description: str) -> None:
    CAPABILITY_RULES[name] = (rule, description)


def with_capability(cases: Cases, rule: str) -> Cases:
    """The cases with capabilities set by a named rule (:data:`CAPABILITY_RULES`)."""
    if rule not in CAPABILITY_RULES:
        raise OptionError(f"unknown capability rule '{rule}' (known: {', '.join(CAPABILITY_RULES)})")
    cap = CAPABILITY_RULES[rule][0](cases)
    if cap.shape != cases.arrays.mask.shape or not np.isfinite(cap).all() or (cap < 0).any():
        raise OptionError(f"capability rule '{rule}' gave capabilities of the wrong shape or sign")
    arrays = replace(cases.arrays, capability=(cap * cases.arrays.mask)[None])
    return replace(cases, arrays=arrays, capability_rule=rule)


_register_institutional()

__all__ = ["CAPABILITY_RULES", "Cases", "cases_from_collection", "cases_from_scenario", "load_cases",
           "register_capability_rule", "with_capability"]
