"""The forecast's tables against plain loops over its arrays."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stakes.forecast import forecast
from stakes.scenarios import builtin_scenario


def trajectories_by_loops(fc) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    rows = []
    for (variant, model), res in fc.results.items():
        if res.positions is None:
            continue
        arr = fc.arrays[variant]
        for t in range(res.positions.shape[1]):
            for k, actor in enumerate(arr.actor_ids):
                for d, issue in enumerate(arr.issue_ids):
                    if not arr.mask[k, d]:
                        continue
                    known = res.forecasts is not None and t < res.forecasts.shape[1]
                    rows.append({"variant": variant, "model": model, "round": t, "actor": actor, "issue": issue,
                                 "position": float(res.positions[0, t, k, d]),
                                 "forecast": float(res.forecasts[0, t, d]) if known else math.nan})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("models", [None, ["bdm", "smp", "weighted-mean"]])
def test_trajectories_are_every_round_of_every_actor_with_a_stance(models):
    sc = builtin_scenario("ukraine-2024-07")
    assert sum(1 for _ in sc.stances) < len(sc.actors) * len(sc.issues)  # some actors have no stance somewhere
    fc = forecast(sc, models=models)
    got = fc.trajectories()
    want = trajectories_by_loops(fc)
    assert len(got) == len(want) > 0
    assert list(got.columns) == ["variant", "model", "round", "actor", "issue", "position", "forecast"]
    for column in ("variant", "model", "actor", "issue"):
        assert got[column].tolist() == want[column].tolist()
    assert got["round"].tolist() == want["round"].tolist()
    np.testing.assert_array_equal(got["position"].to_numpy(), want["position"].to_numpy())
    np.testing.assert_array_equal(got["forecast"].to_numpy(), want["forecast"].to_numpy())  # NaN where unknown
