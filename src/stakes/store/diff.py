"""Comparing two stored runs: what ran (metadata) and what came out (result tables), in one long table.

Result rows are matched on the table's key columns (known tables: below; otherwise every column that is
not a float) and every other common column is compared; numbers get ``delta = b - a``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

DIFF_COLUMNS = ["table", "key", "column", "a", "b", "delta"]
META_FIELDS = ("kind", "scenario_id", "scenario_hash", "variants", "models", "parameters", "options", "seed",
               "stakes_version", "status")
KNOWN_KEYS: dict[str, list[str]] = {
    "forecast": ["variant", "model", "issue"],
    "trajectories": ["variant", "model", "issue", "round", "actor"],
    "verdicts": ["thesis", "variant", "model"],
    "quantiles": ["variant", "model", "issue"],
    "quantile_grid": ["variant", "model", "issue", "level"],
}


def diff_runs(run_a: Any, run_b: Any, tables_a: dict[str, pd.DataFrame], tables_b: dict[str, pd.DataFrame],
              only_changed: bool = True) -> pd.DataFrame:
    """``table, key, column, a, b, delta`` rows for every difference between run ``a`` and run ``b``."""
    rows: list[dict[str, Any]] = []
    for name in META_FIELDS:
        va, vb = getattr(run_a, name), getattr(run_b, name)
        if va != vb or not only_changed:
            rows.append({"table": "run", "key": "", "column": name, "a": _cell(va), "b": _cell(vb),
                         "delta": _delta(va, vb)})
    for name in [*tables_a, *(t for t in tables_b if t not in tables_a)]:
        if name not in tables_a or name not in tables_b:
            rows.append({"table": name, "key": "", "column": "(table)",
                         "a": "present" if name in tables_a else "absent",
                         "b": "present" if name in tables_b else "absent", "delta": None})
            continue
        rows.extend(diff_tables(name, tables_a[name], tables_b[name], only_changed))
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


def diff_tables(name: str, a: pd.DataFrame, b: pd.DataFrame, only_changed: bool = True) -> list[dict[str, Any]]:
    a, b = a.reset_index(), b.reset_index()
    common = [c for c in a.columns if c in b.columns and c != "index"]
    keys = [k for k in KNOWN_KEYS.get(name, []) if k in common]
    if not keys:
        keys = [c for c in common if not pd.api.types.is_float_dtype(a[c])]
    values = [c for c in common if c not in keys]
    if not keys:  # nothing to match on: compare row by row
        a, b, keys = a.assign(row=range(len(a))), b.assign(row=range(len(b))), ["row"]
    a_keyed = a.assign(**{k: a[k].astype(str) for k in keys}).drop_duplicates(keys)
    b_keyed = b.assign(**{k: b[k].astype(str) for k in keys}).drop_duplicates(keys)
    merged = a_keyed[keys + values].merge(b_keyed[keys + values], on=keys, how="outer",
                                          suffixes=("__a", "__b"), indicator=True)
    out: list[dict[str, Any]] = []
    for rec in merged.to_dict(orient="records"):
        key = ", ".join(f"{k}={rec[k]}" for k in keys)
        if rec["_merge"] != "both":
            side = "a only" if rec["_merge"] == "left_only" else "b only"
            out.append({"table": name, "key": key, "column": "(row)", "a": side == "a only" or None,
                        "b": side == "b only" or None, "delta": None})
            continue
        for col in values:
            va, vb = rec[f"{col}__a"], rec[f"{col}__b"]
            if _same(va, vb) and only_changed:
                continue
            out.append({"table": name, "key": key, "column": col, "a": _cell(va), "b": _cell(vb),
                        "delta": _delta(va, vb)})
    return out


def _same(a: Any, b: Any) -> bool:
    if _missing(a) and _missing(b):
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _delta(a: Any, b: Any) -> float | None:
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, int | float) and isinstance(b, int | float) and not (_missing(a) or _missing(b)):
        return float(b) - float(a)
    return None


def _cell(v: Any) -> Any:
    if isinstance(v, (list, dict, tuple)):
        return str(v)
    return None if _missing(v) else v
