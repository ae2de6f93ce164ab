"""Package structure: no import cycle among ``stakes`` modules (imports inside functions count), small modules.

The graph has one node a module of ``src/stakes``. Every ``import``/``from … import`` statement anywhere in a file
(module level, in functions, under ``if TYPE_CHECKING``) is an edge; ``from package import name`` points at the
submodule ``package.name`` when there is one, else at ``package``. Importing a submodule also runs its parent
packages' ``__init__`` — that implicit step is not an edge (it is not a dependency of the importing code).
``importlib.import_module`` is an edge too: with a literal name, or, for ``f"{__name__}.{name}"`` in a package,
to every submodule a module-level ``*_MODULES`` tuple of that package names (how models, validation cases and
CLI commands are loaded).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "stakes"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolve_from(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def listed_submodules(tree: ast.Module) -> list[str]:
    """The submodules a package imports by name: the names in its module-level ``*_MODULES`` tuples, and the
    first item of each value of a ``COMMANDS`` table (``name -> (module, help)``, the CLI's)."""
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        ids = [getattr(t, "id", "") for t in targets]
        if getattr(node, "value", None) is None:
            continue
        if any(i.endswith("_MODULES") for i in ids):
            names.extend(ast.literal_eval(node.value))
        elif "COMMANDS" in ids:
            names.extend(module for module, _help in ast.literal_eval(node.value).values())
    return names


def is_import_module(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and node.args):
        return False
    return "import_module" in (getattr(node.func, "attr", None), getattr(node.func, "id", None))


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = resolve_from(name, is_package, node)
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                targets.add(sub if sub in known else source)
        elif is_import_module(node):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                targets.add(arg.value)
            elif isinstance(arg, ast.JoinedStr) and is_package:
                targets.update(f"{name}.{sub}" for sub in listed_submodules(tree))
    return {t for t in targets if t in known and t != name}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_graph_sees_deferred_and_relative_imports():
    """The scanner itself: a deferred relative import is an edge, and ``from pkg import submodule`` resolves."""
    graph = import_graph()
    assert "stakes.models.bdm.numba" in graph["stakes.models.bdm"]  # imported inside numba_kernel()
    assert "stakes.models.bdm" in graph["stakes.models"]  # importlib over MODEL_MODULES
    assert "stakes.validation.bdm1994" in graph["stakes.validation"]  # importlib over CASE_MODULES
    assert "stakes.cli.forecast" in graph["stakes.cli"]  # importlib over the COMMANDS table
    assert "stakes.models" in graph["stakes"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "modules that import each other (directly or around a circle):\n" + "\n".join(
        ", ".join(c) for c in found)


@pytest.mark.parametrize("name,path", sorted(modules().items()))
def test_module_size(name, path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SRC)} has {lines} lines (limit {MAX_LINES})"
