"""Period quantities from bucket aggregates, per customer and billing cycle (B3, B4).

What the engine's `aggregation.quantities` returns when it closes a cycle, computed for every
customer and cycle at once from the table `buckets` (see `usage.AGGREGATION_SQL`): buckets are
merged per price group (and, for the `none` interval, per cycle), each bucket's method value is
divided by the increment and rounded on its own, and the cycle's quantity is `max(0, sum)`.

DuckDB does this in 128-bit integers on the scaled values, the same integer arithmetic as the
engine's own (for `average`, see `_fits`); when values are too large for that, the merged bucket
aggregates are read instead and each bucket goes through the engine's own `method_value` and
`increments`. The property test in
`tests/simulator/whatif/test_exactness.py` pins both paths to the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from simulator.engine.aggregation import increments, method_value
from simulator.engine.numbers import EXACT
from simulator.engine.state import TierGroup
from simulator.whatif.errors import WhatIfInputError
from simulator.whatif.usage import quoted

if TYPE_CHECKING:
    import duckdb

__all__ = ["QUANTITY_SQL", "Pricing", "Quantities", "period_quantities"]

Quantities = dict[tuple[str, int, int], dict[int | None, int]]
"""(customer id, window start us, window end us) -> period quantity per price group (None
without groups); a group without buckets in the window is absent, as in the engine."""

_SLOTS: Final = {"sum": "total", "min": "low", "max": "high", "last": "last_value"}

QUANTITY_SQL: Final = """
SELECT b.customer_id, {group} AS grp,
       greatest({cycle_start}, s.start_us) AS lo, {cycle_end} AS hi,
       {bucket} AS bucket_us, {aggregates}
FROM buckets AS b
JOIN starts AS s ON s.customer_id = b.customer_id
{join}
WHERE b.unit = '{unit}' AND b.grouped = {grouped} AND b.dimension_id = {stream}
{group_by}
"""
"""Buckets of one record stream per customer, price group, cycle window `[lo, hi)` and bucket.
`{group}` is the price group (NULL without groups, from the joined `groupmap`); `{bucket}` is
the bucket start, or the window start for the `none` interval (one bucket per cycle, B3).
Rows of one bucket (several metadata texts, months of one `none` cycle) are merged."""

_MERGED: Final = (
    "sum(b.total) AS total, sum(b.records) AS records, min(b.low) AS low, max(b.high) AS high,"
    " max_by(b.last_value, b.last_key) AS last_value"
)
_AS_IS: Final = "b.total, b.records, b.low, b.high, b.last_value"


@dataclass(frozen=True, slots=True)
class Pricing:
    """What decides a dimension's period quantities: its records, buckets and rounding."""

    stream: str
    """The records' `dimensionId`."""
    unit: str
    """The bucket unit of the `buckets` rows read: hour, day or month."""
    grouped: bool
    """Whether those rows kept metadata apart."""
    interval: str
    method: str
    increment: Decimal
    rounding: str
    cycle: str
    """month or year: the calendar span of one billing cycle (B7)."""
    groups: tuple[tuple[str, int], ...] | None
    """For metadata-grouped tiers: each metadata text (`""` for none) and the index of the
    group it falls in; texts in no group are left out (B3)."""
    price_groups: tuple[TierGroup, ...] | None = field(default=None, compare=False)
    """The price's metadata groups (B7 precedence), from which `groups` is made."""


def period_quantities(con: duckdb.DuckDBPyConnection, pricing: Pricing, scale: int) -> Quantities:
    """Return every customer's period quantities per cycle window for one `pricing`.

    Raises:
        WhatIfInputError: a merged sum needs more than 38 digits.
    """
    import duckdb
    import pyarrow as pa

    join = ""
    if pricing.groups is not None:
        table = pa.table(
            {
                "meta": pa.array([m for m, _g in pricing.groups], pa.string()),
                "grp": pa.array([g for _m, g in pricing.groups], pa.int32()),
            }
        )
        con.register("groupmap", table)
        join = "JOIN groupmap AS g ON g.meta = coalesce(b.meta, '')"
    start = f"date_trunc('{pricing.cycle}', make_timestamp(b.bucket_us))"
    cycle_start = f"epoch_us({start})"
    # Rows already one per bucket (no metadata kept, no groups, no per-cycle bucket) need no
    # merging: a view reads them as they are.
    merging = pricing.grouped or pricing.groups is not None or pricing.interval == "none"
    merged = QUANTITY_SQL.format(
        group="g.grp" if pricing.groups is not None else "CAST(NULL AS INTEGER)",
        cycle_start=cycle_start,
        cycle_end=f"epoch_us({start} + INTERVAL 1 {pricing.cycle})",
        bucket=f"greatest({cycle_start}, s.start_us)"
        if pricing.interval == "none"
        else "b.bucket_us",
        aggregates=_MERGED if merging else _AS_IS,
        join=join,
        unit=pricing.unit,
        grouped=str(pricing.grouped).upper(),
        stream=quoted([pricing.stream]),
        group_by="GROUP BY ALL" if merging else "",
    )
    kind = "TABLE" if merging else "VIEW"
    try:
        con.execute(f"CREATE TEMP {kind} merged AS {merged}")
        if _fits(con, pricing, scale):
            return _in_sql(con, pricing, scale)
        return _in_python(con, pricing, scale)
    except duckdb.OutOfRangeException as error:
        raise WhatIfInputError(
            f"usage of {pricing.stream!r} sums past 38 digits: {error}"
        ) from None
    finally:
        con.execute(f"DROP {kind} IF EXISTS merged")
        if pricing.groups is not None:
            con.unregister("groupmap")


