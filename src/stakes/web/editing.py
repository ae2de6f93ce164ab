"""Edits of a scenario's variants and theses: each returns a new, fully validated scenario.

The records are the scenario's own pydantic models (:class:`~stakes.scenario.Variant`, the thesis kinds), so
the web app accepts exactly what a scenario file may hold. After the edit the whole scenario is validated
again (references to actors, issues, variants, cycles of ``base``) and the edited variant, and every variant
built on it, is applied once, so a change that would fail only at run time (a capability made negative, a
position moved off its scale, a stance that does not exist) is refused now, with the message naming it.
"""

from __future__ import annotations

from typing import Any

from ..errors import ScenarioError
from ..io.yaml_io import scenario_from_dict, scenario_to_dict
from ..models import get_model
from ..scenario import Scenario, Variant
from ..scenario_records import SideThesis
from ..variants import BASELINE, apply_variant
from .workspace import NotFound


def _dump(record: Any) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude_none=True, exclude_defaults=False)


def put_variant(scenario: Scenario, old_id: str | None, variant: Variant) -> Scenario:
    """``scenario`` with ``variant`` added (``old_id`` None) or put in place of variant ``old_id``.

    Renaming a variant renames it where it is used too (theses, bases of other variants, outcomes).
    """
    if variant.id == BASELINE:
        raise ScenarioError("'baseline' names the unchanged scenario; choose another id",
                            row=f"variants '{variant.id}'", field="id")
    data = scenario_to_dict(scenario)
    rows: list[dict[str, Any]] = data.setdefault("variants", [])
    ids = [r["id"] for r in rows]
    if (old_id is None or variant.id != old_id) and variant.id in ids:
        raise ScenarioError(f"a variant '{variant.id}' exists already", row=f"variants '{variant.id}'",
                            field="id", expected="a new id")
    if old_id is None:
        rows.append(_dump(variant))
    else:
        if old_id not in ids:
            _missing("variant", old_id, ids)
        rows[ids.index(old_id)] = _dump(variant)
        if variant.id != old_id:
            _rename_variant(data, old_id, variant.id)
    new = scenario_from_dict(data)
    for v in new.variants:  # the edited variant and those built on it must still apply
        if variant.id in _chain(new, v.id):
            apply_variant(new, v.id)
    return new


def _chain(scenario: Scenario, variant_id: str) -> list[str]:
    out, cur = [], variant_id
    while cur is not None and cur not in out:
        out.append(cur)
        cur = scenario.variant(cur).base
    return out


def _rename_variant(data: dict[str, Any], old: str, new: str) -> None:
    for row in data.get("variants", []):
        if row.get("base") == old:
            row["base"] = new
    for row in [*data.get("theses", []), *data.get("outcomes", [])]:
        if row.get("variant") == old:
            row["variant"] = new


def delete_variant(scenario: Scenario, variant_id: str) -> Scenario:
    """``scenario`` without variant ``variant_id``; refused while a thesis, variant or outcome names it."""
    ids = [v.id for v in scenario.variants]
    if variant_id not in ids:
        _missing("variant", variant_id, ids)
    users = [f"thesis '{t.id}'" for t in scenario.theses if t.variant == variant_id]
    users += [f"variant '{v.id}' (its base)" for v in scenario.variants if v.base == variant_id]
    users += [f"the outcome of issue '{o.issue}'" for o in scenario.outcomes if o.variant == variant_id]
    if users:
        raise ScenarioError(f"variant '{variant_id}' is used by {', '.join(users)}; change or delete those first",
                            row=f"variants '{variant_id}'", field="id")
    data = scenario_to_dict(scenario)
    data["variants"] = [r for r in data.get("variants", []) if r["id"] != variant_id]
    return scenario_from_dict(data)


def put_thesis(scenario: Scenario, old_id: str | None, thesis: Any) -> Scenario:
    """``scenario`` with ``thesis`` (any thesis kind) added (``old_id`` None) or put in place of ``old_id``."""
    model = getattr(thesis, "model", None)
    if model is not None:
        try:
            get_model(model)
        except Exception as exc:  # OptionError: unknown model, naming the known ones
            raise ScenarioError(str(exc), row=f"theses '{thesis.id}'", field="model") from None
    if isinstance(thesis, SideThesis) and not thesis.actors:
        raise ScenarioError("a side thesis names at least one actor", row=f"theses '{thesis.id}'",
                            field="actors", expected="one or more actor ids")
    data = scenario_to_dict(scenario)
    rows: list[dict[str, Any]] = data.setdefault("theses", [])
    ids = [r["id"] for r in rows]
    if (old_id is None or thesis.id != old_id) and thesis.id in ids:
        raise ScenarioError(f"a thesis '{thesis.id}' exists already", row=f"theses '{thesis.id}'", field="id",
                            expected="a new id")
    if old_id is None:
        rows.append(_dump(thesis))
    elif old_id in ids:
        rows[ids.index(old_id)] = _dump(thesis)
    else:
        _missing("thesis", old_id, ids)
    return scenario_from_dict(data)


def delete_thesis(scenario: Scenario, thesis_id: str) -> Scenario:
    ids = [t.id for t in scenario.theses]
    if thesis_id not in ids:
        _missing("thesis", thesis_id, ids)
    data = scenario_to_dict(scenario)
    data["theses"] = [r for r in data.get("theses", []) if r["id"] != thesis_id]
    return scenario_from_dict(data)


def _missing(what: str, wanted: str, ids: list[str]) -> None:
    raise NotFound(f"no {what} '{wanted}' in this scenario (it has: {', '.join(ids) or 'none'})")
