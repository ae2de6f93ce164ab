"""Monte Carlo over perturbed scenarios: forecast distributions and the probability that each thesis holds.

>>> res = simulate(scenario, runs=10_000)
>>> res.summary()          # variant, issue, model, mean, sd, q05, q50, q95
>>> res.thesis_table()     # thesis, variant, model, probability, runs
>>> res.runs               # tidy: run, variant, model, issue, value  (res.runs.to_parquet(...))

Every variant sees the same perturbations of the inputs it shares with the baseline (common random numbers),
and every chunk of runs draws from the run's own block of randomness, so the numbers do not depend on the
chunk size or on the executor (:mod:`stakes.uncertainty`, :mod:`stakes.sweep`).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .arrays import compile_scenario
from .checks import check_variants
from .errors import OptionError, StakesError
from .io import atomic_write_text, dump_yaml, load_yaml
from .models import get_model, is_registered
from .scenario import Scenario, SideThesis
from .sweep import ChunkStore, check_chunk, read_chunk, read_manifest, run_chunks
from .theses import judge_forecast, thesis_model
from .uncertainty import SpreadOverride, apply_noise, draw_noise, resolve_spreads
from .variants import BASELINE, apply_variant

MAX_RUNS = 100_000_000
SCENARIO_FILE = "scenario.yaml"
DEFAULT_CHUNK = 2048


@dataclass(frozen=True)
class SimulationPlan:
    """Everything a chunk needs; picklable, so process pools and Dask workers can run it."""

    scenario: Scenario
    runs: int
    seed: int
    models: tuple[str, ...]
    variants: tuple[str, ...]
    override: SpreadOverride = field(default_factory=SpreadOverride)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    chunk_size: int = DEFAULT_CHUNK
    sides: bool = True
    """Judge side theses by landscape theory (:func:`stakes.alignment.side_probabilities`)."""

    @property
    def n_chunks(self) -> int:
        return -(-self.runs // self.chunk_size)

    def chunk_range(self, index: int) -> tuple[int, int]:
        start = index * self.chunk_size
        return start, min(start + self.chunk_size, self.runs)

    def theses(self) -> list[Any]:
        return [t for t in self.scenario.theses
                if not isinstance(t, SideThesis) and (t.variant or BASELINE) in self.variants]

    def settings(self) -> dict[str, Any]:
        """What identifies the sweep on disk (a rerun must match it to resume)."""
        text = json.dumps(self.scenario.model_dump(mode="json"), sort_keys=True)
        return {"scenario": self.scenario.id, "scenario_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "runs": self.runs, "seed": self.seed, "models": list(self.models),
                "variants": list(self.variants), "override": asdict(self.override),
                "params": self.params, "chunk_size": self.chunk_size}


def run_chunk(plan: SimulationPlan, index: int) -> dict[str, pd.DataFrame]:
    """Runs ``chunk_range(index)`` of every variant and model: tidy ``runs`` and ``theses`` frames."""
    start, stop = plan.chunk_range(index)
    size = stop - start
    sc = plan.scenario
    theses = plan.theses()
    runs_parts: list[pd.DataFrame] = []
    thesis_parts: list[pd.DataFrame] = []
    run_index = np.arange(start, stop)
    # one set of draws on the baseline's actors, shared by every variant (common random numbers)
    dist = resolve_spreads(sc, plan.override).distribution
    noise = draw_noise(plan.seed, tuple(sc.actor_ids), len(sc.issue_ids), start, stop, dist)
    for variant in plan.variants:
        vs = apply_variant(sc, variant)
        batch = apply_noise(compile_scenario(vs), resolve_spreads(vs, plan.override), noise)
        forecasts: dict[str, np.ndarray] = {}
        for m in plan.models:  # only the models asked for: a thesis whose model is not among them is not judged
            spec = get_model(m)
            merged = {**sc.model_params(m), **plan.params.get(m, {})}
            forecasts[m] = spec.run_checked(batch, merged, variant).forecast
        d = batch.n_issues
        issue_col = _cat(np.tile(np.arange(d), size), sc.issue_ids)
        variant_col = _cat(np.full(size * d, plan.variants.index(variant)), plan.variants)
        for k, m in enumerate(plan.models):
            runs_parts.append(pd.DataFrame({
                "run": np.repeat(run_index, d), "variant": variant_col, "model": _cat(np.full(size * d, k),
                                                                                   plan.models),
                "issue": issue_col, "value": forecasts[m].reshape(-1)}))
        for t in theses:
            if (t.variant or BASELINE) != variant:
                continue
            m = thesis_model(t, sc)
            holds = None if m not in forecasts else judge_forecast(t, batch, forecasts[m])
            values = np.full(size, np.nan) if holds is None else holds.astype(float)
            thesis_parts.append(pd.DataFrame({"run": run_index, "thesis": t.id, "variant": variant,
                                              "model": m, "holds": values}))
    runs = pd.concat(runs_parts, ignore_index=True)
    thesis_frame = (pd.concat(thesis_parts, ignore_index=True) if thesis_parts else
                    pd.DataFrame({"run": pd.Series(dtype=int), "thesis": pd.Series(dtype=object),
                                  "variant": pd.Series(dtype=object), "model": pd.Series(dtype=object),
                                  "holds": pd.Series(dtype=float)}))
    return {"runs": runs, "theses": thesis_frame}


def _cat(codes: np.ndarray, categories: Sequence[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(categories), ordered=True)



@dataclass
class SimulationResult:
    plan: SimulationPlan
    runs: pd.DataFrame
    """Tidy: ``run, variant, model, issue, value`` — one row per run × variant × model × issue."""
    thesis_runs: pd.DataFrame
    """``run, thesis, variant, model, holds`` (1.0/0.0; NaN where the thesis cannot be judged)."""
    complete: bool = True
    """False when the work was interrupted; then only the finished chunks are here."""
    side_theses: pd.DataFrame | None = None
    """``thesis, variant, model, probability, runs`` of side theses (landscape theory), when judged."""

    @property
    def n_runs(self) -> int:
        return int(self.runs["run"].nunique()) if len(self.runs) else 0

    def summary(self) -> pd.DataFrame:
        """``variant, issue, model, mean, sd, q05, q50, q95`` per variant × issue × model."""
        g = self.runs.groupby(["variant", "issue", "model"], sort=False, observed=True)["value"]
        out = g.agg(mean="mean", sd="std").join(g.quantile([0.05, 0.5, 0.95]).unstack())
        out = out.rename(columns={0.05: "q05", 0.5: "q50", 0.95: "q95"}).reset_index()
        return out[["variant", "issue", "model", "mean", "sd", "q05", "q50", "q95"]]

    def thesis_table(self) -> pd.DataFrame:
        """``thesis, variant, model, probability, runs``; probability NaN where not applicable."""
        cols = ["thesis", "variant", "model", "probability", "runs"]
        parts = []
        if not self.thesis_runs.empty:
            g = self.thesis_runs.groupby(["thesis", "variant", "model"], sort=False, observed=True)["holds"]
            parts.append(g.agg(probability="mean", runs="count").reset_index()[cols])
        if self.side_theses is not None and not self.side_theses.empty:
            parts.append(self.side_theses[cols])
        if not parts:
            return pd.DataFrame(columns=cols)
        out = pd.concat(parts, ignore_index=True)
        order = {t.id: k for k, t in enumerate(self.plan.scenario.theses)}
        return out.sort_values("thesis", key=lambda c: c.map(order), kind="stable", ignore_index=True)

    def histograms(self, bins: int = 20) -> pd.DataFrame:
        """``variant, issue, model, lo, hi, count``: the forecast's histogram over each issue's scale."""
        rows = []
        scale = {i.id: (i.scale_min, i.scale_max) for i in self.plan.scenario.issues}
        for (variant, issue, model), sub in self.runs.groupby(["variant", "issue", "model"], sort=False,
                                                               observed=True):
            edges = np.linspace(*scale[issue], bins + 1)
            counts, _ = np.histogram(sub["value"].to_numpy(), bins=edges)
            for k in range(bins):
                rows.append({"variant": variant, "issue": issue, "model": model, "lo": edges[k],
                             "hi": edges[k + 1], "count": int(counts[k])})
        return pd.DataFrame(rows, columns=["variant", "issue", "model", "lo", "hi", "count"])

    def payload(self) -> dict[str, Any]:
        """The ``--format json`` contract."""
        forecasts = [{k: (_num(v) if k not in ("variant", "issue", "model") else v) for k, v in row.items()}
                     for row in self.summary()[["variant", "issue", "model", "mean", "q05", "q50", "q95"]]
                     .to_dict(orient="records")]
        theses = [{"id": r["thesis"], "variant": r["variant"], "probability": _num(r["probability"])}
                  for r in self.thesis_table().to_dict(orient="records")]
        return {"runs": self.n_runs, "seed": self.plan.seed, "forecasts": forecasts, "theses": theses}


def _num(x: Any) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def make_plan(scenario: Scenario, runs: int, models: Sequence[str] | None = None,
              variants: Sequence[str] | None = None, seed: int | None = None,
              override: SpreadOverride | None = None, params: dict[str, dict[str, Any]] | None = None,
              chunk_size: int | None = None, sides: bool = True) -> SimulationPlan:
    """Check the options and freeze them into a plan."""
    if not isinstance(runs, int | np.integer) or runs < 1 or runs > MAX_RUNS:
        raise OptionError(f"--runs must be a whole number between 1 and {MAX_RUNS:,}, got {runs}")
    if seed is not None and seed < 0:
        raise OptionError(f"--seed must be a non-negative integer, got {seed}")
    chunk = DEFAULT_CHUNK if chunk_size is None else chunk_size
    if chunk < 1:
        raise OptionError(f"--chunk-size must be at least 1, got {chunk}")
    model_ids = tuple(models) if models else tuple(m for m in scenario.simulation_models if is_registered(m))
    if not model_ids:
        raise OptionError(f"none of the scenario's models ({', '.join(scenario.simulation_models)}) is available")
    for m in model_ids:  # unknown models and parameters out of bounds fail before any work starts
        get_model(m).resolve({**scenario.model_params(m), **(params or {}).get(m, {})})
    variant_ids = tuple(variants) if variants else (BASELINE, *(v.id for v in scenario.variants))
    check_variants(scenario, variant_ids)  # unknown variants, positions off the scale, issues without weight
    override = override or SpreadOverride()
    resolve_spreads(scenario, override)  # bad spreads fail before any work starts
    return SimulationPlan(scenario, int(runs), scenario.seed if seed is None else int(seed), model_ids,
                          variant_ids, override, dict(params or {}), min(chunk, int(runs)), sides)


def simulate(scenario: Scenario, runs: int = 1000, models: Sequence[str] | None = None,
             variants: Sequence[str] | None = None, *, seed: int | None = None,
             override: SpreadOverride | None = None, params: dict[str, dict[str, Any]] | None = None,
             chunk_size: int | None = None, executor: Any = None, out: str | None = None,
             progress: Callable[[int, int], None] | None = None, sides: bool = True,
             notify: Callable[[str], None] | None = None) -> SimulationResult:
    """Run ``runs`` perturbed copies of the scenario under each variant and model.

    ``executor``: None (in-process), a ``concurrent.futures`` executor or a ``dask.distributed.Client``.
    ``out``: a folder where each finished chunk is written at once; rerunning with the same arguments
    skips the chunks already there. ``progress(done_runs, total_runs)`` is called after each chunk.
    ``sides``: also judge side theses by landscape theory (sizes and affinities perturbed by
    :mod:`stakes.alignment.uncertainty` on the same seed; at most ``SIDE_RUNS_CAP`` runs for landscapes too
    large for its batched engine — the ``runs`` column of :meth:`SimulationResult.thesis_table` says how many).
    """
    plan = make_plan(scenario, runs, models, variants, seed, override, params, chunk_size, sides)
    return execute(plan, executor=executor, out=out, progress=progress, notify=notify)


def execute(plan: SimulationPlan, executor: Any = None, out: str | None = None,
            progress: Callable[[int, int], None] | None = None,
            notify: Callable[[str], None] | None = None) -> SimulationResult:
    """Run (or resume) ``plan``; ``notify`` hears of chunks found damaged on disk, which are recomputed."""
    store = ChunkStore(out, plan.settings(), plan.n_chunks) if out is not None else None
    if store is not None:
        for i, reason in sorted(store.rejected.items()):
            (notify or _warn)(f"chunk {i} in {store.folder} failed its check ({reason}); recomputing it")
    if store is not None and not (store.folder / SCENARIO_FILE).exists():
        atomic_write_text(store.folder / SCENARIO_FILE, dump_yaml(plan.scenario))  # reproducible from the folder
    frames: dict[int, dict[str, pd.DataFrame]] = {}
    done_runs = 0
    if store is not None:
        for i in sorted(store.finished()):
            frames[i] = store.read(i)
            start, stop = plan.chunk_range(i)
            done_runs += stop - start
    if progress:
        progress(done_runs, plan.runs)
    todo = [i for i in range(plan.n_chunks) if i not in frames]
    complete = True
    try:
        for i, result in run_chunks(run_chunk, (plan,), todo, executor):
            if store is not None:
                store.write(i, result)
            frames[i] = result
            start, stop = plan.chunk_range(i)
            done_runs += stop - start
            if progress:
                progress(done_runs, plan.runs)
    except KeyboardInterrupt:
        complete = False
        if store is not None:
            store.sync()
        if not frames:
            raise
        interrupted = SimulationResult(plan, *_assemble(plan, frames), complete=False)
        raise SimulationInterrupted(interrupted) from None
    return SimulationResult(plan, *_assemble(plan, frames), complete=complete, side_theses=judge_sides(plan))


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


SIDE_RUNS_CAP = 200
"""Runs for side theses when the landscape is too large for the batched engine (one solve per run)."""


def judge_sides(plan: SimulationPlan) -> pd.DataFrame | None:
    """Probabilities of the side theses by landscape theory, on the same seed (None: none to judge)."""
    wanted = [t for t in plan.scenario.theses if isinstance(t, SideThesis)
              and (t.variant or BASELINE) in plan.variants]
    if not plan.sides or not wanted:
        return None
    try:
        from .alignment import side_probabilities
        from .alignment.uncertainty import BATCH_MAX_N
    except ImportError:  # pragma: no cover - alignment is part of the core
        return None
    rows = []
    for variant in dict.fromkeys(t.variant or BASELINE for t in wanted):
        n = len(apply_variant(plan.scenario, variant).actors)
        runs = plan.runs if n <= BATCH_MAX_N else min(plan.runs, SIDE_RUNS_CAP)
        res = side_probabilities(plan.scenario, variant, runs, seed=plan.seed)
        for t in wanted:
            if (t.variant or BASELINE) == variant:
                p = res.theses.get(t.id)
                rows.append({"thesis": t.id, "variant": variant, "model": "landscape",
                             "probability": np.nan if p is None else p, "runs": runs})
    return pd.DataFrame(rows, columns=["thesis", "variant", "model", "probability", "runs"])


class SimulationInterrupted(KeyboardInterrupt):
    """Ctrl-C during a simulation; ``.result`` holds the chunks that finished."""

    def __init__(self, result: SimulationResult) -> None:
        super().__init__("interrupted")
        self.result = result


def _assemble(plan: SimulationPlan, frames: dict[int, dict[str, pd.DataFrame]]) -> tuple[pd.DataFrame,
                                                                                        pd.DataFrame]:
    """All chunks in one frame each, in a canonical order (so any chunking gives equal frames)."""
    order = sorted(frames)
    runs = pd.concat([frames[i]["runs"] for i in order], ignore_index=True)
    theses = pd.concat([frames[i]["theses"] for i in order], ignore_index=True)
    cats = {"variant": list(plan.variants), "model": list(plan.models), "issue": plan.scenario.issue_ids}
    for col, values in cats.items():
        c = runs[col]
        if not (isinstance(c.dtype, pd.CategoricalDtype) and list(c.cat.categories) == values
                and c.cat.ordered):
            runs[col] = pd.Categorical(c.astype(str), categories=values, ordered=True)
    codes = [runs[c].cat.codes.to_numpy() for c in ("issue",)] + [runs["run"].to_numpy()]
    codes += [runs[c].cat.codes.to_numpy() for c in ("model", "variant")]
    runs = runs.take(np.lexsort(codes)).reset_index(drop=True)
    ids = [t.id for t in plan.theses()]
    theses["thesis"] = pd.Categorical(theses["thesis"], categories=ids, ordered=True)
    theses = theses.sort_values(["thesis", "run"], kind="stable", ignore_index=True)
    for col in ("thesis", "variant", "model"):
        theses[col] = theses[col].astype(object)
    return runs, theses


def load_sweep(folder: str | Path) -> SimulationResult:
    """A simulation read back from its ``--out`` folder (the finished chunks; ``complete`` says if all are)."""
    folder = Path(folder)
    settings = read_manifest(folder)["settings"]
    scenario = load_yaml(folder / SCENARIO_FILE)
    plan = SimulationPlan(scenario, int(settings["runs"]), int(settings["seed"]), tuple(settings["models"]),
                          tuple(settings["variants"]), SpreadOverride(**settings["override"]),
                          dict(settings["params"]), int(settings["chunk_size"]))
    if plan.settings() != settings:
        raise OptionError(f"{folder / SCENARIO_FILE} does not match the sweep's manifest")
    tables = ("theses", "runs")
    checksums = read_manifest(folder).get("checksums") or {}
    frames = {}
    for i in range(plan.n_chunks):
        reason = check_chunk(folder, tables, i, checksums)
        if reason == "missing":
            continue
        if reason is not None:
            raise StakesError(f"chunk {i} of {folder}: {reason}; rerun the same simulate command with --out "
                              f"{folder} to recompute it")
        frames[i] = {t: read_chunk(folder / t / f"chunk-{i:05d}.parquet") for t in tables}
    if not frames:
        raise OptionError(f"{folder} holds no finished chunk yet")
    complete = len(frames) == plan.n_chunks
    return SimulationResult(plan, *_assemble(plan, frames), complete=complete,
                            side_theses=judge_sides(plan) if complete else None)
