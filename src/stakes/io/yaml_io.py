"""The canonical YAML format: the scenario's fields as pydantic dumps them, in a fixed key order.

``load_yaml(dump_yaml(s)) == s`` and ``dump_yaml(load_yaml(f))`` is stable (tests check both).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ScenarioError
from ..scenario import Scenario

MAX_YAML_VALUES = 1_000_000
"""Values (scalars, list items, mapping entries) a YAML document may expand to through anchors and aliases."""


def count_values(root: Any, budget: int) -> int:
    """Values in ``root``, counting shared (aliased) nodes each time they are reached; stops past ``budget``."""
    seen = 0
    stack = [root]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > budget:
            return seen
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return seen


def scenario_from_dict(data: Any, file: str | None = None) -> Scenario:
    """Validate a mapping into a :class:`Scenario`, turning pydantic's errors into a :class:`ScenarioError`."""
    if not isinstance(data, dict):
        raise ScenarioError("the top level must be a mapping of keys (title, actors, issues, stances, ...)",
                            file=file)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, data, file) from None


def validation_error(exc: ValidationError, data: dict[str, Any], file: str | None) -> ScenarioError:
    """The first pydantic error as a ScenarioError naming key path, actor, issue and field."""
    err = exc.errors()[0]
    # drop pydantic's internal path parts (validator names, discriminated-union tags)
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
    loc = [p for p in loc if p not in ("threshold", "closer", "side")]
    record: Any = data
    parent = None
    actor = issue = None
    for part in loc:
        if isinstance(record, dict) and part in record:
            parent, record = part, record[part]
        elif isinstance(record, list) and part.isdigit() and int(part) < len(record):
            record = record[int(part)]
        else:
            break
        if isinstance(record, dict):
            if parent == "actors":
                actor = record.get("id")
            elif parent == "issues":
                issue = record.get("id")
            actor = record.get("actor", actor)
            issue = record.get("issue", issue)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "required key is missing"
    elif err["type"] == "extra_forbidden":
        msg = "unknown key"
    field = loc[-1] if loc and not loc[-1].isdigit() else None
    key = ".".join(loc[:-1] if field else loc) or None
    return ScenarioError(msg, file=file, row=key, actor=actor if isinstance(actor, str) else None,
                         issue=issue if isinstance(issue, str) else None, field=field)


def load_yaml(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read: {exc}", file=str(p)) from None
    return loads_yaml(text, file=str(p))


def loads_yaml(text: str, file: str | None = None) -> Scenario:
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: ~10× faster
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise ScenarioError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=file, row=row) from None
    except RecursionError:
        raise ScenarioError("YAML nested too deeply", file=file) from None
    except ValueError as exc:  # YAML's own timestamp type: "2024-13-45" matches its pattern, not the calendar
        raise ScenarioError(f"not a valid date or number: {exc}", file=file,
                            expected="dates as YYYY-MM-DD that exist in the calendar") from None
    if count_values(data, MAX_YAML_VALUES) > MAX_YAML_VALUES:
        # "billion laughs": aliases make a small file stand for an enormous document
        raise ScenarioError(f"the YAML expands to more than {MAX_YAML_VALUES:,} values through anchors and "
                            "aliases", file=file, expected="a scenario written out without such expansion")
    return scenario_from_dict(data, file=file)


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """Plain data (JSON types) with empty optional fields left out."""
    return scenario.model_dump(mode="json", exclude_none=True, exclude_defaults=False)


def dump_yaml(scenario: Scenario) -> str:
    return yaml.dump(scenario_to_dict(scenario), Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                     sort_keys=False, allow_unicode=True, width=110)
