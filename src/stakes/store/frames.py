"""Turning a DataFrame into long JSON rows and back, faithfully.

A stored table is a *column spec* (one entry per column: name, dtype, categories for categoricals, whether
it was part of the index) plus one JSON object per row (``{"column": value, ...}``). JSON stays standard
(PostgreSQL accepts it), so values JSON cannot hold are tagged:

* non-finite floats -> ``{"$f": "nan" | "inf" | "-inf"}``;
* timestamps in object columns -> ``{"$ts": "<ISO 8601>"}`` (datetime columns hold plain ISO strings);
* NaN/None in a float column -> ``null`` (pandas does not tell them apart there).

Decoding rebuilds the columns in order with their dtypes and the index (a non-default index is stored as
leading columns flagged ``index``), so ``decode(encode(df))`` equals ``df`` (tests check this with
``pandas.testing.assert_frame_equal``). Column names are strings; other names are refused.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from .errors import FrameError

ColumnSpec = dict[str, Any]


def encode_frame(df: pd.DataFrame) -> tuple[list[ColumnSpec], list[dict[str, Any]]]:
    """``(columns, rows)`` for a DataFrame; see the module docstring."""
    if not isinstance(df, pd.DataFrame):
        raise FrameError(f"expected a pandas DataFrame, got {type(df).__name__}")
    frame = df
    index_names: list[str] = []
    if not _is_default_index(df.index):
        names = [n if n is not None else (f"level_{k}" if df.index.nlevels > 1 else "index")
                 for k, n in enumerate(df.index.names)]
        index_names = [str(n) for n in names]
        frame = df.reset_index(names=index_names)
    names = list(frame.columns)
    if any(not isinstance(n, str) for n in names):
        bad = next(n for n in names if not isinstance(n, str))
        raise FrameError(f"column names must be strings, got {bad!r}")
    if len(set(names)) != len(names):
        raise FrameError(f"column names must be unique, got {names}")
    specs: list[ColumnSpec] = []
    encoders = []
    for name in names:
        col = frame[name]
        spec: ColumnSpec = {"name": name, "dtype": str(col.dtype)}
        if name in index_names:
            spec["index"] = True
        if isinstance(col.dtype, pd.CategoricalDtype):
            spec["categories"] = [_encode_value(c) for c in col.dtype.categories]
            spec["ordered"] = bool(col.dtype.ordered)
        specs.append(spec)
        encoders.append(_column_values(col))
    rows = [dict(zip(names, values, strict=True)) for values in zip(*encoders, strict=True)] if names else []
    if not names:
        rows = [{} for _ in range(len(frame))]
    return specs, rows


def decode_frame(specs: list[ColumnSpec], rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The DataFrame :func:`encode_frame` encoded."""
    data: dict[str, pd.Series] = {}
    for spec in specs:
        name, dtype = spec["name"], spec["dtype"]
        values = [_decode_value(r.get(name)) for r in rows]
        data[name] = _restore(values, dtype, spec)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    if not specs:
        frame = pd.DataFrame(index=pd.RangeIndex(len(rows)))
    index_cols = [s["name"] for s in specs if s.get("index")]
    if index_cols:
        frame = frame.set_index(index_cols)
        if index_cols == ["index"]:
            frame.index.name = None
        elif all(n == f"level_{k}" for k, n in enumerate(index_cols)):
            frame.index.names = [None] * len(index_cols)
    return frame


def _is_default_index(index: pd.Index) -> bool:
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None


def _column_values(col: pd.Series) -> list[Any]:
    kind = col.dtype.kind if not isinstance(col.dtype, pd.CategoricalDtype) else "O"
    if isinstance(col.dtype, pd.CategoricalDtype):  # each category encoded once, looked up by code
        cats = [_encode_value(v) for v in col.cat.categories.astype(object)] + [None]
        return [cats[c] for c in col.cat.codes.tolist()]  # code −1 (missing) → the None at the end
    if kind == "M":
        return [None if pd.isna(v) else v.isoformat() for v in col]
    if kind == "m":
        return [None if pd.isna(v) else int(v.value) for v in col]
    if kind in "iub":
        if isinstance(col.dtype, pd.api.extensions.ExtensionDtype):  # nullable Int64/boolean
            return [None if pd.isna(v) else _encode_value(v) for v in col.astype(object)]
        return col.tolist()  # Python ints and bools already
    if kind == "f":
        values = col.to_numpy()
        if np.isfinite(values).all():  # the common case: Python floats as they are
            return values.tolist()
        return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else _encode_value(v)
                for v in col.astype(object).tolist()]
    return [_encode_value(v) for v in col.astype(object).tolist()]


def _encode_value(v: Any) -> Any:
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return {"$f": "nan"}
        if math.isinf(v):
            return {"$f": "inf" if v > 0 else "-inf"}
        return v
    if v is pd.NaT:
        return {"$ts": None}
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)):
        return {"$ts": v.isoformat()}
    if v is pd.NA:
        return None
    if isinstance(v, (list, tuple)):
        return [_encode_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _encode_value(x) for k, x in v.items()}
    raise FrameError(f"cannot store a value of type {type(v).__name__}: {v!r}")


def _decode_value(v: Any) -> Any:
    if isinstance(v, dict):
        if set(v) == {"$f"}:
            return float(v["$f"])
        if set(v) == {"$ts"}:
            return pd.NaT if v["$ts"] is None else pd.Timestamp(v["$ts"])
        return {k: _decode_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decode_value(x) for x in v]
    return v


def _restore(values: list[Any], dtype: str, spec: ColumnSpec) -> pd.Series:
    if dtype == "category":
        cats = [_decode_value(c) for c in spec.get("categories", [])]
        cat_type = pd.CategoricalDtype(cats, ordered=spec.get("ordered", False))
        return pd.Series(values, dtype=object).astype(cat_type)
    if dtype.startswith("datetime64"):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601"), dtype=dtype)
    if dtype.startswith("timedelta64"):
        return pd.Series(pd.to_timedelta([pd.NaT if v is None else v for v in values], unit="ns"), dtype=dtype)
    if dtype == "object":
        series = pd.Series(values, dtype=object)
        return series
    if dtype.startswith("float"):
        return pd.Series([np.nan if v is None else v for v in values], dtype=dtype)
    return pd.Series(values, dtype=object).astype(dtype)
