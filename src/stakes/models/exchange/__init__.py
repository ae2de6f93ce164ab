"""Stokman's exchange model (vote trading), as implemented by Decide.

Stokman, F. N. & van Oosten, R. (1994). The exchange of voting positions: an object-oriented model of policy
networks. In Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*, ch. 6, Yale UP.
Implementation followed: Decide's equal-gain model (``decide-exchange-model`` on PyPI, Stokman's group;
behaviour only, no code). Full procedure and every choice: ``docs/decisions/exchange.md``.

* Outcome per issue (Decide's "NBS"): O = Σ c s x / Σ c s.
* Issues p < q; actors on opposite sides of O on both issues may trade (groups A×D, B×C). The actor with the
  larger s_p/s_q demands p and supplies q. A move Δx of actor i shifts O by Δx c_i s_i / Σ c s.
  Equal gain: the supplier on p moves fully to the demander's position; the other moves so that
  dO_q (s_iq + s_jq) = dO_p (s_ip + s_jp); roles swap if that move would overshoot. Gain = |dO_q s_iq − dO_p s_ip|.
* Invalid: a move that leaves 0–100, is ≤ 1e-10, reverses an earlier move's direction, or a gain < 1e-10;
  a move that pushes O past the partner's position is shortened to stop there.
* Each round: carry out the highest-gain exchange, recompute those it affects, drop invalid ones, repeat.
  Round outcome = O of the voting positions; next round starts from
  x' = (1 − s)·0.4·y + 0.1·y + (1 − 0.4(1 − s) − 0.1)·x.

Engines (``engine``): ``"numpy"`` = the batched numpy engine (exchange/numpy.py); ``"numba"`` = the compiled
kernel (exchange/numba.py, optional extra ``fast``), the same exchanges and outcomes bit for bit; ``"auto"``
(default) = numba when it can be imported, else numpy. numba is imported on the first such run, never with stakes.

Ties (``tie_break``): ``"first"`` (default) rounds gains to 1e-12 and gives a tie to the candidate created first
(issue pair, then group A×D before B×C, then actor order) in the *canonical* order — actors and issues sorted by
id — so re-sorting the rows of a file never changes the forecast; ``"decide"`` compares float gains exactly and
keeps Decide's stable-sorted list order (its ``ALLOW_RANDOM = False`` rule) in file order, as Decide does.
"""

from __future__ import annotations

import numpy as np

from ...arrays import ScenarioArrays
from ...errors import OptionError
from ..base import ModelResult, ModelSpec, Parameter, register
from .constants import FIXED_WEIGHT, SALIENCE_WEIGHT
from .numpy import run_rounds
from .reference import run_reference

MEMORY_CELLS = 20_000_000
"""Rough cap on the cells of the per-candidate state of one chunk of the batch."""


def _check_params(rounds: object, salience_weight: float, fixed_weight: float) -> int:
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or rounds < 0:
        raise OptionError(f"model 'exchange' parameter 'rounds' must be a whole number ≥ 0, got {rounds!r}")
    for name, value in (("salience_weight", salience_weight), ("fixed_weight", fixed_weight)):
        if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise OptionError(f"model 'exchange' parameter '{name}' must be a number in 0..1, got {value!r}")
    if salience_weight + fixed_weight > 1.0:
        raise OptionError("model 'exchange': salience_weight + fixed_weight must not exceed 1 "
                          f"(got {salience_weight} + {fixed_weight})")
    return int(rounds)


ENGINES = ("auto", "numpy", "numba")


def _numba_kernel(engine: str, arithmetic: str):
    """The numba ``run_rounds`` for this call, or None for the numpy engine / the decimal reference."""
    if engine not in ENGINES:
        raise OptionError(f"model 'exchange' parameter 'engine' must be one of {', '.join(ENGINES)}, got {engine!r}")
    if arithmetic not in ("float", "decimal"):
        raise OptionError(f"model 'exchange' parameter 'arithmetic' must be 'float' or 'decimal', got {arithmetic!r}")
    if engine == "numba" and arithmetic == "decimal":
        raise OptionError("model 'exchange': engine='numba' computes in floats; arithmetic='decimal' runs the "
                          "per-run reference (use engine='auto' or 'numpy')")
    if engine == "numpy" or arithmetic == "decimal":
        return None
    try:
        from .numba import run_rounds as kernel
    except (ImportError, OSError, RuntimeError) as err:  # not installed, or numba cannot set itself up here
        if engine == "numba":
            raise OptionError("model 'exchange': engine='numba' needs the numba package "
                              f"(pip install 'stakes[fast]'): {err}") from err
        return None
    return kernel


