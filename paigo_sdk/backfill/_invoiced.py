"""Which periods of a customer are already invoiced, as far as Paigo's API tells.

Paigo's v1.10 API lists no invoices by period, so the periods are derived from the customer's
enrollments: every cycle of a `monthly` (calendar month) or `annualToDate` (calendar year)
offering that ended before now has been invoiced, from the enrollment date on. A record dated
in such a period is stored but not billed again (a late record).
"""

from __future__ import annotations

from datetime import UTC, datetime

from paigo_sdk._client import PaigoClient
from paigo_sdk.errors import NotFoundError

__all__ = ["InvoicedPeriods"]

Window = tuple[datetime, datetime]


def _cycle_start(cycle: str | None, now: datetime) -> datetime | None:
    now = now.astimezone(UTC)
    if cycle == "monthly":
        return datetime(now.year, now.month, 1, tzinfo=UTC)
    if cycle == "annualToDate":
        return datetime(now.year, 1, 1, tzinfo=UTC)
    return None


class InvoicedPeriods:
    """Looks up, once per customer, the periods already invoiced before `now`."""

    def __init__(self, client: PaigoClient, now: datetime) -> None:
        self._client = client
        self._now = now
        self._cache: dict[str, list[Window]] = {}

    def windows(self, customer_id: str) -> list[Window]:
        """Return the invoiced windows `[enrollment, start of the current cycle)` of a customer.

        An unknown customer has none (its records would be refused anyway).

        Raises:
            APIStatusError: for an error reply other than 404.
            APIConnectionError: when no reply arrives after the retries.
        """
        found = self._cache.get(customer_id)
        if found is not None:
            return found
        try:
            enrollments = self._client.customers.enrollment.retrieve(customer_id)
        except NotFoundError:
            enrollments = []
        found = []
        for enrollment in enrollments:
            cycle = enrollment.offering.billing_cycle
            start = _cycle_start(str(cycle) if cycle is not None else None, self._now)
            enrolled = enrollment.offering_enrollment_date
            if start is not None and enrolled < start:
                found.append((enrolled, start))
        self._cache[customer_id] = found
        return found

    def holds(self, customer_id: str, moment: datetime) -> Window | None:
        """Return the invoiced window holding `moment` for this customer, if any."""
        for window in self.windows(customer_id):
            if window[0] <= moment < window[1]:
                return window
        return None
