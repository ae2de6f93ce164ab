"""BDM's stable forecast: a value that does not depend on where the rounds are cut.

The model often never settles: the median voter position jumps between a few values round after round
(Scholz et al. 2011 report it for the BdM 1994 case; on the built-in scenario ``territory`` cycles between
15 and 100). The mean of the first ``rounds`` medians (Scholz's reading, ``report="mean-of-rounds"``) then
moves with ``rounds``. ``report="stable"`` (the default) runs the model for :data:`HORIZON` rounds whatever
``rounds`` says, and reports

* the fixed point when the run settles, else
* the median of the round medians over the second half of the horizon (the central value of the cycle),

with the cycle's range and the share of those rounds at each end in ``extra`` (``settled``, ``cycle_low``,
``cycle_high``). The trajectory returned is still the one of ``rounds`` rounds.
"""

from __future__ import annotations

import numpy as np

HORIZON = 64
"""Rounds run for the stable forecast (or ``rounds``, when larger)."""


def stable_summary(forecasts: np.ndarray, settled: np.ndarray) -> dict[str, np.ndarray]:
    """From the round medians ``(B, T+1, d)`` of a long run and whether each run settled ``(B, d)``: the
    stable forecast and the cycle's low and high end, each ``(B, d)``."""
    t = forecasts.shape[1] - 1
    tail = forecasts[:, t // 2 + 1:] if t >= 2 else forecasts[:, -1:]
    central = np.median(tail, axis=1)
    final = forecasts[:, -1]
    return {
        "forecast": np.where(settled, final, central),
        "settled": settled.copy(),
        "cycle_low": np.where(settled, final, tail.min(axis=1)),
        "cycle_high": np.where(settled, final, tail.max(axis=1)),
    }
