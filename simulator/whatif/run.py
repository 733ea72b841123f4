"""Price usage history under current and candidate offerings with the simulator's own engine.

Raw records are aggregated once into buckets (`usage.AGGREGATION_SQL`), and the buckets into
each customer's period quantities per billing cycle (`quantities.QUANTITY_SQL`), by DuckDB. For
every scenario (the customers' current offerings, then each candidate offering in their place) a
fresh `Engine` holds the catalog and the customers enrolled on their enrollment dates, and asks
those quantities through its public `EngineOptions.period_quantities` seam when it closes a
cycle, and the value each upfront dimension is priced on (`usage.LATEST_SQL`) through
`EngineOptions.latest_values`. Every invoice line, minimum charge, subscription, proration,
tax and total is therefore computed by the simulator's own rule code (B4-B9).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulator.engine import Dimension, Engine, Offering
from simulator.engine.aggregation import group_of, next_month
from simulator.engine.metering import from_us, to_us
from simulator.engine.pricing import effective_price
from simulator.whatif import usage
from simulator.whatif.catalog import Catalog, load_catalog
from simulator.whatif.enrollments import CurrentEnrollment, load_enrollments
from simulator.whatif.errors import WhatIfInputError
from simulator.whatif.quantities import Pricing, Quantities, group_table, period_quantities
from simulator.whatif.result import CURRENT, PricedInvoice, PricedLine, WhatIfResult

__all__ = ["CURRENT", "AggregationJob", "aggregation_job", "what_if"]

_UNITS = {"hour": "hour", "day": "day", "month": "month", "none": "month"}
"""Bucket unit aggregated per aggregation interval; `none` merges month buckets per cycle (B3)."""
_CYCLES = {"monthly": "month", "annualToDate": "year"}


def what_if(
    records: usage.UsageSource | str | Path | Iterable[Mapping[str, Any]] | None,
    catalog: Catalog | str | Path | Mapping[str, Any],
    enrollments: str | Path | Iterable[Mapping[str, Any]] | Sequence[CurrentEnrollment],
    candidates: Sequence[str],
    *,
    through: datetime | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    buckets: str | Path | None = None,
) -> WhatIfResult:
    """Price the records under each customer's current offering and under each candidate.

    Args:
        records: a `UsageSource`, a records file (CSV, JSON Lines, Parquet, outbox), or
            mappings with the wire's field names; None with `buckets`.
        catalog: a `Catalog`, a catalog file, or a decoded catalog mapping.
        enrollments: each customer's current offering key and enrollment date.
        candidates: offering keys of the catalog to price every customer on instead.
        through: the end of the priced period: every cycle ending at or before it is invoiced.
            Default: the start of the month after the latest record.
        memory_limit: DuckDB's memory limit, e.g. "2GB".
        threads: DuckDB's thread count.
        buckets: instead of records, a Parquet file of bucket aggregates computed elsewhere
            by `aggregation_job(...)`'s SQL for the same catalog, enrollments, candidates and
            `through` (which is then required).

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
    if (records is None) == (buckets is None):
        raise WhatIfInputError("give either records or bucket aggregates")
    if buckets is not None and through is None:
        raise WhatIfInputError("bucket aggregates need the end of the run (through)")
    scenarios: list[tuple[str, dict[str, str]]] = [
        (CURRENT, {e.customer_id: e.offering_id for e in current})
    ]
    scenarios += [(key, {e.customer_id: key for e in current}) for key in candidates]
    used = sorted({key for _name, plan in scenarios for key in plan.values()})
    plans = _pricings(catalog, used)
    upfront = _upfront_streams(catalog, used)
    if buckets is not None and upfront:
        raise WhatIfInputError(
            "upfront dimensions are priced on their latest record before each cycle: "
            "give records, not bucket aggregates"
        )
    con = usage.connect(memory_limit=memory_limit, threads=threads)
    try:
        if records is not None:
            source = records if isinstance(records, usage.UsageSource) else _source(records)
            scale = usage.load(con, source)
            end = through if through is not None else _default_end(con, current)
        else:
            assert buckets is not None
            assert through is not None
            scale = usage.load_buckets(con, buckets)
            end = through
        _check_end(current, end)
        usage.set_starts(con, _starts(current, end))
        if records is not None:
            usage.build_buckets(con, _needs(plans))
        plans = _with_group_tables(con, plans)
        computed: dict[Pricing, Quantities] = {}
        for pricing in plans.values():
            if pricing not in computed:
                computed[pricing] = period_quantities(con, pricing, scale)
        unenrolled = _unenrolled(con) if records is not None else []
        latest = _latest(con, current, end, upfront) if upfront else {}
    finally:
        con.close()
    tables = {pair: computed[pricing] for pair, pricing in plans.items()}
    invoices: list[PricedInvoice] = []
    for name, plan in scenarios:
        invoices += _price(_Scenario(name, catalog, plan, current, end, tables, latest))
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


