"""Built-in scenarios shipped with the package; the seed's world (July 2024) is the default."""

from __future__ import annotations

from importlib import resources

from ..io.yaml_io import loads_yaml
from ..scenario import Scenario

DEFAULT = "ukraine-2024-07"
_FILES = {"ukraine-2024-07": "ukraine_2024_07.yaml"}


def builtin_names() -> list[str]:
    return list(_FILES)


def builtin_text(name: str = DEFAULT) -> str:
    if name not in _FILES:
        raise KeyError(f"unknown built-in scenario '{name}' (known: {', '.join(_FILES)})")
    return resources.files(__package__).joinpath(_FILES[name]).read_text(encoding="utf-8")


def builtin_scenario(name: str = DEFAULT) -> Scenario:
    """A built-in scenario by name (default: the seed's world, July 2024)."""
    return loads_yaml(builtin_text(name), file=f"<built-in {name}>")
