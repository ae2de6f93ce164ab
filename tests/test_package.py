"""Package hygiene: the public API is what __all__ says, and the core imports no edge code."""

from __future__ import annotations

import subprocess
import sys

import stakes

CORE = ["stakes", "stakes.scenario", "stakes.arrays", "stakes.variants", "stakes.theses", "stakes.forecast",
        "stakes.models", "stakes.io"]
EDGE = ["typer", "rich", "fastapi", "uvicorn", "sqlalchemy", "alembic", "matplotlib", "jinja2", "dask",
        "distributed", "playwright", "psycopg", "numba", "SALib"]


def test_all_names_exist():
    for name in stakes.__all__:
        assert hasattr(stakes, name), name


def test_core_imports_no_edge_code():
    code = (
        "import sys, importlib\n"
        f"for m in {CORE!r}: importlib.import_module(m)\n"
        "from stakes.models import list_models; list_models()\n"
        "for m in ['stakes.alignment', 'stakes.uncertainty']:\n"
        "    try: importlib.import_module(m)\n"
        "    except ModuleNotFoundError as e:\n"
        "        if e.name != m: raise\n"
        f"print(sorted(m for m in {EDGE!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
