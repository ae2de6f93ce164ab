"""One BLAS thread for the many small matrix products of the landscape engines.

The exact landscape engine's products are small (e.g. ``(512 × 9) @ (9 × 1024)`` for 20 actors) and run
hundreds of times in a side-probability Monte Carlo. OpenBLAS spreads each over every core; on a busy 2-core
machine its threads then fight numba's and each other, and the built-in forecast took 3.8–6.2 s instead of
3.7–3.9 s with one thread (benchmarks/README.md). :func:`one_blas_thread` limits BLAS to one thread for the
block it guards (process-wide, as BLAS's setting is; restored on exit), with ``threadpoolctl`` — the library
scikit-learn uses for this. Nested guards cost nothing.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_state = threading.local()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside the block (the outermost guard sets and restores it)."""
    if getattr(_state, "depth", 0) > 0:
        _state.depth += 1
        try:
            yield
        finally:
            _state.depth -= 1
        return
    from threadpoolctl import threadpool_limits

    _state.depth = 1
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        _state.depth = 0


def on_one_blas_thread(fn: F) -> F:
    """Decorator: ``fn`` runs inside :func:`one_blas_thread`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
