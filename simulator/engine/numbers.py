"""The decimal contexts every rule computes in (B1): the only place they are defined.

Python's default decimal context has 28 significant digits and rounds halves to even, which is
wrong for money in both respects. No rule uses it: products and sums of money use `EXACT`, which is
wide enough never to round; ratios that cannot terminate use `RATIO`; averages use `AVERAGE`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Final

__all__ = ["AVERAGE", "CENT", "EXACT", "RATIO"]

CENT: Final = Decimal("0.01")
"""The money quantum: every amount an invoice shows is rounded once to it (B1)."""

EXACT: Final = Context(prec=1_000_000, rounding=ROUND_HALF_UP)
"""For products, sums, scaling and terminating quotients of exact values: never rounds (B1)."""

RATIO: Final = Context(prec=34, rounding=ROUND_HALF_UP)
"""For ratios that may not terminate (entitlements in increments, paid fractions): 34 digits."""

AVERAGE: Final = Context(prec=28, rounding=ROUND_HALF_UP)
"""For the `average` aggregation (B3): 28 significant digits, halves away from zero."""
