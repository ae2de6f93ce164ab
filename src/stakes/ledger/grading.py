"""Grading ledger entries against realised outcomes, and summarising the grades per model.

Per entry (scores from :mod:`stakes.scoring`, so the ledger, the backtest and the ensemble agree):

* ``error`` — |forecast − outcome| in points of a 0–100 scale (the issue's scale stretched to 0–100);
* ``crps`` — CRPS of the entry's 19-quantile distribution, same units; a point forecast is the degenerate
  distribution, for which the CRPS equals the absolute error;
* ``cover50`` / ``cover90`` — whether the outcome lies in the central 50 % / 90 % interval (for a point
  forecast: only when it equals the point);
* ``retrospective`` — the entry was recorded on or after the outcome's date: graded, but kept apart from
  the sealed record.

An outcome dated before the scenario's ``as_of`` is refused for that entry (it was known when the scenario
was written). Summaries weigh every question (scenario × variant × issue) equally: a model's entries on one
question are averaged first, so recording a forecast many times does not count it many times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..scoring import covered, crps, point_quantiles, to_percent_of_scale
from .outcomes import Outcome

MIN_SEALED_QUESTIONS = 10
"""Models are ranked only once this many sealed questions are graded (fewer: the ranking would be noise)."""

SUMMARY_COLUMNS = ["record", "model", "questions", "entries", "error", "crps", "cover50", "cover90"]


@dataclass(frozen=True)
class Refusal:
    entry_id: int
    model: str
    scenario: str
    variant: str
    issue: str
    reason: str


def question(content: Mapping[str, Any]) -> tuple[str, str, str]:
    return content["scenario"], content["variant"], content["issue"]


def grade_entry(entry_id: int, content: Mapping[str, Any], outcome: Outcome) -> dict[str, Any] | Refusal:
    """The grade of one entry against its outcome, or why it cannot be graded."""
    as_of = content.get("as_of")
    if as_of is not None and outcome.date < dt.date.fromisoformat(as_of):
        return Refusal(entry_id, content["model"], *question(content),
                       f"the outcome is dated {outcome.date} (row {outcome.row} of {outcome.file}), before the "
                       f"scenario's as-of date {as_of}: it was known when the scenario was written")
    if content.get("value") is None:
        return Refusal(entry_id, content["model"], *question(content), "the entry holds no forecast value")
    lo, hi = content["scale"]
    quantiles = content.get("quantiles")
    grid = np.asarray(quantiles, dtype=float) if quantiles is not None else point_quantiles(content["value"])
    y = np.asarray(outcome.value, dtype=float)
    recorded = dt.datetime.fromisoformat(content["recorded_at"]).astimezone(dt.UTC).date()
    return {
        "entry": entry_id, "scenario": content["scenario"], "variant": content["variant"],
        "issue": content["issue"], "model": content["model"], "recorded_at": content["recorded_at"],
        "forecast": float(content["value"]), "outcome": float(outcome.value), "outcome_date": outcome.date.isoformat(),
        "source": outcome.source, "distribution": "point" if quantiles is None else "quantiles",
        "error": float(to_percent_of_scale(abs(float(content["value"]) - outcome.value), lo, hi)),
        "crps": float(to_percent_of_scale(crps(grid, y), lo, hi)),
        "cover50": bool(covered(grid, y, 0.5)), "cover90": bool(covered(grid, y, 0.9)),
        "retrospective": recorded >= outcome.date,
    }


def grade(entries: Iterable[tuple[int, Mapping[str, Any]]], outcomes: Sequence[Outcome]
          ) -> tuple[list[dict[str, Any]], list[Refusal]]:
    """Grade every entry an outcome matches (same scenario id, variant and issue)."""
    by_key = {o.key: o for o in outcomes}
    grades: list[dict[str, Any]] = []
    refused: list[Refusal] = []
    for entry_id, content in entries:
        outcome = by_key.get(question(content))
        if outcome is None:
            continue
        result = grade_entry(entry_id, content, outcome)
        (refused if isinstance(result, Refusal) else grades).append(result)
    return grades, refused


def summarise(grades: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per record (``sealed`` / ``retrospective``) and model: questions, entries, mean error, CRPS, coverage."""
    groups: dict[tuple[str, str], dict[tuple[str, str, str], list[Mapping[str, Any]]]] = {}
    for g in grades:
        record = "retrospective" if g["retrospective"] else "sealed"
        groups.setdefault((record, g["model"]), {}).setdefault(question(g), []).append(g)
    rows = []
    for (record, model), questions in sorted(groups.items()):
        def mean(field: str, qs: dict = questions) -> float:
            return float(np.mean([np.mean([float(g[field]) for g in gs]) for gs in qs.values()]))

        rows.append({"record": record, "model": model, "questions": len(questions),
                     "entries": sum(len(gs) for gs in questions.values()), "error": mean("error"),
                     "crps": mean("crps"), "cover50": mean("cover50"), "cover90": mean("cover90")})
    return rows


def sealed_questions(grades: Sequence[Mapping[str, Any]]) -> int:
    return len({question(g) for g in grades if not g["retrospective"]})


def ranking(summary: Sequence[Mapping[str, Any]], n_sealed: int) -> tuple[list[dict[str, Any]] | None, str]:
    """Models ranked by mean CRPS on the sealed record — or None and why not yet."""
    if n_sealed < MIN_SEALED_QUESTIONS:
        return None, (f"{n_sealed} sealed question{'s' if n_sealed != 1 else ''} graded; models are ranked from "
                      f"{MIN_SEALED_QUESTIONS} on — a ranking on fewer would be noise")
    eligible = [r for r in summary if r["record"] == "sealed" and r["questions"] >= MIN_SEALED_QUESTIONS]
    left_out = sorted(r["model"] for r in summary if r["record"] == "sealed" and r not in eligible)
    ranked = sorted(eligible, key=lambda r: (r["crps"], r["error"], r["model"]))
    rows = [{"rank": k, "model": r["model"], "questions": r["questions"], "crps": r["crps"], "error": r["error"]}
            for k, r in enumerate(ranked, start=1)]
    note = f"{n_sealed} sealed questions graded; ranked by mean CRPS (lower is better)"
    if left_out:
        note += f"; left out (fewer than {MIN_SEALED_QUESTIONS} sealed questions each): {', '.join(left_out)}"
    return rows, note