@dataclass(frozen=True, slots=True)
class AggregationJob:
    """The whole aggregation of a what-if run, to run on another engine (Spark, Dask...)."""

    sql: str
    """`usage.bucket_sql` for every bucket unit and record stream the run prices. It reads the
    tables `usage` and `starts` (see `starts`); its result is what `what_if(buckets=...)`
    reads, written as Parquet."""
    starts: list[tuple[str, int, int]]
    """The rows of `starts`: (customer id, enrollment, end of the run), in microseconds."""


def aggregation_job(
    catalog: Catalog | str | Path | Mapping[str, Any],
    enrollments: str | Path | Iterable[Mapping[str, Any]] | Sequence[CurrentEnrollment],
    candidates: Sequence[str],
    *,
    through: datetime,
) -> AggregationJob:
    """Return the aggregation `what_if` would run for these inputs, and its `starts` rows.

    Raises:
        WhatIfInputError: an input is malformed or names something the catalog lacks.
    """
    if not isinstance(catalog, Catalog):
        catalog = load_catalog(catalog)
    current = _enrollments(enrollments)
    for key in [*candidates, *(e.offering_id for e in current)]:
        if key not in catalog.offerings:
            raise WhatIfInputError(f"offering {key!r} is not in the catalog")
    _check_end(current, through)
    used = sorted({e.offering_id for e in current} | set(candidates))
    if _upfront_streams(catalog, used):
        raise WhatIfInputError(
            "upfront dimensions are priced on their latest record before each cycle, "
            "not on bucket aggregates: run what-if on the records"
        )
    starts = _starts(current, through)
    return AggregationJob(
        sql=usage.bucket_sql(_needs(_pricings(catalog, used))),
        starts=[(c, lo, hi) for c, (lo, hi) in starts.items()],
    )


def _check_end(current: Sequence[CurrentEnrollment], end: datetime) -> None:
    if end.tzinfo is None:
        raise WhatIfInputError("through must be an aware datetime")
    for enrollment in current:
        if enrollment.enrollment_date >= end:
            raise WhatIfInputError(
                f"customer {enrollment.customer_id!r} enrolls at or after the end {end}"
            )


def _starts(current: Sequence[CurrentEnrollment], end: datetime) -> dict[str, tuple[int, int]]:
    return {e.customer_id: (to_us(e.enrollment_date), to_us(end)) for e in current}


def _needs(plans: Mapping[tuple[str, str], Pricing]) -> dict[tuple[str, bool], set[str]]:
    """Per (bucket unit, metadata kept): the record streams to aggregate that way."""
    needs: dict[tuple[str, bool], set[str]] = {}
    for pricing in plans.values():
        needs.setdefault((pricing.unit, pricing.grouped), set()).add(pricing.stream)
    return needs


