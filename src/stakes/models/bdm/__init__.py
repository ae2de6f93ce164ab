"""Bueno de Mesquita's expected-utility model, as formalised by Scholz, Calbert & Smith (2011).

Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno de Mesquita's group decision model.
ICAART 2011, pp. 18–30 (also J. Theoretical Politics 23(4):510–531). Per issue (1-D), each round:

* Δ = the issue's scale span; d_ij = |x_i − x_j|/Δ; μ = the median voter position (start of the round).
* Utilities (§3, eqs 15, 16, 22–24), exponent r: U_s = 2 − 4(½ − ½d)^r, U_f = 2 − 4(½ + ½d)^r,
  U_b = 2 − 4(½ − ¼(|x_i − μ|/Δ + d))^r, U_w = 2 − 4(½ + ¼(|x_i − μ|/Δ + d))^r, U_sq = 2 − 4·½^r.
* Votes (§4, eq 31): support_ij = Σ_k c_k s_k max(0, |x_k − x_j| − |x_k − x_i|). ``probability="scholz"``
  (default) divides by the sum of |votes| over every ordered pair of actors, as Scholz's program does (it
  reproduces their Table 2); ``"pairwise"`` divides by support_ij + support_ji, as eq 31 is printed.
* Expected utility (eqs 5–7, 25): EU_ij = s_j[P_ij U_s + (1 − P_ij) U_f] + (1 − s_j) U_s − Q U_sq
  − (1 − Q)[T U_b + (1 − T) U_w]; T = 1 when μ is nearer to i than x_j is (Scholz cases 1, 3A), else 0,
  unless the parameter T fixes it.
* Risk (§5, eqs 32–34): with r = 1, security_i = Σ_{j≠i} EU_ji; R_i = (2 sec_i − max − min)/(max − min)
  over the actors; r_i = (1 − R_i/3)/(1 + R_i/3) ∈ [0.5, 2]; utilities are then recomputed with r.
* Offers (§6): actor i judges each j from its own viewpoint (``perception="receiver"``: both EU_ij and EU_ji
  with r_i, as BdM's "view from i" charts; ``"own"`` gives EU_ji j's r_j). With a = EU_ij, b = EU_ji:
  conflict lost (b > a > 0) → x_i ← x_j; compromise (a < 0 < b, |a| < b) → x_i += (x_j − x_i)|a/b|;
  capitulation (a < 0 < b, |a| > b) → x_i ← x_j. i takes a conflict offer if it has one (least move), else
  the compromise of the most enforceable proposer (largest b), else a capitulation (least move). All move
  at once. Ties: equally enforceable compromises → least move, then the lower position; offers equally
  near (within 1e-12 of the scale) → the lower position. Distances beyond the scale count as Δ.
* Forecast: the median voter position (the lower capability × salience weighted median = the Condorcet
  winner among the positions held, Scholz appendix step 3) after each round.

Stopping rule (the model oscillates; docs/decisions/bdm.md): run ``rounds`` rounds (default 8, Scholz's
Table 2), stopping early once no actor moves more than ``tolerance``·Δ (later rounds would repeat it).
``report="stable"`` (default, :mod:`.stable`) forecasts the fixed point, or the central value of the cycle
over a 64-round run, so the forecast does not move with ``rounds``; ``"mean-of-rounds"`` (Scholz's reading)
the settled median, else the mean of the medians of rounds 1..rounds; ``"final-round"`` the last median.
Multi-issue scenarios run each issue independently (issues are folded into the batch axis). Actors
without a stance on an issue take no part in it: no votes, not challenged, never move. Extra output:
``extra["mean"]`` (B, T+1, d), the c·s weighted mean position per round.

Engine (:mod:`stakes.models.bdm.numpy`): no Python loop over runs or actor pairs; the vote sums take
O(n² log n) per issue and round (prefix sums over sorted positions, see ``_support``); rows are processed in
cache-sized chunks.
``engine="numba"`` (or ``"auto"`` with numba installed) runs the same rounds as one compiled loop per row
(:mod:`stakes.models.bdm.numba`, imported only then); the results agree to ~1e-9.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...arrays import ScenarioArrays
from ...errors import OptionError
from ..base import ModelResult, ModelSpec, Parameter, register
from ..jit import announce_compile, may_compile, needs_compiling, threads_for
from .numpy import run_rows as run_numpy
from .reference import bdm_reference, check_params
from .stable import HORIZON, stable_summary

ENGINES = ("auto", "numpy", "numba")
# engine "auto" takes numba from this many (rows × actors²) on: below it the numpy engine is done before numba
# would even be imported (~0.6 s warm; measured in benchmarks/bench_startup.py), and nothing compiles.
AUTO_NUMBA_WORK = 200_000
AUTO_CACHED_WORK = 50_000
"""Under "auto", a batch of at least this many (rows × actors² × rounds) runs in the kernel when it is already
compiled (numba's disk cache holds it, e.g. after ``stakes compile``): loading it costs ~0.6 s, and the numpy
engine's per-round overhead costs more (the built-in scenario's forecast, 64 rounds × 7 variants, plus its
diagnostics: ~5 s in numpy, well under 1 s in the kernel). Nothing ever compiles below AUTO_NUMBA_WORK."""


def numba_kernel():
    """The compiled rows kernel (:mod:`stakes.models.bdm.numba`), or None when numba cannot be imported."""
    try:
        from .numba import run_rows
    except Exception:  # not installed, or a numba that refuses this numpy: auto runs the numpy engine
        return None
    return run_rows


def kernel_cached() -> bool:
    """True when the kernel can run without compiling (numba's disk cache holds it, or this process has it)."""
    kernel = numba_kernel()
    return kernel is not None and not needs_compiling(kernel)


def use_kernel(engine: str, rows: int, n: int, rounds: int) -> bool:
    """Whether ``engine`` (after validation) runs the compiled kernel for ``rows`` rows of ``n`` actors."""
    if engine != "auto":
        return engine == "numba"
    work = rows * n * n
    return (work >= AUTO_NUMBA_WORK and may_compile()) or (work * (rounds + 1) >= AUTO_CACHED_WORK and kernel_cached())


def bdm(arrays: ScenarioArrays, rounds: int = 8, Q: float = 1.0, T: float | None = None,
        tolerance: float = 1e-9, report: str = "stable", probability: str = "scholz",
        perception: str = "receiver", engine: str = "auto", chunk_rows: int | None = None,
        threads: int = 1) -> ModelResult:
    """The batched engine: the whole (B, n, d) batch at once, issues folded into the batch axis.

    ``engine="numba"`` runs the rounds in the compiled kernel of :mod:`stakes.models.bdm.numba` (numba's
    threads); ``"numpy"`` in numpy (``threads`` > 1 runs chunks on a thread pool, numpy releases the GIL);
    ``"auto"`` takes numba when it can be imported and the batch is large enough to pay for compiling it
    (``AUTO_NUMBA_WORK``), or smaller (``AUTO_CACHED_WORK``) when it is compiled already. The results agree to
    ~1e-9 and do not depend on threads.
    """
    bsz, n, d = arrays.position.shape
    rounds = check_params(rounds, Q, T, tolerance, report=report, probability=probability, perception=perception)
    if engine not in ENGINES:
        raise OptionError(f"model 'bdm' parameter 'engine' must be one of {ENGINES}, got {engine!r}")
    # the stable forecast needs HORIZON rounds: run them once and cut the trajectory at `rounds`
    horizon = max(rounds, HORIZON) if report == "stable" else rounds
    kernel = numba_kernel() if use_kernel(engine, bsz * d, n, horizon) else None
    if engine == "numba" and kernel is None:
        raise OptionError("model 'bdm' parameter 'engine' is 'numba' but numba cannot be imported "
                          "(pip install 'stakes[fast]', or use engine 'auto' or 'numpy')")

    def fold(a: np.ndarray) -> np.ndarray:  # (B, n, d) -> (B·d, n)
        return np.ascontiguousarray(np.moveaxis(a, 2, 1).reshape(bsz * d, n), dtype=float)

    x, c, s = fold(arrays.position), fold(arrays.capability), fold(arrays.salience)
    part = np.moveaxis(arrays.participation(), 2, 1).reshape(bsz * d, n)
    # positions measured from each issue's scale minimum: an exact shift of a scale (a representable one) then
    # runs the very same arithmetic (a division by the span would break exact ties of positions on a grid)
    lo = np.tile(np.asarray(arrays.scale_min, dtype=float), bsz)[:, None]
    x = x - lo
    span = np.tile(np.asarray(arrays.span, dtype=float), bsz)
    mid = np.tile((arrays.scale_max - arrays.scale_min) / 2.0, bsz)
    # each row's actors in a canonical order (participants first, then by position, capability, salience): the
    # sums then run in one order whatever order the scenario lists the actors in, and a long run of a chaotic
    # row cannot drift apart under relabelling (it did by 4e-5 over 64 rounds); actors equal in all four
    # are interchangeable
    order = np.lexsort((s, c, x, ~part), axis=1)
    x, c, s, part = (np.ascontiguousarray(np.take_along_axis(a, order, 1)) for a in (x, c, s, part))
    if kernel is not None:  # the compiled kernel also returns the median and mean of every round
        t_fixed = float("nan") if T is None else float(T)
        announce_compile(kernel, "BDM")

        def arg(a: np.ndarray, dtype: type = float) -> np.ndarray:  # one compiled signature: C order, writable
            return np.require(a, dtype, ["C", "W"])

        with threads_for(len(x)):
            traj, med, mean, ran, settled = kernel(arg(x), arg(c), arg(s), arg(part, np.bool_), arg(span),
                                                   arg(mid), horizon, float(Q), t_fixed, float(tolerance),
                                                   probability == "scholz", perception == "receiver", 16)
    else:
        traj, med, mean, ran, settled = run_numpy(x, c, s, part, span, mid, horizon, Q, T, tolerance, probability,
                                                  perception, chunk_rows, threads)

    traj = np.take_along_axis(traj, np.argsort(order, axis=1)[:, None, :], 2)  # back to the scenario's order
    traj, med, mean = traj + lo[:, :, None], med + lo, mean + lo

    def unfold(a: np.ndarray) -> np.ndarray:  # (B·d, T+1[, n]) -> (B, T+1[, n], d)
        a = a.reshape((bsz, d, *a.shape[1:]))
        return np.moveaxis(a, 1, -1)

    long_f, long_s = unfold(med), settled.reshape(bsz, d)
    if horizon > rounds:  # the first `rounds` rounds of the long run are the short run, exactly
        traj, med, mean = traj[:, :rounds + 1], med[:, :rounds + 1], mean[:, :rounds + 1]
        settled = settled & (ran <= rounds)
        ran = np.minimum(ran, rounds)
    forecasts = unfold(med)
    final = forecasts[:, -1]
    done = settled.reshape(bsz, d)
    extra: dict[str, Any] = {"mean": unfold(mean), "settled": done}
    if report == "mean-of-rounds" and rounds > 0:  # a run that settles reports its fixed point
        final = np.where(done, final, forecasts[:, 1:].mean(1))
    elif report == "stable":  # independent of `rounds`: see stable.py
        summary = stable_summary(long_f, long_s)
        final = summary.pop("forecast")
        extra.update(summary)
    return ModelResult(model="bdm", forecast=final, positions=unfold(traj), forecasts=forecasts,
                       rounds=ran.reshape(bsz, d), extra=extra)


register(ModelSpec(
    id="bdm",
    name="Bueno de Mesquita's expected-utility model (Scholz et al. 2011)",
    description="Actors challenge, compromise and capitulate round by round; the forecast is the median "
    "voter position: the fixed point, or the central value of the cycle when it never settles. Each issue runs "
    "on its own.",
    citation="Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno de Mesquita's group "
    "decision model. J. Theoretical Politics 23(4):510–531; ICAART 2011 pp. 18–30.",
    run=bdm,
    parameters=(
        Parameter("rounds", 8, "Rounds to run (Scholz et al.'s Table 2 reports 8); stops early when no "
                  "actor moves."),
        Parameter("Q", 1.0, "Probability that the target stays put when not challenged (Scholz: 1.0)."),
        Parameter("T", None, "Probability that the target's move helps i; None = derived per pair from "
                  "the median (Scholz §3, cases 1–3B). Matters only when Q < 1."),
        Parameter("tolerance", 1e-9, "Stop when no actor moves more than tolerance × scale span."),
        Parameter("report", "stable", "Forecast: 'stable' = the fixed point, or the central value of the cycle "
                  "over a 64-round run (independent of rounds); 'mean-of-rounds' = mean of the rounds' medians "
                  "(Scholz's reading); 'final-round' = the last round's median.",
                  choices=("stable", "mean-of-rounds", "final-round")),
        Parameter("probability", "scholz", "Vote normalisation: Scholz's program or eq 31 as printed.",
                  choices=("scholz", "pairwise")),
        Parameter("perception", "receiver", "Whose risk exponent values the proposer's EU.",
                  choices=("receiver", "own")),
        Parameter("engine", "auto", "numba: the compiled kernel (extra 'fast'); numpy: the batched numpy "
                  "engine; auto: numba when installed. Same results to ~1e-9.", choices=ENGINES),
    ),
    dynamic=True,
    reference=bdm_reference,
))
