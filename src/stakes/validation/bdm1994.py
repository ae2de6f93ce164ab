"""BdM (1994) EC emission standards case: a real outcome (8.833 years) to forecast.

Data: Scholz, Calbert & Smith (2011), Table 1, from Bueno de Mesquita (1994, p. 78); see the case README.
The issue's scale is the range of the positions, 4–10 years (Scholz et al. normalise distances by it,
eq 14: "x_max − x_min is the range of positions").

Rows: every model's default forecast against the actual outcome (``kind="outcome"``), and the ``bdm``
model's median and mean voter positions, rounds 1–8, against Scholz et al.'s Table 2 (``kind="replication"``,
issue ``delay:median@t`` / ``delay:mean@t``).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..arrays import compile_scenario
from ..io.yaml_io import scenario_from_dict
from ..models import list_models
from ..scenario import Scenario, slugify
from .cases import CaseHandler, ValidationRow, register_case

CASE = "bdm1994-emissions"
DATA_FILE = "emission_standards_bdm1994.csv"
ACTUAL_OUTCOME = 8.833
"""Years of delay actually agreed (BdM 1994, p. 98, quoted by Scholz et al. 2011)."""
SCHOLZ_MEDIAN = (8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8, 9.6)
SCHOLZ_MEAN = (7.4, 7.5, 7.6, 7.3, 7.3, 7.4, 7.5, 7.6)
"""Scholz et al. (2011), Table 2: median and mean voter positions after rounds 1–8 (their model, Q = 1.0)."""


def bdm1994_scenario(folder: Path) -> Scenario:
    path = folder / DATA_FILE
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    actors, stances = [], []
    for row in rows:
        aid = slugify(row["actor"])
        actors.append({"id": aid, "name": row["actor"], "capability": float(row["capability"])})
        stances.append({"actor": aid, "issue": "delay", "position": float(row["position_years"]),
                        "salience": float(row["salience"])})
    return scenario_from_dict({
        "id": "bdm1994-emissions",
        "title": "EC emission standards for medium cars (BdM 1994)",
        "issues": [{"id": "delay", "name": "Delay before standards apply (years)", "scale_min": 4.0,
                    "scale_max": 10.0}],
        "actors": actors, "stances": stances,
        "outcomes": [{"issue": "delay", "value": ACTUAL_OUTCOME,
                      "source": "Bueno de Mesquita (1994), p. 98, quoted by Scholz et al. (2011)"}],
    }, file=str(path))


def run(folder: Path) -> list[ValidationRow]:
    arrays = compile_scenario(bdm1994_scenario(folder))
    rows = []
    for spec in list_models():
        result = spec.run(arrays, **spec.defaults())
        rows.append(ValidationRow(CASE, "delay", None, spec.id, float(result.forecast[0, 0]), ACTUAL_OUTCOME,
                                  "outcome"))
        if spec.id == "bdm" and result.forecasts is not None and result.forecasts.shape[1] > len(SCHOLZ_MEDIAN):
            for t, (med, mean) in enumerate(zip(SCHOLZ_MEDIAN, SCHOLZ_MEAN, strict=True), start=1):
                rows.append(ValidationRow(CASE, f"delay:median@{t}", None, "bdm",
                                          float(result.forecasts[0, t, 0]), med, "replication"))
                rows.append(ValidationRow(CASE, f"delay:mean@{t}", None, "bdm",
                                          float(result.extra["mean"][0, t, 0]), mean, "replication"))
    return rows


register_case(CaseHandler(CASE, lambda folder: (folder / DATA_FILE).is_file(), run))