def _pricings(catalog: Catalog, offering_keys: Sequence[str]) -> dict[tuple[str, str], Pricing]:
    """Return the `Pricing` of every (offering key, dimension key) the scenarios bill in arrears.

    The dimensions and offerings are read back from a scratch engine, so defaults and price
    precedence (B7) are the engine's own. Bucket rows keep metadata apart for a (stream, unit)
    when any price reading them groups tiers by metadata. Metadata groups are attached by
    `_with_group_tables` once the buckets exist.
    """
    scratch = Engine(clock=_Clock(datetime(2000, 1, 1, tzinfo=UTC)))
    dimensions, offerings = catalog.install(scratch, offering_keys)
    found: list[tuple[tuple[str, str], Dimension, Offering, str]] = []
    for offering_key in offering_keys:
        offering = offerings[offering_key]
        cycle = _CYCLES.get(offering.billing_cycle or "")
        if cycle is None:
            continue
        for entry in catalog.dimensions_of([offering_key]):
            engine_dimension = dimensions[entry.dimension_id]
            if engine_dimension.payment_schedule != "arrear":
                continue
            found.append(((offering_key, entry.dimension_id), engine_dimension, offering, cycle))
    grouped: set[tuple[str, str]] = set()
    for (_o, key), dimension, offering, _cycle in found:
        if effective_price(dimension, offering, None).groups:
            stream = catalog.dimensions[key].usage_dimension_id
            grouped.add((stream, _UNITS[dimension.aggregation_interval]))
    out: dict[tuple[str, str], Pricing] = {}
    for pair, dimension, offering, cycle in found:
        stream = catalog.dimensions[pair[1]].usage_dimension_id
        unit = _UNITS[dimension.aggregation_interval]
        groups = effective_price(dimension, offering, None).groups
        out[pair] = Pricing(
            stream=stream,
            unit=unit,
            grouped=(stream, unit) in grouped,
            interval=dimension.aggregation_interval,
            method=dimension.aggregation_method,
            increment=dimension.usage_increment,
            rounding=dimension.rounding,
            cycle=cycle,
            groups=None,
            price_groups=tuple(groups) if groups else None,
        )
    return out


def _upfront_streams(catalog: Catalog, offering_keys: Sequence[str]) -> set[str]:
    """The record streams of the `paymentSchedule: upfront` dimensions the offerings price."""
    return {
        entry.usage_dimension_id
        for entry in catalog.dimensions_of(offering_keys)
        if entry.body.get("paymentSchedule") == "upfront"
    }


Latest = dict[tuple[str, str, int], tuple[Decimal, dict[str, Any]] | None]
"""(customer id, record stream, moment in µs) -> the value and metadata of the latest record
before the moment, or None without one."""


def _latest(
    con: Any, current: Sequence[CurrentEnrollment], end: datetime, streams: set[str]
) -> Latest:
    """The values upfront dimensions are priced on, at every moment the engine may bill them.

    Upfront items are billed at the enrollment and at each cycle boundary (B7); monthly and
    annual boundaries are all month starts, so every month start after the enrollment up to
    `end` is asked for.
    """
    moments: list[tuple[str, str, int]] = []
    for enrollment in current:
        at = [to_us(enrollment.enrollment_date)]
        boundary = next_month(enrollment.enrollment_date)
        while boundary <= end:
            at.append(to_us(boundary))
            boundary = next_month(boundary)
        moments += [(enrollment.customer_id, s, m) for s in sorted(streams) for m in at]
    out: Latest = dict.fromkeys(moments)
    for customer_id, stream, moment, value, meta in usage.latest_values(con, moments):
        out[(customer_id, stream, moment)] = (
            Decimal(value),
            _metadata(meta) if meta is not None else {},
        )
    return out


