"""What one ledger entry holds: one forecast (variant × issue × model) with everything needed to trust it.

``content`` of an entry (hashed; see :mod:`.chain`)::

    {"ledger": 1, "scenario": id, "scenario_title": ..., "scenario_sha256": sha256 of its canonical YAML,
     "as_of": "YYYY-MM-DD" | null, "variant": ..., "issue": ..., "scale": [min, max], "model": ...,
     "parameters": {the model's parameters as run}, "value": forecast | null,
     "quantiles": [19 quantiles on stakes.scoring.QUANTILE_LEVELS] | null,
     "stakes_version": ..., "recorded_at": "YYYY-MM-DDTHH:MM:SS.ffffff+00:00", "note": text | null,
     "calibration_sha256": sha256 of the fitted parameters the model ships with (the ensemble's weights.json)
                           | null}

``calibration_sha256`` was added after the first entries were written: older entries lack the key.

``quantiles`` is filled when the model's result carries ``extra["quantiles"]`` (an array ``(B, d, 19)`` on
the grid); otherwise the entry is a point forecast, graded as the degenerate distribution.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..scenario import Scenario
from ..scoring import QUANTILE_LEVELS
from .chain import LedgerError, plain, text_sha256

FORMAT = 1


@dataclass(frozen=True)
class NewEntries:
    """Entries to append (their contents, in order) and the scenario they were made with (canonical YAML)."""

    contents: list[dict[str, Any]]
    scenario_yaml: str
    scenario_sha256: str


def scenario_yaml(scenario: Scenario) -> tuple[str, str]:
    """The scenario's canonical YAML and its SHA-256 (the same hash the run store records)."""
    from ..io.yaml_io import dump_yaml

    text = dump_yaml(scenario)
    return text, text_sha256(text)


def model_parameters(scenario: Scenario, model: str, params: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """The model's parameters as run: its defaults < the scenario's ``parameters`` < ``params``."""
    from ..models import get_model

    spec = get_model(model)
    return plain(spec.resolve({**scenario.model_params(model), **(params or {}).get(model, {})}))


def calibration_sha256(model: str) -> str | None:
    """The SHA-256 of the fitted parameters ``model`` ships with (the ensemble's ``weights.json``), else None:
    the same model id with refitted weights is another forecaster, and the ledger says which one spoke."""
    if model != "ensemble":
        return None
    from ..ensemble import shipped_text

    return text_sha256(shipped_text())


def _number(x: Any) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None


def _quantiles(extra: dict[str, Any], d: int, where: str) -> list[float | None] | None:
    grid = extra.get("quantiles") if extra else None
    if grid is None:
        return None
    arr = np.asarray(grid, dtype=float)
    if arr.ndim != 3 or arr.shape[1] <= d or arr.shape[2] != len(QUANTILE_LEVELS):
        raise LedgerError(f"{where}: extra['quantiles'] has shape {arr.shape}, expected (B, d, "
                          f"{len(QUANTILE_LEVELS)}) on stakes.scoring.QUANTILE_LEVELS")
    row = [_number(v) for v in arr[0, d]]
    return None if any(v is None for v in row) else row


def forecast_entries(result: Any, *, note: str | None = None, params: dict[str, dict[str, Any]] | None = None,
                     now: dt.datetime | None = None) -> NewEntries:
    """The entries of a :class:`stakes.forecast.Forecast`: one per variant × issue × model."""
    rows = []
    for (variant, model), res in result.results.items():
        for d, issue_id in enumerate(result.arrays[variant].issue_ids):
            where = f"model '{model}', variant '{variant}'"
            rows.append((variant, model, issue_id, res.forecast[0, d], _quantiles(res.extra, d, where)))
    merged = {**(getattr(result, "params", None) or {}), **(params or {})}
    return _entries(result.scenario, rows, merged, note, now)


def table_entries(scenario: Scenario, frame: Any, *, note: str | None = None,
                  params: dict[str, dict[str, Any]] | None = None, now: dt.datetime | None = None,
                  grid: Any = None) -> NewEntries:
    """The entries of a tidy forecast table (``variant, model, issue, value``), e.g. a stored run's, with the
    quantiles of ``grid`` (``variant, model, issue, level, value`` on QUANTILE_LEVELS: a stored forecast's
    ``quantile_grid`` table) where it has them."""
    missing = {"variant", "model", "issue", "value"} - set(frame.columns)
    if missing:
        raise LedgerError(f"a forecast table needs the columns {', '.join(sorted(missing))}")
    quantiles = _grid_quantiles(grid)
    rows = [(str(r.variant), str(r.model), str(r.issue), r.value,
             quantiles.get((str(r.variant), str(r.model), str(r.issue)))) for r in frame.itertuples(index=False)]
    return _entries(scenario, rows, params, note, now)


def _grid_quantiles(grid: Any) -> dict[tuple[str, str, str], list[float | None]]:
    """(variant, model, issue) → its 19 quantiles, from a ``quantile_grid`` table (complete grids only)."""
    if grid is None or len(grid) == 0:
        return {}
    out: dict[tuple[str, str, str], list[float | None]] = {}
    levels = [float(v) for v in QUANTILE_LEVELS]
    for key, part in grid.groupby(["variant", "model", "issue"], sort=False, observed=True):
        part = part.sort_values("level")
        row = [_number(v) for v in part["value"]]
        if len(row) == len(levels) and np.allclose(part["level"].to_numpy(float), levels) and None not in row:
            out[tuple(str(k) for k in key)] = row
    return out


def _entries(sc: Scenario, rows: list[tuple[str, str, str, Any, list[float | None] | None]],
             params: dict[str, dict[str, Any]] | None, note: str | None, now: dt.datetime | None) -> NewEntries:
    from .. import __version__

    if not rows:
        raise LedgerError("nothing to record: the forecast has no model results")
    text, digest = scenario_yaml(sc)
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat()
    parameters = {m: model_parameters(sc, m, params) for m in dict.fromkeys(r[1] for r in rows)}
    issues = {i.id: i for i in sc.issues}
    contents = []
    for variant, model, issue_id, value, quantiles in rows:
        if issue_id not in issues:
            raise LedgerError(f"the forecast names issue '{issue_id}', which scenario '{sc.id}' does not have")
        issue = issues[issue_id]
        contents.append({
            "ledger": FORMAT, "scenario": sc.id, "scenario_title": sc.title, "scenario_sha256": digest,
            "as_of": None if sc.as_of is None else sc.as_of.isoformat(),
            "variant": variant, "issue": issue_id, "scale": [float(issue.scale_min), float(issue.scale_max)],
            "model": model, "parameters": parameters[model], "value": _number(value), "quantiles": quantiles,
            "stakes_version": __version__, "recorded_at": stamp, "note": note or None,
            "calibration_sha256": calibration_sha256(model),
        })
    return NewEntries([plain(c) for c in contents], text, digest)


def recorded_at(content: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(content["recorded_at"])
