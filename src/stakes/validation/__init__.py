"""Validation against published cases: run every model on every case and compare.

A *case* is a folder of data from a public source (see ``tests/data/validation/README.md``). Each case kind
has a handler module in this package that recognises its folder and returns :class:`ValidationRow` s:

* ``kind="outcome"`` — a real outcome (e.g. the EC emission standards of BdM 1994): one row per model × issue;
* ``kind="replication"`` — another implementation's output (KTAB, Decide, landscape): rows per model × issue
  and, where the case holds final positions, per actor (``actor`` set, ``issue`` = the dimension).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd

from ..errors import OptionError
from .cases import HANDLERS, CaseHandler, ValidationRow, register_case

CASE_MODULES = ("bdm1994", "ktab_soe", "decide_cop21", "landscape_furnas")


def _load_handlers() -> list[CaseHandler]:
    if not HANDLERS:
        for name in CASE_MODULES:
            importlib.import_module(f"{__name__}.{name}")
    return HANDLERS


def default_cases_dir() -> Path:
    """The project's copy of the cases (tests/data/validation), else ../shared/data/validation."""
    here = Path(__file__).resolve()
    for root in here.parents:
        for candidate in (root / "tests" / "data" / "validation", root.parent / "shared" / "data" / "validation"):
            if candidate.is_dir():
                return candidate
    raise OptionError("no validation cases found: pass the folder, e.g. stakes validate ../shared/data/validation")


def validate_cases(directory: Path | None = None) -> pd.DataFrame:
    """Every case in ``directory`` (default :func:`default_cases_dir`) against every model, as rows."""
    root = Path(directory) if directory is not None else default_cases_dir()
    if not root.is_dir():
        raise OptionError(f"'{root}' is not a folder of validation cases")
    handlers = _load_handlers()
    rows: list[ValidationRow] = []
    folders = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
    for folder in folders:
        for handler in handlers:
            if handler.detect(folder):
                rows.extend(handler.run(folder))
    columns = ["case", "issue", "actor", "model", "value", "reference", "error", "kind"]
    return pd.DataFrame([r.as_dict() for r in rows], columns=columns)


__all__ = ["CaseHandler", "ValidationRow", "default_cases_dir", "register_case", "validate_cases"]