def _with_group_tables(
    con: Any, plans: Mapping[tuple[str, str], Pricing]
) -> dict[tuple[str, str], Pricing]:
    """Attach to each metadata-grouped pricing the group of every metadata text its buckets hold
    (the engine's `group_of`)."""
    texts: dict[tuple[str, str], list[str]] = {}
    out: dict[tuple[str, str], Pricing] = {}
    for pair, pricing in plans.items():
        groups = pricing.price_groups
        if not groups:
            out[pair] = pricing
            continue
        key = (pricing.stream, pricing.unit)
        if key not in texts:
            texts[key] = usage.metadata_texts(con, *key)
        table = group_table(
            {"": group_of({}, groups)}
            | {text: group_of(_metadata(text), groups) for text in texts[key]}
        )
        out[pair] = replace(pricing, groups=table)
    return out


def _metadata(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        raise WhatIfInputError(f"metadata must be a JSON object, not {text[:60]!r}")
    return parsed


def _unenrolled(con: Any) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT customer_id FROM usage WHERE customer_id NOT IN "
        "(SELECT customer_id FROM starts) ORDER BY customer_id"
    ).fetchall()
    return [row[0] for row in rows]


class _Clock:
    """The scenario engine's clock: set forward by the pricing loop only.

    Not a `ManualClock`, whose guard would count the due cycles of every customer before each
    move: here every move is known to be small.
    """

    __slots__ = ("moment",)

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@dataclass(frozen=True, slots=True)
class _Scenario:
    """One scenario to price."""

    name: str
    catalog: Catalog
    plan: dict[str, str]
    current: list[CurrentEnrollment]
    end: datetime
    tables: dict[tuple[str, str], Quantities]
    """(offering key, dimension key) -> period quantities."""
    latest: Latest
    """The values upfront dimensions are priced on (`_latest`)."""


def _price(job: _Scenario) -> list[PricedInvoice]:
    """Run one scenario's engine from the first enrollment to `end`; return its invoices."""
    if not job.current:
        return []
    catalog, plan = job.catalog, job.plan
    ordered = sorted(job.current, key=lambda e: (e.enrollment_date, e.customer_id))
    clock = _Clock(ordered[0].enrollment_date)
    engine = Engine(clock=clock)
    engine.update_settings(
        tax_rate=catalog.tax_rate, free_dimension_on_invoice=catalog.free_dimension_on_invoice
    )
    dimensions, offerings = catalog.install(engine, sorted(set(plan.values())))
    keys = {d.dimension_id: key for key, d in dimensions.items()}
    tables = job.tables

    def period_quantities(
        customer_id: str, dimension_id: str, windows: list[tuple[int, int]]
    ) -> dict[int | None, int]:
        table = tables.get((plan[customer_id], keys[dimension_id]))
        if table is None:
            return {}
        if len(windows) != 1:
            raise RuntimeError(f"what-if prices one window per cycle, not {windows}")
        found = table.get((customer_id, *windows[0]))
        return dict(found) if found else {}

    def latest_values(
        customer_id: str, dimension_id: str, moment: int
    ) -> tuple[Decimal, dict[str, Any]] | None:
        key = (customer_id, catalog.dimensions[keys[dimension_id]].usage_dimension_id, moment)
        if key not in job.latest:
            raise RuntimeError(f"what-if has no upfront value for {key}")
        found = job.latest[key]
        return None if found is None else (found[0], dict(found[1]))

    engine.options.period_quantities = period_quantities
    engine.options.latest_values = latest_values
    for joining in ordered:
        clock.moment = joining.enrollment_date
        engine.create_customer(
            customer_id=joining.customer_id,
            customer_name=joining.customer_id,
            email="what-if@example.invalid",
            payment_channel="manual",
            offering_id=offerings[plan[joining.customer_id]].offering_id,
            offering_enrollment_date=joining.enrollment_date,
        )
    clock.moment = max(clock.moment, job.end)
    engine.close_due_cycles()
    names = {o.offering_id: key for key, o in offerings.items()}
    found: list[PricedInvoice] = []
    for enrollment in ordered:
        for invoice in engine.list_customer_invoices(enrollment.customer_id):
            found.append(
                PricedInvoice(
                    customer_id=enrollment.customer_id,
                    scenario=job.name,
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
