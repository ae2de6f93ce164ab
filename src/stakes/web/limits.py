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
    """Largest estimated work of one job: runs × variants × models × actors² × issues for a simulation; for an
    alignment, :func:`alignment_work` (exponential in the actors up to the exact engine's limit)."""
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


EXACT_UNITS_PER_CONFIGURATION_ACTOR = 0.005
"""Units of work of the exact landscape engine per configuration and actor. A unit is ~1e-7 s of a model step
(``max_work`` = 2e8 is ~20 s); the exact engine takes ~0.5 ns per configuration × actor (measured at n = 20–24,
2^(n−1) configurations: 4.7 ms at n = 20, 102 ms at n = 24)."""
HEURISTIC_UNITS_PER_RESTART_PAIR = 20.0
"""Units per restart × actors² of the heuristic engine (measured 1–3 µs per restart × n², n = 30–100)."""


def alignment_work(n_actors: int, n_issues: int, n_variants: int, runs: int) -> float:
    """Estimated work of an alignment job: each variant's landscape, plus ``runs`` Monte Carlo landscapes of
    its side probabilities. Each landscape's weights come from a drawn scenario (actors² × issues, as a model
    step), then the exact engine visits 2^(n−1) configurations, the heuristic restarts × n² (each used where
    the alignment's ``auto`` engine uses it)."""
    from ..alignment import AUTO_EXACT_MAX_N
    from ..alignment.heuristic import DEFAULT_RESTARTS
    from ..alignment.uncertainty import PER_RUN_EXACT_MAX_N

    def one(exact: bool) -> float:
        weights = float(n_actors**2 * n_issues)
        if exact:
            return weights + 2.0 ** (n_actors - 1) * n_actors * EXACT_UNITS_PER_CONFIGURATION_ACTOR
        return weights + DEFAULT_RESTARTS * n_actors**2 * HEURISTIC_UNITS_PER_RESTART_PAIR

    return n_variants * (one(n_actors <= AUTO_EXACT_MAX_N) + runs * one(n_actors <= PER_RUN_EXACT_MAX_N))


def check_alignment_work(scenario: Scenario, n_variants: int, runs: int, limits: Limits) -> None:
    """Refuse an alignment whose estimated work (:func:`alignment_work`) passes ``max_work``."""
    from ..alignment.uncertainty import PER_RUN_EXACT_MAX_N

    if runs > limits.max_sim_runs:
        raise LimitError(f"{runs} Monte Carlo runs asked for; this server runs at most {limits.max_sim_runs} "
                         "per analysis (limit max_sim_runs)")
    n = len(scenario.actors)
    work = alignment_work(n, len(scenario.issues), n_variants, runs)
    if work > limits.max_work:
        raise LimitError(f"this alignment is too large for the server: {n} actors, {n_variants} variant(s) and "
                         f"{runs:,} Monte Carlo runs are about {work:.2g} units of work (a landscape of n actors "
                         f"costs 2^(n−1) configurations up to {PER_RUN_EXACT_MAX_N} actors) against a limit of "
                         f"{limits.max_work:.2g} (limit max_work); ask for fewer runs or variants, or use the "
                         "command line (stakes align)")

