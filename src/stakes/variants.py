"""Apply a variant (a list of declarative changes) to a scenario, giving a new scenario.

A variant with a ``base`` applies its base's changes first. Removing an actor also removes its stances,
affinities and any later change that names it; a thesis naming a removed actor stays and is judged
"not applicable" by :mod:`stakes.theses`.
"""

from __future__ import annotations

from .errors import ScenarioError
from .scenario import Actor, Affinity, Change, Scenario, Stance
from .scenario_records import MAX_MAGNITUDE

BASELINE = "baseline"


def variant_chain(scenario: Scenario, variant_id: str) -> list[str]:
    """The variant ids to apply, base first."""
    chain: list[str] = []
    cur: str | None = variant_id
    while cur is not None:
        chain.append(cur)
        cur = scenario.variant(cur).base
    return chain[::-1]


def apply_variant(scenario: Scenario, variant_id: str | None) -> Scenario:
    """The scenario as changed by ``variant_id`` (and its bases); ``None`` or "baseline" = unchanged."""
    if variant_id in (None, BASELINE):
        return scenario
    try:
        chain = variant_chain(scenario, variant_id)
    except KeyError as exc:
        raise ScenarioError(str(exc.args[0]), field="variant") from None
    actors = {a.id: a for a in scenario.actors}
    stances = {(s.actor, s.issue): s for s in scenario.stances}
    affinities = {frozenset((f.a, f.b)): f for f in scenario.affinities}
    for vid in chain:
        for change in scenario.variant(vid).changes:
            if change.actor not in actors:
                continue  # removed earlier in the chain
            _apply_change(change, vid, actors, stances, affinities, scenario)
    if not actors:
        raise ScenarioError(f"variant '{variant_id}' removes every actor: there is nothing left to forecast",
                            row=f"variants '{variant_id}'", field="changes", expected="at least one actor left")
    return scenario.model_copy(
        update={
            "actors": tuple(actors.values()),
            "stances": tuple(s for s in stances.values() if s.actor in actors),
            "affinities": tuple(f for f in affinities.values() if f.a in actors and f.b in actors),
        }
    )


def _apply_change(
    change: Change,
    vid: str,
    actors: dict[str, Actor],
    stances: dict[tuple[str, str], Stance],
    affinities: dict[frozenset[str], Affinity],
    scenario: Scenario,
) -> None:
    op, who, value = change.op, change.actor, change.value
    if op == "remove_actor":
        del actors[who]
        return
    if op in ("set_capability", "scale_capability"):
        old = actors[who].capability
        new = value if op == "set_capability" else old * value  # type: ignore[operator]
        if new < 0:  # type: ignore[operator]
            raise ScenarioError(f"variant '{vid}' makes the capability negative", actor=who, field="capability")
        if new > MAX_MAGNITUDE:  # type: ignore[operator]
            raise ScenarioError(f"variant '{vid}' makes the capability {new:g}, too large", actor=who,
                                field="capability", expected=f"at most {MAX_MAGNITUDE:g}")
        actors[who] = actors[who].model_copy(update={"capability": new})
        return
    if op == "set_affinity":
        key = frozenset((who, change.other))
        old_aff = affinities.get(key)
        affinities[key] = Affinity(a=who, b=change.other, value=value,  # type: ignore[arg-type]
                                   rationale=old_aff.rationale if old_aff else None,
                                   source=old_aff.source if old_aff else None)
        return
    issues = [change.issue] if change.issue else [i for (a, i) in stances if a == who]
    for issue_id in issues:
        st = stances.get((who, issue_id))
        if st is None:
            raise ScenarioError(
                f"variant '{vid}' changes a stance that does not exist", actor=who, issue=issue_id, field=op
            )
        issue = scenario.issue(issue_id)
        if op == "set_position":
            update = {"position": value}
        elif op == "move_position":
            update = {"position": st.position + value}  # type: ignore[operator]
        elif op == "set_salience":
            update = {"salience": value}
        else:  # scale_salience
            update = {"salience": min(100.0, st.salience * value)}  # type: ignore[operator]
        pos = update.get("position", st.position)
        if not issue.scale_min <= pos <= issue.scale_max:  # type: ignore[operator]
            raise ScenarioError(
                f"variant '{vid}' moves the position to {pos}, outside the scale",
                actor=who,
                issue=issue_id,
                field="position",
                expected=f"{issue.scale_min}..{issue.scale_max}",
            )
        sal = update.get("salience", st.salience)
        if not 0 <= sal <= 100:  # type: ignore[operator]
            raise ScenarioError(
                f"variant '{vid}' sets the salience to {sal}", actor=who, issue=issue_id, field="salience",
                expected="0..100",
            )
        stances[(who, issue_id)] = st.model_copy(update=update)
