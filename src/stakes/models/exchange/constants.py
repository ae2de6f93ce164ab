"""Constants of the exchange model shared by the numpy engine, the numba kernel and the per-run reference."""

SALIENCE_WEIGHT = 0.4
"""Between rounds, by default: weight of (1 − s) on the voting position (parameter ``salience_weight``)."""
FIXED_WEIGHT = 0.1
"""Between rounds, by default: fixed weight on the voting position (parameter ``fixed_weight``)."""
EPS = 1e-10
"""A move must exceed this, and a gain reach it, for an exchange to be valid."""
CROSS_TOL = 1e-9
"""Float mode: an outcome within this distance of the partner's position reaches it rather than passes it
(the exact-arithmetic case Decide's decimals see; floats would flip it on the last bit)."""
GAIN_QUANTUM = 1e-12
"""Gains are compared after rounding to this grid, so exchanges whose gains are equal in exact arithmetic tie."""