def _fits(con: duckdb.DuckDBPyConnection, pricing: Pricing, scale: int) -> bool:
    """Whether the integer arithmetic of `_in_sql` is exact for every merged bucket.

    Scaled values times the increment's denominator must fit 128 bits with room to double
    (rounding halves). For `average` the engine rounds `sum / count` to 28 digits before
    dividing by the increment (B3); that rounding moves the value by less than half a unit in
    its 28th digit, while `sum / count` lies at least `10^-p / count` from any rounding boundary
    `k x increment` it does not equal (p: the larger of the values' scale and the increment's
    scale plus one). So when `|sum| x 10^p < 2 x 10^27`, rounding the exact quotient gives the
    engine's quantity.
    """
    if pricing.method == "count":
        return True
    row = con.execute(
        "SELECT max(greatest(abs(total), abs(low), abs(high))), max(records) FROM merged"
    ).fetchall()[0]
    bound = row[0] if row[0] is not None else Decimal(0)
    most = int(row[1] or 0)
    inc_n, inc_d = pricing.increment.as_integer_ratio()
    scaled = int(bound.scaleb(scale, EXACT))
    den = abs(inc_n) * 10**scale * max(1, most)
    # `x * 10^scale` stays a DECIMAL(38, scale); the numerator doubles when rounding halves.
    fits = bound < Decimal(10) ** (38 - 2 * scale) and (2 * scaled + 1) * inc_d + 2 * den < 10**37
    if pricing.method == "average":
        # A boundary is k x increment, or (k + 1/2) x increment when rounding halves.
        exponent = pricing.increment.as_tuple().exponent
        places = max(scale, (-exponent if isinstance(exponent, int) else 0) + 1)
        fits = fits and bound.scaleb(places, EXACT) < 2 * 10**27
    return fits


def _in_sql(con: duckdb.DuckDBPyConnection, pricing: Pricing, scale: int) -> Quantities:
    inc_n, inc_d = pricing.increment.as_integer_ratio()
    if pricing.method == "count":
        value, den = "CAST(records AS HUGEINT)", f"{inc_n}"
    else:
        column = "total" if pricing.method == "average" else _SLOTS[pricing.method]
        value = f"CAST({column} AS HUGEINT)"
        if scale:
            value = f"CAST({column} * {10**scale} AS HUGEINT)"
        den = f"{inc_n * 10**scale}"
        if pricing.method == "average":
            den = f"records * {den}"
    q = _rounded("num", "den", pricing.rounding)
    rows = con.execute(
        f"""
        SELECT customer_id, grp, lo, hi, greatest(0, sum({q})) AS quantity
        FROM (SELECT customer_id, grp, lo, hi, {value} * {inc_d} AS num,
                     CAST({den} AS HUGEINT) AS den FROM merged)
        GROUP BY ALL
        """
    ).fetchall()
    out: Quantities = {}
    for customer_id, grp, lo, hi, quantity in rows:
        out.setdefault((customer_id, lo, hi), {})[grp] = int(quantity)
    return out


def _rounded(num: str, d: str, rounding: str) -> str:
    """SQL for `rounding(num / d)`, d > 0, as the engine's `_divide` (B1 rounding modes);
    DuckDB's integer `//` truncates towards zero, so each sign is written out."""
    if rounding == "floor":
        return f"CASE WHEN {num} >= 0 THEN {num} // {d} ELSE -((-{num} + {d} - 1) // {d}) END"
    if rounding == "ceiling":
        return f"CASE WHEN {num} >= 0 THEN ({num} + {d} - 1) // {d} ELSE -((-{num}) // {d}) END"
    if rounding == "round":
        return (
            f"CASE WHEN {num} >= 0 THEN (2 * {num} + {d}) // (2 * {d})"
            f" ELSE -((2 * (-{num}) + {d}) // (2 * {d})) END"
        )
    raise ValueError(f"unknown rounding {rounding!r}")


def _in_python(con: duckdb.DuckDBPyConnection, pricing: Pricing, scale: int) -> Quantities:
    """Each bucket through the engine's own `method_value` and `increments`."""
    rows = con.execute(
        "SELECT customer_id, grp, lo, hi, total, records, low, high, last_value FROM merged"
    ).fetchall()
    sums: dict[tuple[str, int, int], dict[int | None, int]] = {}
    for customer_id, grp, lo, hi, total, records, low, high, last in rows:
        agg = [_scaled(total, scale), records, _scaled(low, scale), _scaled(high, scale)]
        agg += [0, 0, _scaled(last, scale)]
        q = increments(
            method_value(agg, pricing.method, scale), pricing.increment, pricing.rounding
        )
        per_group = sums.setdefault((customer_id, lo, hi), {})
        per_group[grp] = per_group.get(grp, 0) + q
    return {key: {g: max(0, q) for g, q in groups.items()} for key, groups in sums.items()}


def _scaled(value: Decimal, scale: int) -> int:
    return int(value.scaleb(scale, EXACT))


def group_table(texts: Mapping[str, int | None]) -> tuple[tuple[str, int], ...]:
    """Return the (metadata text, group index) pairs of the texts that fall in a group."""
    return tuple(sorted((text, g) for text, g in texts.items() if g is not None))