def _normalised(arrays: ScenarioArrays) -> np.ndarray:
    return (arrays.position - arrays.scale_min) * (100.0 / arrays.span)


def _result(arrays: ScenarioArrays, outcomes: np.ndarray, voting: np.ndarray, starts: np.ndarray,
            log: list[dict], rounds: int, tie_break: str) -> ModelResult:
    lo, span = arrays.scale_min, arrays.span
    scale = span / 100.0
    outcomes = lo + outcomes * scale
    voting = np.where(arrays.mask, lo + voting * scale, arrays.position[:, None])
    starts = np.where(arrays.mask, lo + starts * scale, arrays.position[:, None])
    actors, issues = arrays.actor_ids, arrays.issue_ids
    exchanges = []
    for e in log:
        row = dict(e)
        for side in ("i", "j"):
            k = e[f"{side}_supply"]
            row[f"{side}_actor"] = actors[e[f"{side}_actor"]]
            row[f"{side}_supply"] = issues[k]
            for f in ("from", "y"):
                row[f"{side}_{f}"] = float(lo[k] + e[f"{side}_{f}"] * scale[k])
            row[f"{side}_move"] = float(e[f"{side}_move"] * scale[k])
        exchanges.append(row)
    B, d = outcomes.shape[0], outcomes.shape[-1]
    return ModelResult(
        model="exchange", forecast=outcomes[:, -1], positions=voting, forecasts=outcomes,
        rounds=np.full((B, d), rounds), extra={"exchanges": exchanges, "start_positions": starts,
                                               "tie_break": tie_break},
    )


def canonical_order(arrays: ScenarioArrays) -> tuple[np.ndarray, np.ndarray]:
    """Actor and issue orders that sort their ids (the identity when the ids are sorted already)."""
    return (np.argsort(np.array(arrays.actor_ids, dtype=object), kind="stable"),
            np.argsort(np.array(arrays.issue_ids, dtype=object), kind="stable"))


def _reorder(arrays: ScenarioArrays, actors: np.ndarray, issues: np.ndarray) -> ScenarioArrays:
    def take(a: np.ndarray) -> np.ndarray:  # C order, as the engines' sums (and the numba kernel) expect
        return np.ascontiguousarray(a[:, actors][:, :, issues])

    return ScenarioArrays(
        actor_ids=tuple(arrays.actor_ids[i] for i in actors), issue_ids=tuple(arrays.issue_ids[k] for k in issues),
        capability=take(arrays.capability), position=take(arrays.position), salience=take(arrays.salience),
        mask=np.ascontiguousarray(arrays.mask[actors][:, issues]),
        scale_min=arrays.scale_min[issues], scale_max=arrays.scale_max[issues],
        status_quo=arrays.status_quo[issues])


def _in_canonical_order(run):
    """``run`` wrapped so that with ``tie_break="first"`` it sees actors and issues sorted by id, and its
    result comes back in the caller's order; ``tie_break="decide"`` keeps the file order (Decide's)."""
    def wrapped(arrays: ScenarioArrays, rounds: int = 10, tie_break: str = "first", *args, **kw) -> ModelResult:
        if arrays.mask.ndim != 2:
            raise ValueError("the exchange model runs one mask for the whole batch, not one per row")
        actors, issues = canonical_order(arrays)
        identity = (actors == np.arange(len(actors))).all() and (issues == np.arange(len(issues))).all()
        if tie_break != "first" or identity:
            return run(arrays, rounds, tie_break, *args, **kw)
        res = run(_reorder(arrays, actors, issues), rounds, tie_break, *args, **kw)
        back_a, back_d = np.argsort(actors), np.argsort(issues)
        res.forecast, res.forecasts = res.forecast[..., back_d], res.forecasts[..., back_d]
        res.rounds = res.rounds[..., back_d]
        res.positions = res.positions[:, :, back_a][..., back_d]
        res.extra["start_positions"] = res.extra["start_positions"][:, :, back_a][..., back_d]
        return res

    wrapped.__doc__, wrapped.__name__ = run.__doc__, run.__name__
    return wrapped


