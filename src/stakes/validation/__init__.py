"""Validation against published cases: run every model on every case and compare.

A *case* is a folder of data from a public source (see ``tests/data/validation/README.md``). Each case kind
has a handler module in this package that recognises its folder and returns :class:`ValidationRow` s:

* ``kind="outcome"`` — a real outcome (e.g. the EC emission standards of BdM 1994): one row per model × issue;
* ``kind="replication"`` — another implementation's output (KTAB, Decide, landscape): rows per model × issue
  and, where the case holds final positions, per actor (``actor`` set, ``issue`` = the dimension).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from ..errors import OptionError


@dataclass(frozen=True)
class ValidationRow:
    case: str
    issue: str
    actor: str | None
    model: str
    value: float
    reference: float
    kind: Literal["outcome", "replication"]

    @property
    def error(self) -> float:
        return self.value - self.reference

    def as_dict(self) -> dict:
        return {**asdict(self), "error": self.error}


@dataclass(frozen=True)
class CaseHandler:
    name: str
    detect: Callable[[Path], bool]
    run: Callable[[Path], list[ValidationRow]]


_HANDLERS: list[CaseHandler] = []
CASE_MODULES = ("bdm1994", "ktab_soe", "decide_cop21", "landscape_furnas")


def register_case(handler: CaseHandler) -> CaseHandler:
    _HANDLERS.append(handler)
    return handler


def _load_handlers() -> list[CaseHandler]:
    if not _HANDLERS:
        for name in CASE_MODULES:
            importlib.import_module(f"{__name__}.{name}")
    return _HANDLERS


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
