"""A cache that lives for one ``with`` block: the shared mechanism of ``models.base.reuse_results`` and
``alignment.uncertainty.share_side_runs``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any


@contextmanager
def cache_scope(var: ContextVar[dict[Any, Any] | None]) -> Iterator[None]:
    """``var`` holds a fresh dict inside the block (an enclosing block's dict is kept), None again after it."""
    token = var.set({}) if var.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            var.reset(token)
