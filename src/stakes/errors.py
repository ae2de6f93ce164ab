"""Errors meant for people: every input problem names where it is and what was expected.

The CLI turns any :class:`StakesError` into a one-paragraph message and exit status 2.
"""

from __future__ import annotations

from dataclasses import dataclass


class StakesError(Exception):
    """Base class of every error `stakes` raises on purpose (bad input, bad option)."""


@dataclass
class ScenarioError(StakesError):
    """A scenario (or another input file) is malformed.

    Every field but ``message`` is optional; fill in what is known so the reader can find the spot.
    """

    message: str
    file: str | None = None
    row: int | str | None = None
    actor: str | None = None
    issue: str | None = None
    field: str | None = None
    expected: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}" if isinstance(self.row, int) else f"at {self.row}")
        if self.actor:
            where.append(f"actor '{self.actor}'")
        if self.issue:
            where.append(f"issue '{self.issue}'")
        if self.field:
            where.append(f"field '{self.field}'")
        text = self.message
        if where:
            text = f"{', '.join(where)}: {text}"
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class OptionError(StakesError):
    """A command-line or API option has an invalid value."""
