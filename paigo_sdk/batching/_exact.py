"""Add usage values exactly: Decimal arithmetic that can never round.

The default Decimal context keeps 28 significant digits, so `sum()` over many long values could
round silently. Every addition that feeds a ledger or a combined record runs in `EXACT`, whose
precision is the largest Python allows and which traps `Inexact`: a rounded result would raise,
and it cannot happen for sums of finite decimals of bounded length.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

__all__ = ["EXACT", "exact_sum"]

EXACT: Final = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    rounding=decimal.ROUND_HALF_UP,
    traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow, decimal.DivisionByZero],
)


def exact_sum(values: Iterable[Decimal], start: Decimal = Decimal(0)) -> Decimal:
    """Return the exact sum of finite decimals.

    Raises:
        decimal.Inexact: never for finite inputs; it guards the claim.
        decimal.InvalidOperation: for a NaN or an infinity.
    """
    total = start
    add = EXACT.add
    for value in values:
        total = add(total, value)
    return total
