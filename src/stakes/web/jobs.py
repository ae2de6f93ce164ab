"""Background jobs: each forecast or simulation runs in its own process, watched by a thread.

Why a process: a model that never converges cannot be interrupted inside a Python thread; a process can
be killed at its time limit, so the server never keeps burning a core for a job nobody waits for, and a
crash of the computation cannot take the server down. The child sends ``("progress", fraction, text)``
messages and finally ``("done", result)`` or ``("error", message, is_input_error)`` through a pipe.

The whole pipeline runs in the child, under the job's limits: its address space is capped
(``limits.job_memory_bytes``), the task returns the run's tidy tables (not the model's raw arrays), and a
pickled answer larger than ``limits.max_result_bytes`` is refused there — the server reads at most that
many bytes, so its memory stays bounded whatever a scenario asks. Errors reach the user without the
server's internals (no traceback, no file paths); the traceback goes to the server's log (stderr).

At most ``limits.max_running`` jobs run at once; up to ``limits.max_queued`` wait; more are refused
(:class:`LimitError` with status 429) with a message saying so.
"""

from __future__ import annotations

import multiprocessing
import pickle
import re
import secrets
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .limits import LimitError, Limits

Task = Callable[[dict[str, Any], Callable[[float, str], None]], Any]
"""A picklable top-level function ``task(payload, progress) -> result`` run in the child process."""

JOB_ID = r"^j[0-9a-f]{16}$"
FINAL = ("done", "failed", "timed_out", "cancelled")


@dataclass
class Job:
    id: str
    kind: str
    scenario_id: str | None
    status: str = "queued"
    """queued, running, done, failed, timed_out or cancelled."""
    progress: float = 0.0
    message: str = "waiting for a free slot"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: Any = None
    error: str | None = None
    run_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "scenario_id": self.scenario_id, "status": self.status,
            "progress": round(self.progress, 4), "message": self.message, "error": self.error,
            "run_id": self.run_id, "created": self.created, "started": self.started, "finished": self.finished,
        }


def job_context(start_method: str | None = None) -> Any:
    """The multiprocessing context jobs start in.

    Default: ``forkserver`` where the platform has it (a clean server process, started once with the
    model code imported, forks each job: ~0.2 s a job instead of ~1.5 s for ``spawn``, and without
    ``fork``'s hazards in a threaded server), else ``spawn``.
    """
    if start_method is None:
        start_method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(start_method)
    if start_method == "forkserver":
        ctx.set_forkserver_preload(["stakes.web.tasks"])
    return ctx


_PATH = re.compile(r"(?:[A-Za-z]:)?[\\/][^\s'\",:;)]+")


def public_error(exc: BaseException) -> str:
    """``Type: first line of the message`` with file paths hidden and at most 300 characters: what a user
    may see of an unexpected error (the traceback goes to the server's log only)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = _PATH.sub("<path>", text)[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _address_space() -> int:
    """This process's current virtual size in bytes (0 where /proc is not available)."""
    try:
        import os

        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(max_bytes: int) -> None:
    """Cap the address space at what the process already maps (inherited from the server) + ``max_bytes``."""
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = _address_space() + max_bytes
        cap = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # not on this platform: the time limit still applies
        pass


def _child_main(task: Task, payload: dict[str, Any], conn: Any, memory_bytes: int | None = None,
                max_result_bytes: int | None = None) -> None:
    from ..errors import StakesError

    if memory_bytes:
        _limit_memory(memory_bytes)

    def send(message: tuple[Any, ...]) -> None:
        conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def progress(fraction: float, text: str) -> None:
        send(("progress", float(fraction), str(text)[:500]))

    try:
        result = task(payload, progress)
        data = pickle.dumps(("done", result), protocol=pickle.HIGHEST_PROTOCOL)
        del result
        if max_result_bytes is not None and len(data) > max_result_bytes:
            send(("error", f"the result is too large for this server ({len(data):,} bytes, limit "
                           f"max_result_bytes = {max_result_bytes:,}); ask for fewer rounds, runs, variants "
                           "or models, or use the command line", True))
        else:
            conn.send_bytes(data)
    except StakesError as exc:
        send(("error", str(exc), True))
    except MemoryError:
        send(("error", f"the job ran out of memory (limit job_memory_bytes = {memory_bytes or 0:,}); ask for "
                       "fewer rounds, runs, variants or models, or use the command line", True))
    except Exception as exc:  # reported to the user without internals; the traceback goes to the log
        traceback.print_exc(limit=8, file=sys.stderr)
        send(("error", public_error(exc), False))
    finally:
        conn.close()


