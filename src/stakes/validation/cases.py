"""What a validation case handler returns and how it registers (imported by :mod:`stakes.validation` and by
every case module; imports neither)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal


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


HANDLERS: list[CaseHandler] = []


def register_case(handler: CaseHandler) -> CaseHandler:
    HANDLERS.append(handler)
    return handler
