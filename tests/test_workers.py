"""The second process (stakes.workers) of the report and of recording: jobs come back from the worker, or are
done here when the worker is lost."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os

import pytest

from stakes.report.jobs import second_process
from stakes.workers import InProcess, SecondProcess


def _broken_start() -> None:
    os._exit(3)  # the worker dies while starting, as a spawned worker does that cannot import __main__


def _square(x: int) -> int:
    return x * x


def _worker_pid(_: int) -> int:
    return os.getpid()


def test_jobs_of_a_lost_worker_are_done_here() -> None:
    pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_broken_start)
    worker = SecondProcess(pool)
    first = worker.submit(_square, 3)
    assert first.result() == 9  # the worker died: done here
    later = worker.submit(_square, 4)  # the pool is broken now: submitting does not raise either
    assert later.done() and later.result() == 16
    worker.shutdown(wait=False)


def test_a_job_error_is_raised_not_redone() -> None:
    worker = SecondProcess(cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")))
    try:
        job = worker.submit(_square, "x")
        with pytest.raises(TypeError):
            job.result()
        assert worker.submit(_worker_pid, 0).result() != os.getpid()  # the jobs run in the worker
    finally:
        worker.shutdown()


def test_no_second_process_unless_asked() -> None:
    assert isinstance(second_process(parallel=False), InProcess)


def test_the_recorder_is_a_second_process_only_where_it_can_pay(monkeypatch, tmp_path):
    from stakes import workers
    from stakes.store.record import start_recorder

    assert start_recorder("off") is None  # recording off: nothing started
    monkeypatch.setattr(workers, "usable_cores", lambda: 1)
    assert isinstance(start_recorder(str(tmp_path / "runs.db")), InProcess)  # one core: recorded here
    monkeypatch.setattr(workers, "usable_cores", lambda: 2)
    recorder = start_recorder(str(tmp_path / "runs.db"))
    try:
        assert isinstance(recorder, SecondProcess)
        assert recorder.submit(_worker_pid, 0).result() != os.getpid()
    finally:
        recorder.shutdown()
    assert not (tmp_path / "runs.db").exists()  # starting it opens no store
