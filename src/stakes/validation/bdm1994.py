"""BdM (1994) EC emission standards case: a real outcome (8.833 years) to forecast.

Data: Scholz, Calbert & Smith (2011), Table 1, from Bueno de Mesquita (1994, p. 78); see the case README.
The issue's scale is the range of the positions, 4–10 years (Scholz et al. normalise distances by it).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..arrays import compile_scenario
from ..io.yaml_io import scenario_from_dict
from ..models import list_models
from ..scenario import Scenario, slugify
from . import CaseHandler, ValidationRow, register_case

CASE = "bdm1994-emissions"
DATA_FILE = "emission_standards_bdm1994.csv"
ACTUAL_OUTCOME = 8.833
"""Years of delay actually agreed (BdM 1994, p. 98, quoted by Scholz et al. 2011)."""


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
    }, file=str(path))


def run(folder: Path) -> list[ValidationRow]:
    arrays = compile_scenario(bdm1994_scenario(folder))
    rows = []
    for spec in list_models():
        result = spec.run(arrays, **spec.defaults())
        rows.append(ValidationRow(CASE, "delay", None, spec.id, float(result.forecast[0, 0]), ACTUAL_OUTCOME,
                                  "outcome"))
    return rows


register_case(CaseHandler(CASE, lambda folder: (folder / DATA_FILE).is_file(), run))
