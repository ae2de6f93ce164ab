"""Voting power: Shapley–Shubik and Penrose–Banzhaf indices, EU Council rules by date, DEU capabilities.

Pure numpy; no CLI or I/O beyond the package's own population file.
"""

from __future__ import annotations

from .eu import CouncilRule, council_rule, members_on, population
from .indices import (
    SizeThresholdGame,
    banzhaf,
    banzhaf_double_majority,
    banzhaf_game,
    double_majority_game,
    shapley_shubik,
    shapley_shubik_double_majority,
    shapley_shubik_game,
    unanimity_game,
    weighted_game,
)
from .institutional import SCHEMES, actor_capabilities, procedure_indices

__all__ = [
    "SCHEMES",
    "CouncilRule",
    "SizeThresholdGame",
    "actor_capabilities",
    "banzhaf",
    "banzhaf_double_majority",
    "banzhaf_game",
    "council_rule",
    "double_majority_game",
    "members_on",
    "population",
    "procedure_indices",
    "shapley_shubik",
    "shapley_shubik_double_majority",
    "shapley_shubik_game",
    "unanimity_game",
    "weighted_game",
]
