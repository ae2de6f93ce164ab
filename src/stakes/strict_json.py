"""Strict JSON: ``NaN`` and ``Infinity`` are not JSON, so no document ``stakes`` writes contains them.

Models refuse non-finite results (:func:`stakes.models.base.check_finite`); a NaN that remains in a payload
means "no value" (e.g. a validation row without a reference) and is written as ``null``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def finite_or_none(value: Any) -> Any:
    """``value`` with every non-finite float (at any depth of dicts, lists and tuples) replaced by ``None``."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(v) for v in value]
    if isinstance(value, np.ndarray):
        return finite_or_none(value.tolist())
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` that never writes NaN or Infinity (they become ``null``)."""
    return json.dumps(finite_or_none(value), allow_nan=False, **kwargs)
