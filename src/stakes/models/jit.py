"""Say when a numba kernel is about to compile.

The first call of a kernel after install (or after an upgrade of stakes or numba) compiles it: tens of seconds
on a small machine, then numba's on-disk cache makes later processes load it in well under a second. The
models call :func:`announce_compile` just before that call, which logs one line on the ``stakes`` logger
(the command line prints it on stderr), so the wait is never silent. Small batches do not use the kernels
at all (each model's ``engine="auto"``), so a first ``stakes forecast`` compiles nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

log = logging.getLogger("stakes.compile")
_compiling = ContextVar("stakes_compiling_allowed", default=True)


@contextmanager
def no_compiling() -> Iterator[None]:
    """Within it, ``engine="auto"`` takes a kernel only when it runs without compiling (for side computations
    such as the diagnostics, which should never make a forecast wait for a compiler)."""
    token = _compiling.set(False)
    try:
        yield
    finally:
        _compiling.reset(token)


def may_compile() -> bool:
    """False inside :func:`no_compiling`."""
    return _compiling.get()


def needs_compiling(dispatcher: Any) -> bool:
    """True unless ``dispatcher`` is compiled in this process or numba's disk cache holds it for this source."""
    if getattr(dispatcher, "overloads", None):
        return False
    try:
        return not dispatcher._cache._cache_file._load_index()  # numba internals; any failure: assume it compiles
    except Exception:
        return True


_announced: set[str] = set()


def announce_compile(dispatcher: Any, what: str) -> None:
    """Log that ``what`` is about to compile — once per process, however many calls wait for it."""
    if what not in _announced and needs_compiling(dispatcher):
        _announced.add(what)
        log.info("compiling the %s kernel (numba; once after install, then cached on disk) ...", what)


@contextmanager
def threads_for(rows: int, rows_per_thread: int = 64) -> Iterator[None]:
    """numba's threads for one call over ``rows`` independent rows: fewer (one) for a small batch, where the
    threads would wait more than they work (the built-in forecast: 0.3 s of CPU less, the same wall time).
    Results do not depend on the thread count. Imports numba: call it only around a kernel call."""
    import numba

    before = numba.get_num_threads()
    want = max(1, min(before, rows // rows_per_thread))
    if want != before:
        numba.set_num_threads(want)
    try:
        yield
    finally:
        if want != before:
            numba.set_num_threads(before)


def cached_njit(**kw: Any) -> Any:
    """``numba.njit`` with an on-disk cache when numba finds a writable cache directory, else without (numba:
    "cannot cache function ...: no locator available"). Imports numba: use it only in a kernel module."""
    import numba

    def wrap(fn: Any) -> Any:
        try:
            return numba.njit(cache=True, error_model="numpy", **kw)(fn)
        except RuntimeError:
            return numba.njit(cache=False, error_model="numpy", **kw)(fn)

    return wrap
