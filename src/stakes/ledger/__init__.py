"""The forecast ledger: dated forecasts, hash-chained so a later edit shows, graded once outcomes are known.

The core here is independent of any database: :mod:`.chain` (canonical JSON, hashes, checking a chain),
:mod:`.entries` (what an entry holds), :mod:`.outcomes` (reading realised outcomes), :mod:`.grading`
(scores and summaries). :mod:`stakes.store.ledger` persists entries and grades in the run store.
"""

from __future__ import annotations

from .chain import GENESIS, ChainCheck, ChainLink, LedgerError, canonical_json, check_chain, entry_hash
from .entries import NewEntries, forecast_entries, table_entries
from .grading import MIN_SEALED_QUESTIONS, Refusal, grade, ranking, sealed_questions, summarise
from .outcomes import Outcome, check_outcomes, read_outcomes_csv, scenario_outcomes

__all__ = [
    "GENESIS",
    "MIN_SEALED_QUESTIONS",
    "ChainCheck",
    "ChainLink",
    "LedgerError",
    "NewEntries",
    "Outcome",
    "Refusal",
    "canonical_json",
    "check_chain",
    "check_outcomes",
    "entry_hash",
    "forecast_entries",
    "grade",
    "ranking",
    "read_outcomes_csv",
    "scenario_outcomes",
    "sealed_questions",
    "summarise",
    "table_entries",
]
