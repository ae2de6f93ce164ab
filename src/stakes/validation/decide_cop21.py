"""Decide COP21 case: every model's forecast per issue against Decide's exchange-model outcome.

Data: the Paris climate talks input of Decide (15 actors × 13 issues; ``decide-cop21/`` in the validation
cases). Reference: the outcome per issue after 10 rounds of Decide's equal-gain model, produced by running the
``decide-exchange-model`` package 2022.1.28 with ``EqualGainModel.ALLOW_RANDOM = False`` and p = 0 (see
``tests/data/decide_reference/README.md``; the numbers below are that file's round 10).

The ``exchange`` row runs with ``tie_break="decide"`` and ``arithmetic="decimal"``, the settings that mirror Decide
(they reproduce its 1,309 exchanges exactly); every other model runs with its defaults.
"""

from __future__ import annotations

from pathlib import Path

from ..arrays import compile_scenario
from ..io.decide import read_decide
from ..models import list_models
from .cases import CaseHandler, ValidationRow, register_case

CASE = "decide-cop21"
DECIDE_FINAL = {
    "differentiation": 46.11830853715059,
    "mrv": 60.79140222784309,
    "legal": 45.70940406248209,
    "adapt_legal": 79.72782256692591,
    "adapt_inst": 69.84370733210152,
    "finance_vol": 85.09489693033372,
    "finance_who": 42.59647462506896,
    "adapt_finance": 60.23877462421615,
    "ld": 8.293643670457225,
    "progress": 35.34547021078094,
    "amb2050": 72.79127022343101,
    "amb2100": 90.3732966660721,
    "eaa": 17.492416506704554,
}
"""Decide's outcome per issue after round 10 (decide-exchange-model 2022.1.28, ALLOW_RANDOM = False, p = 0)."""
EXCHANGE_PARAMS = {"tie_break": "decide", "arithmetic": "decimal"}
DECIDE_TAGS = ("#A", "#P", "#D")


def find_input(folder: Path) -> Path | None:
    """The Decide input file of a case folder (the first .tsv/.csv/.txt whose lines carry Decide's tags)."""
    if not (folder / "FORMAT_inputfiles.md").is_file():
        return None
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".tsv", ".csv", ".txt") or not path.is_file():
            continue
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = [fh.readline() for _ in range(40)]
        if any(line.lstrip().startswith(DECIDE_TAGS) for line in head):
            return path
    return None


def run(folder: Path) -> list[ValidationRow]:
    path = find_input(folder)
    if path is None:
        return []
    arrays = compile_scenario(read_decide(path))
    rows = []
    for spec in list_models():
        params = spec.defaults()
        if spec.id == "exchange":
            params.update(EXCHANGE_PARAMS)
        result = spec.run(arrays, **params)
        for d, issue in enumerate(arrays.issue_ids):
            if issue in DECIDE_FINAL:
                rows.append(ValidationRow(CASE, issue, None, spec.id, float(result.forecast[0, d]),
                                          DECIDE_FINAL[issue], "replication"))
    return rows


register_case(CaseHandler(CASE, lambda folder: find_input(folder) is not None, run))
