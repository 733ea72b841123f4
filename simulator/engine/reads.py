"""Read models: a resource together with everything its wire view shows, resolved in one call.

A view of a customer shows its current offering, each enrollment's offering with that offering's
dimensions and their measurements, and its invoices. Building all of that inside one engine call
means the api layer renders a read model without calling back into the engine, and the view is
one consistent moment of the state.

The read models are frozen; the engine objects they hold are the engine's own (copying a
year of invoices per read would cost more than the read), so a read model is rendered at once,
before the next call that may change the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.engine.catalog import get_offering
from simulator.engine.state import (
    Customer,
    Dimension,
    Enrollment,
    Invoice,
    Measurement,
    Offering,
    Settings,
    State,
)

__all__ = [
    "CustomerRead",
    "DimensionRead",
    "EnrollmentRead",
    "InvoiceDocument",
    "OfferingRead",
    "customer_read",
    "dimension_read",
    "enrollment_reads",
    "offering_read",
]


@dataclass(frozen=True, slots=True)
class DimensionRead:
    """A dimension and the measurement it names (None when it names none, or one since deleted)."""

    dimension: Dimension
    measurement: Measurement | None


@dataclass(frozen=True, slots=True)
class OfferingRead:
    """An offering and its dimensions, in the offering's order (deleted dimensions skipped)."""

    offering: Offering
    dimensions: tuple[DimensionRead, ...]


@dataclass(frozen=True, slots=True)
class EnrollmentRead:
    """One active enrollment and the offering it enrolls in."""

    enrollment: Enrollment
    offering: OfferingRead


@dataclass(frozen=True, slots=True)
class CustomerRead:
    """A customer, its current offering (None when not enrolled), active enrollments, invoices."""

    customer: Customer
    offering: OfferingRead | None
    enrollments: tuple[EnrollmentRead, ...]
    invoices: tuple[Invoice, ...]


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """What a printed invoice shows: the invoice, its number, its customer and the settings.

    `customer` is None when the customer was deleted after the invoice was issued.
    """

    invoice: Invoice
    number: str
    customer: Customer | None
    settings: Settings


def dimension_read(state: State, dimension: Dimension) -> DimensionRead:
    """Resolve the dimension's measurement."""
    measurement = None
    if dimension.measurement_id is not None:
        measurement = state.measurements.get(dimension.measurement_id)
    return DimensionRead(dimension, measurement)


def offering_read(state: State, offering: Offering) -> OfferingRead:
    """Resolve the offering's dimensions; one deleted since is left out, as Paigo shows it."""
    dimensions = tuple(
        dimension_read(state, state.dimensions[dimension_id])
        for dimension_id in offering.dimension_ids
        if dimension_id in state.dimensions
    )
    return OfferingRead(offering, dimensions)


def enrollment_reads(
    state: State, customer: Customer, offerings: dict[str, OfferingRead] | None = None
) -> tuple[EnrollmentRead, ...]:
    """Resolve each active enrollment's offering (`offerings` caches them across one read).

    Raises:
        NotFound: an enrolled offering no longer exists.
    """
    cache = {} if offerings is None else offerings
    return tuple(
        EnrollmentRead(e, _offering(state, e.offering_id, cache))
        for e in customer.active_enrollments
    )


def customer_read(state: State, customer: Customer) -> CustomerRead:
    """Resolve everything the customer view shows.

    Raises:
        NotFound: an enrolled offering no longer exists.
    """
    cache: dict[str, OfferingRead] = {}
    current = customer.current_enrollment
    # The current offering is resolved first, as the view lists it before the enrollments.
    offering = None if current is None else _offering(state, current.offering_id, cache)
    return CustomerRead(
        customer=customer,
        offering=offering,
        enrollments=enrollment_reads(state, customer, cache),
        invoices=tuple(state.invoices[i] for i in customer.invoice_ids),
    )


def _offering(state: State, offering_id: str, cache: dict[str, OfferingRead]) -> OfferingRead:
    found = cache.get(offering_id)
    if found is None:
        found = cache[offering_id] = offering_read(state, get_offering(state, offering_id))
    return found