class JobManager:
    """Runs tasks in child processes with a time limit; ``on_done(job)`` is called when one succeeds."""

    def __init__(self, limits: Limits, on_done: Callable[[Job], None] | None = None,
                 start_method: str | None = None) -> None:
        self.limits = limits
        self._on_done = on_done
        self._ctx = job_context(start_method)
        self._pool = ThreadPoolExecutor(max_workers=limits.max_running, thread_name_prefix="stakes-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._procs: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._closed = False

    # -- public -------------------------------------------------------------------------------------
    def submit(self, kind: str, task: Task, payload: dict[str, Any], scenario_id: str | None = None,
               meta: dict[str, Any] | None = None) -> Job:
        with self._lock:
            if self._closed:
                raise LimitError("the server is shutting down", status=503)
            queued = sum(1 for j in self._jobs.values() if j.status == "queued")
            if queued >= self.limits.max_queued:
                raise LimitError(f"{queued} jobs are already waiting (limit max_queued = "
                                 f"{self.limits.max_queued}); try again when one has finished", status=429)
            job = Job(id="j" + secrets.token_hex(8), kind=kind, scenario_id=scenario_id, meta=dict(meta or {}))
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, task, payload)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status in FINAL:
                return job
            job.status, job.message, job.finished = "cancelled", "cancelled by the user", time.time()
            proc = self._procs.get(job_id)
        if proc is not None:
            proc.kill()
        return job

    def wait(self, job_id: str, timeout: float = 60.0) -> Job | None:
        """Block until the job is final (for tests and scripts); returns it."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.get(job_id)
            if job is None or job.status in FINAL:
                return job
            time.sleep(0.05)
        return self.get(job_id)

    def start(self) -> None:
        """Accept jobs again after :meth:`shutdown` (an app's lifespan may start more than once)."""
        with self._lock:
            if self._closed:
                self._pool = ThreadPoolExecutor(max_workers=self.limits.max_running,
                                                thread_name_prefix="stakes-job")
                self._closed = False

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            procs = list(self._procs.values())
            for job in self._jobs.values():
                if job.status == "queued":
                    job.status, job.message = "cancelled", "the server shut down"
        for proc in procs:
            proc.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- internals ----------------------------------------------------------------------------------
    def _forget_old(self) -> None:
        while len(self._jobs) > self.limits.max_jobs_kept:
            oldest = next((k for k, j in self._jobs.items() if j.status in FINAL), None)
            if oldest is None:
                break
            del self._jobs[oldest]

    def _finish(self, job: Job, status: str, message: str, error: str | None = None) -> None:
        with self._lock:
            if job.status in FINAL:  # cancelled meanwhile
                return
            job.status, job.message, job.error, job.finished = status, message, error, time.time()

    def _run(self, job: Job, task: Task, payload: dict[str, Any]) -> None:
        with self._lock:
            if job.status != "queued":
                return
            job.status, job.started, job.message = "running", time.time(), "starting"
        receiver, sender = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=_child_main, daemon=True,
                                 args=(task, payload, sender, self.limits.job_memory_bytes,
                                       self.limits.max_result_bytes))
        try:
            proc.start()
        except Exception as exc:
            self._finish(job, "failed", "could not start the worker process", str(exc))
            return
        sender.close()
        with self._lock:
            self._procs[job.id] = proc
        limit = self.limits.job_seconds
        deadline = time.monotonic() + limit
        outcome: tuple[Any, ...] | None = None
        try:
            while outcome is None:
                if job.status == "cancelled":
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    proc.kill()
                    self._finish(job, "timed_out", f"stopped after {limit:g} s, the time limit of one job "
                                 "(limit job_seconds): a model that does not converge, or too much work; "
                                 "try fewer runs, rounds or models")
                    break
                try:
                    if not receiver.poll(min(remaining, 0.2)):
                        if not proc.is_alive() and not receiver.poll(0):
                            self._finish(job, "failed", "the worker process stopped without an answer",
                                         f"exit code {proc.exitcode}")
                            break
                        continue
                    msg = pickle.loads(receiver.recv_bytes(self.limits.max_result_bytes + 65_536))
                except (EOFError, OSError, pickle.UnpicklingError):
                    self._finish(job, "failed", "the worker process stopped without an answer",
                                 f"exit code {proc.exitcode}")
                    break
                if msg[0] == "progress":
                    with self._lock:
                        job.progress, job.message = max(0.0, min(1.0, msg[1])), msg[2]
                else:
                    outcome = msg
        finally:
            receiver.close()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
            with self._lock:
                self._procs.pop(job.id, None)
        if outcome is None:
            return
        if outcome[0] == "error":
            kind = "the input was refused" if outcome[2] else "the computation failed"
            self._finish(job, "failed", kind, outcome[1])
            return
        job.result = outcome[1]
        try:
            if self._on_done is not None:
                self._on_done(job)
        except Exception as exc:  # storing failed: the job is failed, nothing half-stored is shown
            traceback.print_exc(limit=8, file=sys.stderr)
            self._finish(job, "failed", "the result could not be stored", public_error(exc))
            return
        with self._lock:
            if job.status == "running":
                job.progress = 1.0
        self._finish(job, "done", "finished")