@_in_canonical_order
def exchange(arrays: ScenarioArrays, rounds: int = 10, tie_break: str = "first",
             salience_weight: float = SALIENCE_WEIGHT, fixed_weight: float = FIXED_WEIGHT,
             arithmetic: str = "float", engine: str = "auto") -> ModelResult:
    """Batched exchange model; ``extra["exchanges"]`` lists the first batch element's exchanges.

    ``arithmetic="decimal"`` runs the per-run reference in Decide's 28-digit decimal arithmetic instead (slow):
    with ``tie_break="decide"`` it reproduces Decide's exchanges and outcomes exactly.
    """
    rounds = _check_params(rounds, salience_weight, fixed_weight)
    kernel = _numba_kernel(engine, arithmetic)
    if arithmetic == "decimal":
        return exchange_reference(arrays, rounds, tie_break, salience_weight, fixed_weight, arithmetic)
    x = _normalised(arrays)
    if kernel is not None:
        from ..jit import announce_compile
        from . import numba as exchange_numba

        announce_compile(exchange_numba.run_one, "exchange")
        outcomes, voting, starts, log = kernel(x, arrays.salience, arrays.capability, arrays.mask, rounds, tie_break,
                                               salience_weight=salience_weight, fixed_weight=fixed_weight)
        res = _result(arrays, outcomes, voting, starts, log, rounds, tie_break)
        res.extra["engine"] = "numba"
        return res
    B, n, d = x.shape
    cells = max(1, d * (d - 1) // 2 * n * (n - 1) // 2 * (2 * n + 16))
    chunk = max(1, MEMORY_CELLS // cells)
    parts = []
    for start in range(0, B, chunk):
        sl = slice(start, start + chunk)
        parts.append(run_rounds(x[sl], arrays.salience[sl], arrays.capability[sl], arrays.mask, rounds, tie_break,
                                log_row=0 if start == 0 else None, salience_weight=salience_weight,
                                fixed_weight=fixed_weight))
    outcomes = np.concatenate([p[0] for p in parts])
    voting = np.concatenate([p[1] for p in parts])
    starts = np.concatenate([p[2] for p in parts])
    res = _result(arrays, outcomes, voting, starts, parts[0][3], rounds, tie_break)
    res.extra["engine"] = "numpy"
    return res


@_in_canonical_order
def exchange_reference(arrays: ScenarioArrays, rounds: int = 10, tie_break: str = "first",
                       salience_weight: float = SALIENCE_WEIGHT, fixed_weight: float = FIXED_WEIGHT,
                       arithmetic: str = "float") -> ModelResult:
    """The plain per-run implementation, one batch element at a time (slow; for tests and benchmarks)."""
    x = _normalised(arrays)
    rounds = _check_params(rounds, salience_weight, fixed_weight)
    runs = [run_reference(x[b], arrays.salience[b], arrays.capability[b], arrays.mask, rounds, tie_break,
                          arithmetic, salience_weight, fixed_weight) for b in range(x.shape[0])]
    return _result(arrays, np.stack([r["outcomes"] for r in runs]), np.stack([r["voting"] for r in runs]),
                   np.stack([r["starts"] for r in runs]), runs[0]["exchanges"], int(rounds), tie_break)


register(ModelSpec(
    id="exchange",
    name="Exchange model (Stokman & van Oosten; Decide's equal gain)",
    description="Actors trade voting positions across issues they weigh differently; rounds of equal-gain "
    "exchanges, outcome = c·s-weighted mean of the voting positions.",
    citation="Stokman, F. N. & van Oosten, R. (1994). The exchange of voting positions. In Bueno de Mesquita & "
    "Stokman (eds.), European Community Decision Making, ch. 6. Yale University Press.",
    run=exchange,
    reference=exchange_reference,
    dynamic=True,
    parameters=(
        Parameter("rounds", 10, "Rounds of exchanges (Decide's command line default: 10)."),
        Parameter("tie_break", "first", "Equal gains: 'first' = earliest candidate with actors and issues sorted by "
                  "id (gains rounded to 1e-12; row order never matters); 'decide' = Decide's stable-sorted list in "
                  "file order (ALLOW_RANDOM = False).",
                  choices=("first", "decide")),
        Parameter("salience_weight", SALIENCE_WEIGHT, "Between rounds: weight of (1 − s) on the voting position."),
        Parameter("fixed_weight", FIXED_WEIGHT, "Between rounds: fixed weight on the voting position."),
        Parameter("arithmetic", "float", "'float' = batched numpy engine; 'decimal' = per-run reference in Decide's "
                  "28-digit decimals (slow; with tie_break='decide' it reproduces Decide exactly).",
                  choices=("float", "decimal")),
        Parameter("engine", "auto", "Float engine: 'numba' = compiled kernel (extra 'fast'; same exchanges as "
                  "numpy, bit for bit, ≈25× faster for one run); 'numpy' = batched numpy engine; 'auto' = numba when "
                  "installed, else numpy. Not used with arithmetic='decimal'.", choices=ENGINES),
    ),
))
