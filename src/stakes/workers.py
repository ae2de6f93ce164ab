"""A second process that imports what a command will need while the command computes, then does a job.

Two commands use it on machines with two cores or more: ``stakes report`` draws its charts there (matplotlib
is imported meanwhile), ``stakes forecast`` records its result there (pandas, SQLAlchemy and the store's schema
are imported meanwhile, ~1 s). The worker is *spawned*, not forked: a fork after the models ran would copy
numba's OpenMP threads, which are not fork-safe. If the worker is lost (e.g. a spawned worker cannot import
the ``__main__`` of a program read from standard input), its jobs are done in this process instead.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import os
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class InProcess:
    """An executor that runs each job at once, here (the interface of ``concurrent.futures``)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever asks for the result, as a pool would
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


def start_worker(initializer: Callable[[], None], parallel: bool = True) -> InProcess | SecondProcess:
    """A one-worker pool, its worker starting now and running ``initializer`` (imports, while this process
    goes on), or :class:`InProcess` unless ``parallel`` and this process may use two cores or more."""
    if not parallel or usable_cores() < 2:
        return InProcess()
    import multiprocessing

    try:
        pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_initialize, initargs=(initializer,))
    except (OSError, ImportError, NotImplementedError):  # no semaphores here (e.g. no /dev/shm): one process
        return InProcess()
    worker = SecondProcess(pool)
    worker.submit(int)  # the worker starts now (a pool starts one at its first job)
    return worker


class SecondProcess:
    """The worker pool, whose jobs are done here instead if the worker is lost (e.g. a spawned worker cannot
    import the ``__main__`` of a program run from standard input)."""

    def __init__(self, pool: cf.ProcessPoolExecutor) -> None:
        self.pool = pool
        self.jobs: list[Job] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Job:
        job = Job(self.pool, fn, args, kwargs)
        self.jobs.append(job)
        return job

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop the worker. It is terminated at once when it has nothing left to do (its exit, with pandas and
        the rest loaded, would take ~0.4 s) or when not waiting for it (after an error or Ctrl-C)."""
        if not wait or all(job.done() for job in self.jobs):
            for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                process.terminate()
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class Job:
    """A job sent to the worker; :meth:`result` runs it here if the worker broke before finishing it."""

    def __init__(self, pool: cf.ProcessPoolExecutor, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
                 ) -> None:
        self.call = fn, args, kwargs
        try:
            self.future: cf.Future | None = pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            self.future = None

    def done(self) -> bool:
        return self.future is None or self.future.done()

    def result(self) -> Any:
        if self.future is not None:
            try:
                return self.future.result()
            except BrokenProcessPool:
                pass
        fn, args, kwargs = self.call
        return fn(*args, **kwargs)


def _initialize(initializer: Callable[[], None]) -> None:
    """The worker's start: ``initializer`` (imports), then the objects it made are put out of the cyclic
    collector's reach (:func:`gc.freeze`): each full collection during a job would walk them all again."""
    initializer()
    gc.freeze()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1
