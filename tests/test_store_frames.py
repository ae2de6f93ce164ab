"""DataFrames survive the store's long-row JSON encoding unchanged (``decode(encode(df)) == df``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from stakes.store import FrameError, decode_frame, encode_frame


def round_trip(df: pd.DataFrame) -> pd.DataFrame:
    specs, rows = encode_frame(df)
    # through JSON text, strictly standard (PostgreSQL's json type refuses NaN/Infinity)
    text = json.dumps({"specs": specs, "rows": rows}, allow_nan=False)
    back = json.loads(text)
    return decode_frame(back["specs"], back["rows"])


finite = st.floats(allow_nan=False, allow_infinity=False)
any_float = st.floats(allow_nan=True, allow_infinity=True)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), finite, st.text(max_size=12))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_frames_round_trip(data):
    n = data.draw(st.integers(0, 8))
    frame = pd.DataFrame({
        "i": pd.Series(data.draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n)), dtype="int64"),
        "f": pd.Series(data.draw(st.lists(any_float, min_size=n, max_size=n)), dtype="float64"),
        "b": pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype="bool"),
        "s": pd.Series(data.draw(st.lists(st.text(max_size=20), min_size=n, max_size=n)), dtype=object),
        "o": pd.Series(data.draw(st.lists(scalars, min_size=n, max_size=n)), dtype=object),
    })
    assert_frame_equal(round_trip(frame), frame, check_exact=True)


def test_special_values_and_dtypes_round_trip():
    frame = pd.DataFrame({
        "x": [1.5, np.nan, np.inf, -np.inf],
        "mixed": [None, "a", 2, float("nan")],
        "holds": pd.Series([True, None, False, True], dtype=object),
        "n": pd.array([1, None, 3, 4], dtype="Int64"),
        "f32": np.array([0.1, 0.2, 0.3, 0.4], dtype="float32"),
        "cat": pd.Categorical(["b", "a", None, "b"], categories=["b", "a"], ordered=True),
        "when": pd.to_datetime(["2024-07-11", None, "2024-07-12T10:00", "2025-01-01"],
                               format="ISO8601").tz_localize("UTC"),
        "naive": pd.to_datetime(["2024-07-11", "2024-07-12", None, "2024-07-14"]),
        "nested": [{"a": [1, 2]}, [1.0, float("inf")], None, "x"],
    })
    assert_frame_equal(round_trip(frame), frame, check_exact=True)


def test_indexes_round_trip():
    frame = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=pd.Index(["a", "b", "c"], name="issue"))
    assert_frame_equal(round_trip(frame), frame)
    multi = pd.DataFrame({"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("x", 1), ("y", 2)], names=["k", "r"]))
    assert_frame_equal(round_trip(multi), multi)
    unnamed = pd.DataFrame({"v": [1, 2]}, index=[10, 20])
    assert_frame_equal(round_trip(unnamed), unnamed)


def test_empty_frames_keep_their_columns():
    frame = pd.DataFrame({"a": pd.Series(dtype="float64"), "b": pd.Series(dtype=object)})
    assert_frame_equal(round_trip(frame), frame)
    assert round_trip(pd.DataFrame()).shape == (0, 0)


@pytest.mark.parametrize("frame, match", [
    (pd.DataFrame([[1, 2]], columns=["a", "a"]), "unique"),
    (pd.DataFrame({0: [1]}), "strings"),
    (pd.DataFrame({"a": [object()]}), "cannot store"),
])
def test_unstorable_frames_are_clear_errors(frame, match):
    with pytest.raises(FrameError, match=match):
        encode_frame(frame)
