"""Who sides with whom: Axelrod–Bennett landscape theory (British J. Political Science 23:211–233, 1993).

Actors of sizes ``s_i`` with pairwise propensities ``p_ij`` split into two coalitions; the frustration of
actor i is ``F_i(X) = Σ_j s_j p_ij d_ij(X)`` and the energy ``E(X) = Σ_i s_i F_i(X)``; stable alignments are
local minima of E under single-actor switches (:mod:`.energy`). Engines: exact enumeration with basins of
attraction (:mod:`.exact`) and multi-start annealing for hundreds of actors (:mod:`.heuristic`). Inputs from
a scenario: :mod:`.propensity`; Monte Carlo: :mod:`.uncertainty`. Side 0 is always the side of the
reference actor, the first actor of the scenario (after the variant is applied).
"""

from __future__ import annotations

from .api import (
    AUTO_EXACT_MAX_N,
    ENGINES,
    Alignment,
    Configuration,
    align,
    align_variants,
    alignments_frame,
    judge_side_theses,
    solve,
    verdicts_frame,
)
from .energy import energy, flip_gains, frustration, is_local_minimum, weight_matrix
from .exact import BASIN_MAX_N, EXACT_MAX_N, ExactResult, Minimum, exact_landscape
from .heuristic import HeuristicResult, heuristic_landscape
from .propensity import (
    Landscape,
    derived_propensity,
    landscape_from_scenario,
    propensity_matrix,
    read_propensity_matrix,
)
from .uncertainty import SideProbabilities, side_probabilities

__all__ = [
    "AUTO_EXACT_MAX_N",
    "BASIN_MAX_N",
    "ENGINES",
    "EXACT_MAX_N",
    "Alignment",
    "Configuration",
    "ExactResult",
    "HeuristicResult",
    "Landscape",
    "Minimum",
    "SideProbabilities",
    "align",
    "align_variants",
    "alignments_frame",
    "derived_propensity",
    "energy",
    "exact_landscape",
    "flip_gains",
    "frustration",
    "heuristic_landscape",
    "is_local_minimum",
    "judge_side_theses",
    "landscape_from_scenario",
    "propensity_matrix",
    "read_propensity_matrix",
    "side_probabilities",
    "solve",
    "verdicts_frame",
    "weight_matrix",
]
