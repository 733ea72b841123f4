"""Price usage history under current and candidate offerings with the simulator's own engine.

For every scenario (the customers' current offerings, then each candidate offering in their
place) a fresh `Engine` holds the catalog, the customers enrolled on their enrollment dates and,
instead of raw records, each (customer, dimension)'s bucket aggregates from `usage.AGGREGATION_SQL`
placed where the engine keeps its hourly rollups. The engine's clock then runs to the end of the
period and closes every cycle on its own, so every invoice line, minimum charge, tax and total is
computed by the same rule code as the simulator's invoices (B3-B9).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulator.clock import ManualClock
from simulator.engine import Engine
from simulator.engine.aggregation import next_month
from simulator.engine.invoicing import cycle_bounds
from simulator.engine.metering import HOUR_US, Agg, Series, UsageStore, from_us, to_us
from simulator.engine.numbers import EXACT
from simulator.whatif import usage
from simulator.whatif.catalog import Catalog, CatalogDimension, load_catalog
from simulator.whatif.enrollments import CurrentEnrollment, load_enrollments
from simulator.whatif.errors import WhatIfInputError
from simulator.whatif.result import CURRENT, PricedInvoice, PricedLine, WhatIfResult

__all__ = ["CURRENT", "what_if"]

_UNITS = {"hour": "hour", "day": "day", "month": "month", "none": "month"}
"""Bucket granularity aggregated per aggregation interval; `none` sums month aggregates into
one bucket per cycle, which the engine does itself (B3)."""

_SeriesKey = tuple[str, str, str, bool]
"""(customer id, records' dimension id, granularity, grouped by metadata)."""


def what_if(
    records: usage.UsageSource | str | Path | Iterable[Mapping[str, Any]],
    catalog: Catalog | str | Path | Mapping[str, Any],
    enrollments: str | Path | Iterable[Mapping[str, Any]] | Sequence[CurrentEnrollment],
    candidates: Sequence[str],
    *,
    through: datetime | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> WhatIfResult:
    """Price the records under each customer's current offering and under each candidate.

    Args:
        records: a `UsageSource`, a records file (CSV, JSON Lines, Parquet, outbox), or
            mappings with the wire's field names.
        catalog: a `Catalog`, a catalog file, or a decoded catalog mapping.
        enrollments: each customer's current offering key and enrollment date.
        candidates: offering keys of the catalog to price every customer on instead.
        through: the end of the priced period: every cycle ending at or before it is invoiced.
            Default: the start of the month after the latest record.
        memory_limit: DuckDB's memory limit, e.g. "2GB".
        threads: DuckDB's thread count.

    Raises:
        WhatIfInputError: an input is malformed or names something the catalog lacks.
    """
    if not isinstance(catalog, Catalog):
        catalog = load_catalog(catalog)
    current = _enrollments(enrollments)
    for key in candidates:
        if key not in catalog.offerings:
            raise WhatIfInputError(f"candidate offering {key!r} is not in the catalog")
    for enrollment in current:
        if enrollment.offering_id not in catalog.offerings:
            raise WhatIfInputError(
                f"customer {enrollment.customer_id!r} is enrolled in {enrollment.offering_id!r},"
                " which is not in the catalog"
            )
    source = records if isinstance(records, usage.UsageSource) else _source(records)
    con = usage.connect(memory_limit=memory_limit, threads=threads)
    try:
        scale = usage.load(con, source)
        end = through if through is not None else _default_end(con, current)
        if end.tzinfo is None:
            raise WhatIfInputError("through must be an aware datetime")
        for enrollment in current:
            if enrollment.enrollment_date >= end:
                raise WhatIfInputError(
                    f"customer {enrollment.customer_id!r} enrolls at or after the end {end}"
                )
        usage.set_starts(
            con,
            {e.customer_id: (to_us(e.enrollment_date), to_us(end)) for e in current},
        )
        scenarios: list[tuple[str, dict[str, str]]] = [
            (CURRENT, {e.customer_id: e.offering_id for e in current})
        ]
        scenarios += [(key, {e.customer_id: key for e in current}) for key in candidates]
        needs = _needs(catalog, [set(plan.values()) for _name, plan in scenarios])
        metadata, store = _aggregate(con, scale, needs)
        unenrolled = _unenrolled(con)
    finally:
        con.close()
    invoices: list[PricedInvoice] = []
    for name, plan in scenarios:
        invoices += _price(catalog, name, plan, current, end, metadata, store)
    return WhatIfResult(
        scenarios=[name for name, _plan in scenarios],
        invoices=invoices,
        end=end,
        customers=[e.customer_id for e in current],
        unenrolled_customers=unenrolled,
    )


def _enrollments(
    enrollments: str | Path | Iterable[Mapping[str, Any]] | Sequence[CurrentEnrollment],
) -> list[CurrentEnrollment]:
    if isinstance(enrollments, str | Path):
        return load_enrollments(enrollments)
    items = list(enrollments)
    if all(isinstance(e, CurrentEnrollment) for e in items):
        return [e for e in items if isinstance(e, CurrentEnrollment)]
    return load_enrollments([e for e in items if isinstance(e, Mapping)])


def _source(records: str | Path | Iterable[Mapping[str, Any]]) -> usage.UsageSource:
    if isinstance(records, str | Path):
        return usage.UsageSource.from_path(records)
    return usage.UsageSource.from_records(records)


def _default_end(con: Any, current: Sequence[CurrentEnrollment]) -> datetime:
    """The start of the month after the latest record (or the latest enrollment)."""
    latest = usage.last_timestamp(con)
    moments = [e.enrollment_date for e in current]
    if latest is not None:
        moments.append(from_us(latest))
    if not moments:
        raise WhatIfInputError("no records and no enrollments: nothing to price")
    return next_month(max(moments))


def _needs(catalog: Catalog, offering_sets: Sequence[set[str]]) -> dict[tuple[str, bool], set[str]]:
    """Per (granularity, grouped by metadata): the record streams to aggregate that way."""
    needs: dict[tuple[str, bool], set[str]] = {}
    for offerings in offering_sets:
        for dimension in catalog.dimensions_of(offerings):
            needs.setdefault(_granularity(catalog, dimension, offerings), set()).add(
                dimension.usage_dimension_id
            )
    return needs


def _granularity(
    catalog: Catalog, dimension: CatalogDimension, offerings: Iterable[str]
) -> tuple[str, bool]:
    body = dimension.body
    interval = body.get("aggregationInterval") or "hour"
    grouped = bool(body.get("tiersGroupByMetadata")) or any(
        bool(o.get("tiersGroupByMetadata"))
        for key in offerings
        for o in catalog.offerings[key].body.get("dimensionOverrides") or []
        if o.get("dimensionId") == dimension.dimension_id
    )
    return _UNITS[interval], grouped


def _scaled(value: Decimal, scale: int) -> int:
    return int(value.scaleb(scale, EXACT))


class _Pieces:
    """One (customer, stream) at one granularity: bucket aggregates per calendar month, and the
    raw records of the enrollment's first partial hour."""

    __slots__ = ("edges", "months", "scale", "windows")

    def __init__(self, scale: int) -> None:
        self.scale = scale
        self.months: dict[int, dict[int, dict[int, Agg]]] = {}
        """hour index of a month's start -> metadata id -> hour index -> aggregate."""
        self.edges: list[tuple[int, int, int]] = []
        """(timestamp us, scaled value, metadata id), in file order."""
        self.windows: dict[tuple[int, int], Series] = {}

    def series(self, start: datetime, end: datetime) -> Series:
        """Return a series holding exactly the buckets and records of `[start, end)`.

        The engine reads a series only for the window of the cycle it closes; handing it that
        window's buckets alone keeps each close proportional to the cycle, not to the history.
        """
        lo, hi = to_us(start) // HOUR_US, to_us(end) // HOUR_US
        found = self.windows.get((lo, hi))
        if found is not None:
            return found
        series = _new_series(self.scale)
        for ts, value, meta_id in self.edges:
            if lo * HOUR_US <= ts < hi * HOUR_US:
                series.append(ts, value, meta_id)
        for month, per_meta in self.months.items():
            if lo <= month < hi:
                for meta_id, hours in per_meta.items():
                    target = series.hours.get(meta_id)
                    if target is None:
                        series.hours[meta_id] = dict(hours)
                    else:
                        target.update(hours)
        self.windows[(lo, hi)] = series
        return series


def _aggregate(
    con: Any, scale: int, needs: Mapping[tuple[str, bool], set[str]]
) -> tuple[list[str], dict[_SeriesKey, _Pieces]]:
    """Aggregate every needed stream into month pieces; return the metadata texts and pieces.

    Metadata ids are those the engine's store gives the texts interned in the returned order
    (0 is "no metadata"); every scenario's engine interns them in that order, so the ids agree
    and the series can be shared between engines.
    """
    all_streams = set().union(*needs.values()) if needs else set()
    grouped_streams = set().union(*(s for (_u, g), s in needs.items() if g), set())
    texts = usage.metadata_texts(con, grouped_streams)
    probe = UsageStore()
    ids: dict[str, int] = {}
    for text in texts:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise WhatIfInputError(f"metadata must be a JSON object, not {text[:60]!r}")
        # Equal maps written in another key order share one id, exactly as the engine interns.
        ids[text] = probe.intern(parsed)
    edge_rows = usage.edges(con, all_streams)
    store: dict[_SeriesKey, _Pieces] = {}
    for (unit, grouped), streams in needs.items():
        for row in edge_rows:
            if row.dimension_id not in streams:
                continue
            key = (row.customer_id, row.dimension_id, unit, grouped)
            pieces = store.get(key)
            if pieces is None:
                pieces = store[key] = _Pieces(scale)
            meta_id = ids[row.meta] if grouped and row.meta is not None else 0
            pieces.edges.append((row.ts_us, _scaled(row.value, scale), meta_id))
        # Rows arrive grouped by customer, stream, month and metadata: look the target up once
        # per group, not once per bucket.
        last: tuple[str, str, int, str | None] | None = None
        hours: dict[int, Agg] = {}
        for customer_id, stream, meta, hour, month, agg in usage.buckets(
            con, streams, unit, by_metadata=grouped
        ):
            group = (customer_id, stream, month, meta)
            if group != last:
                last = group
                key = (customer_id, stream, unit, grouped)
                pieces = store.get(key)
                if pieces is None:
                    pieces = store[key] = _Pieces(scale)
                per_meta = pieces.months.setdefault(month, {})
                hours = per_meta.setdefault(ids[meta] if meta is not None else 0, {})
            hours[hour] = agg
    return texts, store


def _new_series(scale: int) -> Series:
    series = Series()
    series.scale = scale
    return series


def _unenrolled(con: Any) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT customer_id FROM usage WHERE customer_id NOT IN "
        "(SELECT customer_id FROM starts) ORDER BY customer_id"
    ).fetchall()
    return [row[0] for row in rows]


def _price(
    catalog: Catalog,
    scenario: str,
    plan: Mapping[str, str],
    current: Sequence[CurrentEnrollment],
    end: datetime,
    metadata: Sequence[str],
    store: Mapping[_SeriesKey, _Pieces],
) -> list[PricedInvoice]:
    """Run one scenario's engine from the first enrollment to `end`; return its invoices."""
    if not current:
        return []
    ordered = sorted(current, key=lambda e: (e.enrollment_date, e.customer_id))
    clock = ManualClock(ordered[0].enrollment_date)
    engine = Engine(clock=clock)
    engine.update_settings(
        tax_rate=catalog.tax_rate, free_dimension_on_invoice=catalog.free_dimension_on_invoice
    )
    offering_keys = sorted(set(plan.values()))
    dimensions, offerings = catalog.install(engine, offering_keys)
    state = engine._state  # the what-if places bucket aggregates where rollups live
    for text in metadata:
        state.usage.intern(json.loads(text))
    # What each customer's dimensions read: (engine dimension id, pieces), per customer.
    reads: dict[str, list[tuple[str, _Pieces]]] = {}
    for enrollment in ordered:
        customer_id = enrollment.customer_id
        reads[customer_id] = []
        for dimension in catalog.dimensions_of([plan[customer_id]]):
            unit, grouped = _granularity(catalog, dimension, offering_keys)
            pieces = store.get((customer_id, dimension.usage_dimension_id, unit, grouped))
            if pieces is not None:
                reads[customer_id].append((dimensions[dimension.dimension_id].dimension_id, pieces))
    names = {o.offering_id: key for key, o in offerings.items()}
    # Enrollments and cycle boundaries in time order; at a boundary, every customer's series
    # hold that closing cycle's buckets before the clock reaches it.
    events: list[tuple[datetime, int, CurrentEnrollment | None]] = [
        (e.enrollment_date, 1, e) for e in ordered
    ]
    boundary = next_month(ordered[0].enrollment_date)
    while boundary <= end:
        events.append((boundary, 0, None))
        boundary = next_month(boundary)
    events.sort(key=lambda item: (item[0], item[1]))
    enrolled: list[CurrentEnrollment] = []
    for moment, _kind, joining in events:
        clock.set(moment)
        if joining is None:
            for customer in enrolled:
                window = cycle_bounds(
                    offerings[plan[customer.customer_id]].billing_cycle,
                    moment - timedelta(microseconds=1),
                )
                if window is None or window[1] != moment:
                    continue
                per_customer = state.usage.series.setdefault(customer.customer_id, {})
                for dimension_id, pieces in reads[customer.customer_id]:
                    per_customer[dimension_id] = pieces.series(*window)
            engine.close_due_cycles()
            continue
        enrolled.append(joining)
        engine.create_customer(
            customer_id=joining.customer_id,
            customer_name=joining.customer_id,
            email="what-if@example.invalid",
            payment_channel="manual",
            offering_id=offerings[plan[joining.customer_id]].offering_id,
            offering_enrollment_date=joining.enrollment_date,
        )
    if clock.now() < end:
        clock.set(end)
    engine.close_due_cycles()
    found: list[PricedInvoice] = []
    for enrollment in ordered:
        for invoice in engine.list_customer_invoices(enrollment.customer_id):
            found.append(
                PricedInvoice(
                    customer_id=enrollment.customer_id,
                    scenario=scenario,
                    offering_id=names.get(
                        next((i.offering_id for i in invoice.line_items if i.offering_id), "")
                        or "",
                        plan[enrollment.customer_id],
                    ),
                    invoice_date=invoice.invoice_date.astimezone(UTC),
                    period_start=invoice.period_start,
                    period_end=invoice.period_end,
                    lines=tuple(
                        PricedLine(
                            name=item.name,
                            quantity=item.quantity,
                            unit_cost=item.unit_cost,
                            amount=item.amount,
                            kind=item.kind,
                        )
                        for item in invoice.line_items
                    ),
                    subtotal=invoice.total_amount_without_tax,
                    tax=invoice.tax_amount,
                    total=invoice.total_due,
                )
            )
    return found
