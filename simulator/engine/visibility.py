"""Read-after-write lag of the usage view: an opt-in simulator option, off by default (B13).

With `EngineOptions.usage_lag` set, a usage record shows in `GET /customers/{id}/usage` only once
the simulator's clock has moved `usage_lag` past the moment the record was accepted. The lag is
measured on the simulator's clock, so a test on a `ManualClock` advances the clock instead of
sleeping. Only the usage view lags: invoices, invoice previews, entitlements, top-ups and the
`/_simulator/` inspection routes always read every stored record.

Records of one (customer, dimension) are stored in arrival order and the clock only moves
forward between restores, so the visible records are always a prefix of the series. While a lag
is set, each write notes `(arrival time, index of its first record)` per series
(`State.arrivals`); the visible prefix ends at the first write younger than the lag. Records
accepted while no lag was set have no such note and are visible at once.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from simulator.engine.context import Ctx
from simulator.engine.metering import Series, to_us

__all__ = [
    "MAX_USAGE_LAG",
    "lag_seconds",
    "note_arrival",
    "usage_lag",
    "visible_count",
    "visible_part",
]

MAX_USAGE_LAG: Final = timedelta(days=7)
"""The longest usage lag the simulator accepts."""


def usage_lag(value: timedelta | Decimal | float) -> timedelta:
    """Return `value` (a timedelta, or seconds) as a usage lag, to the microsecond.

    Raises:
        ValueError: when it is negative, not finite, or longer than `MAX_USAGE_LAG`.
    """
    if isinstance(value, bool) or not isinstance(value, timedelta | Decimal | int | float):
        raise ValueError(f"a usage lag is a timedelta or a number of seconds, not {value!r}")
    if isinstance(value, timedelta):
        lag = value
    else:
        seconds = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not seconds.is_finite():
            raise ValueError("a usage lag must be a finite number of seconds")
        if seconds.copy_abs() > Decimal(int(MAX_USAGE_LAG.total_seconds())):
            raise ValueError(f"a usage lag must be at most {MAX_USAGE_LAG.days} days")
        lag = timedelta(microseconds=int(seconds.scaleb(6).to_integral_value(ROUND_HALF_EVEN)))
    if lag < timedelta(0):
        raise ValueError("a usage lag must not be negative")
    if lag > MAX_USAGE_LAG:
        raise ValueError(f"a usage lag must be at most {MAX_USAGE_LAG.days} days")
    return lag


def lag_seconds(lag: timedelta) -> Decimal:
    """Return `lag` as an exact number of seconds."""
    micros = (lag.days * 86_400 + lag.seconds) * 1_000_000 + lag.microseconds
    return Decimal(micros).scaleb(-6)


def note_arrival(ctx: Ctx, customer_id: str, dimension_id: str, index: int) -> None:
    """Note that record `index` of a series arrived now, when a usage lag is set."""
    if not ctx.options.usage_lag:
        return
    key = (customer_id, dimension_id)
    arrivals = _arrivals(ctx)
    notes = arrivals.get(key)
    if notes is None:
        notes = arrivals[key] = []
    moment = to_us(ctx.now)
    if notes:
        last = notes[-1][0]
        if moment <= last:
            return  # the same write (or a clock that stood still): its first index is noted
    notes.append((moment, index))


def visible_count(ctx: Ctx, customer_id: str, dimension_id: str, series: Series) -> int:
    """Return how many of the series' first records the usage view shows now."""
    lag = ctx.options.usage_lag
    if not lag:
        return len(series)
    notes = _arrivals(ctx).get((customer_id, dimension_id))
    if not notes:
        return len(series)
    cutoff = to_us(ctx.now - lag)
    hidden = bisect_right(notes, (cutoff, len(series)))
    return len(series) if hidden == len(notes) else min(notes[hidden][1], len(series))


def _arrivals(ctx: Ctx) -> dict[tuple[str, str], list[tuple[int, int]]]:
    try:
        return ctx.state.arrivals
    except AttributeError:
        # A state saved (snapshot or state file) before usage lags existed has no notes: every
        # record in it arrived long ago, so it is visible.
        ctx.state.arrivals = {}
        return ctx.state.arrivals


def visible_part(series: Series, count: int) -> Series:
    """Return a series holding only the first `count` records of `series` (same indices)."""
    if count >= len(series):
        return series
    part = Series()
    part.scale = series.scale
    for index in range(count):
        part.append(series.ts[index], series.value(index), series.meta[index])
    return part
