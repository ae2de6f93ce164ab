"""Errors of the run store (both are :class:`stakes.errors.StakesError`: the CLI prints them, exit 2)."""

from __future__ import annotations

from ..errors import StakesError


class StoreError(StakesError):
    """The run store cannot be opened, read or written."""


class FrameError(StoreError):
    """A DataFrame that cannot be stored (duplicate or non-string column names, unsupported values)."""
