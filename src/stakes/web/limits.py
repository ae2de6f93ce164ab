"""Limits of the web app: sizes it accepts and work it agrees to do, with the messages users see."""

from __future__ import annotations

from dataclasses import dataclass

from ..scenario import Scenario


@dataclass(frozen=True)
class Limits:
    """What one server accepts; every limit has a message naming it (see :func:`check_scenario`)."""

    max_upload_bytes: int = 2_000_000
    """Largest request body (upload or JSON), in bytes."""
    max_actors: int = 400
    max_issues: int = 40
    max_stances: int = 8_000
    max_variants: int = 40
    max_sim_runs: int = 20_000
    """Largest Monte Carlo run count of one simulation."""
    max_work: float = 2e8
    """Largest estimated work of one job: runs × variants × models × actors² × issues."""
    job_seconds: float = 120.0
    """Time limit of one job; a job still running then is stopped and reported as timed out."""
    max_running: int = 2
    """Jobs computed at the same time (each in its own process)."""
    max_queued: int = 8
    """Jobs waiting for a free slot; more are refused with 429."""
    max_scenarios: int = 200
    """Scenarios held in the workspace."""
    max_jobs_kept: int = 200
    """Finished jobs remembered (the oldest are forgotten first)."""
    max_runs_kept: int = 200
    """Runs held in memory (the oldest are dropped first; those in the run store can be read back)."""
    job_memory_bytes: int = 3 * 2**30
    """Address space one job's process may add to what it starts with (its whole pipeline: model, tables);
    past it the job fails with a message naming this limit."""
    max_result_bytes: int = 64_000_000
    """Largest result a job may hand back to the server (its tables, pickled)."""
    body_seconds: float = 30.0
    """Time a request's body has to arrive in full (408 after)."""
    max_in_flight: int = 256
    """Requests handled at once; more get 429 with Retry-After."""


class LimitError(Exception):
    """A request asks for more than the server's limits; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def check_scenario(scenario: Scenario, limits: Limits) -> None:
    """Refuse scenarios larger than the server accepts, naming the limit and the way around it."""
    hint = "run it from the command line (stakes forecast / stakes simulate), which has no such limit"
    for what, count, limit in (
        ("actors", len(scenario.actors), limits.max_actors),
        ("issues", len(scenario.issues), limits.max_issues),
        ("stances", len(scenario.stances), limits.max_stances),
        ("variants", len(scenario.variants), limits.max_variants),
    ):
        if count > limit:
            raise LimitError(f"the scenario has {count} {what}; this server accepts at most {limit} "
                             f"(limit max_{what}); {hint}", status=413)


def check_work(scenario: Scenario, n_models: int, n_variants: int, runs: int, limits: Limits) -> None:
    """Refuse a job whose estimated work (runs × variants × models × actors² × issues) is too large."""
    if runs > limits.max_sim_runs:
        raise LimitError(f"{runs} Monte Carlo runs asked for; this server runs at most {limits.max_sim_runs} "
                         "per simulation (limit max_sim_runs)")
    work = float(runs) * n_variants * n_models * len(scenario.actors) ** 2 * len(scenario.issues)
    if work > limits.max_work:
        raise LimitError(f"this job is too large for the server: about {work:.2g} units of work "
                         f"(runs × variants × models × actors² × issues) against a limit of "
                         f"{limits.max_work:.2g} (limit max_work); ask for fewer runs, models or variants, "
                         "or use the command line")
