"""The route table: each (method, path pattern) and the handler that serves it.

Paigo's 48 operations come first, then the token endpoint, then the simulator's own routes under
`/_simulator/` (not part of Paigo). Literal segments win over parameters (`/webhooks/test` before
`/webhooks/{webhookId}`) because routes are tried in table order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal
from urllib.parse import unquote

from simulator.api import (
    admin,
    customers,
    dimensions,
    invoices,
    measurements,
    oauth,
    offerings,
    settings,
    usage,
    webhooks,
)
from simulator.api.call import Handler

__all__ = ["ADMIN_PREFIX", "PAIGO_OPERATION_COUNT", "ROUTES", "Access", "Match", "Route", "match"]

ADMIN_PREFIX: Final = "/_simulator/"

Access = Literal["paigo", "portal", "token", "admin", "signed"]
"""Who may call a route: `paigo` needs an API client token; `portal` also admits a customer portal
token for that customer's own data; `token` is the token endpoint; `admin` the simulator's own
routes; `signed` a pre-signed URL (the invoice PDF) that needs no token."""


@dataclass(frozen=True, slots=True)
class Route:
    """One entry of the table."""

    method: str
    pattern: str
    handler: Handler
    access: Access = "paigo"

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern; `{name}` matches one path segment."""
        return _compile(self.pattern)


@dataclass(frozen=True, slots=True)
class Match:
    """A route and the decoded path parameters it captured (read-only)."""

    route: Route
    params: Mapping[str, str]


_PATTERN_CACHE: dict[str, re.Pattern[str]] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERN_CACHE.get(pattern)
    if compiled is None:
        parts = re.split(r"(\{[A-Za-z]+\})", pattern)
        regex = "".join(
            f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts
        )
        compiled = _PATTERN_CACHE[pattern] = re.compile(regex)
    return compiled


def _r(method: str, pattern: str, handler: Handler, access: Access = "paigo") -> Route:
    return Route(method, pattern, handler, access)


ROUTES: Final[Sequence[Route]] = (
    # Dimensions
    _r("GET", "/dimensions", dimensions.list_dimensions),
    _r("POST", "/dimensions", dimensions.create_dimension),
    _r("GET", "/dimensions/{dimensionId}", dimensions.retrieve_dimension),
    _r("PUT", "/dimensions/{dimensionId}", dimensions.update_dimension),
    _r("DELETE", "/dimensions/{dimensionId}", dimensions.delete_dimension),
    # Offerings
    _r("GET", "/offerings", offerings.list_offerings),
    _r("POST", "/offerings", offerings.create_offering),
    _r("GET", "/offerings/{offeringId}", offerings.retrieve_offering),
    _r("PUT", "/offerings/{offeringId}", offerings.update_offering),
    _r("DELETE", "/offerings/{offeringId}", offerings.delete_offering),
    # Measurements
    _r("GET", "/measurements", measurements.list_measurements),
    _r("POST", "/measurements", measurements.create_measurement),
    _r("GET", "/measurements/{measurementId}", measurements.retrieve_measurement),
    _r("PUT", "/measurements/{measurementId}", measurements.update_measurement),
    _r("DELETE", "/measurements/{measurementId}", measurements.delete_measurement),
    # Usage
    _r("POST", "/usage", usage.record_usage),
    _r("GET", "/customers/{customerId}/usage", usage.query_usage, "portal"),
    # Customers
    _r("GET", "/customers", customers.list_customers),
    _r("POST", "/customers", customers.create_customer),
    _r("GET", "/customers/{customerId}", customers.retrieve_customer, "portal"),
    _r("PUT", "/customers/{customerId}", customers.update_customer),
    _r("DELETE", "/customers/{customerId}", customers.delete_customer),
    _r("GET", "/customers/{customerId}/enrollment", customers.list_enrollments, "portal"),
    _r("PUT", "/customers/{customerId}/enrollment", customers.update_enrollment),
    _r("PUT", "/customers/{customerId}/freeTrial", customers.update_free_trial),
    _r("GET", "/customers/{customerId}/token", customers.create_portal_token),
    _r("POST", "/customers/{customerId}/transactions", customers.create_transaction),
    _r("GET", "/customers/{customerId}/transactions", customers.list_transactions, "portal"),
    _r("POST", "/customers/{customerId}/refunds", customers.create_refund),
    _r("GET", "/customers/{customerId}/refunds", customers.list_refunds, "portal"),
    _r("GET", "/customers/{customerId}/payments", customers.list_payments, "portal"),
    _r("GET", "/customers/{customerId}/stripePortal", customers.retrieve_stripe_portal, "portal"),
    _r("POST", "/customers/{customerId}/children/{childId}", customers.add_child),
    _r("PUT", "/customers/{customerId}/children/{childId}", customers.update_child),
    _r("DELETE", "/customers/{customerId}/children/{childId}", customers.remove_child),
    # Invoices
    _r("GET", "/invoices/{invoiceId}", invoices.retrieve_invoice, "portal"),
    _r("POST", "/invoices", invoices.create_invoice),
    # Webhooks (literal paths before /webhooks/{webhookId})
    _r("GET", "/webhooks/test", webhooks.check_webhook_connection),
    _r("GET", "/webhooks/invoice", webhooks.sample_invoice_webhooks),
    _r("GET", "/webhooks/customer", webhooks.sample_customer_webhooks),
    _r("GET", "/webhooks/entitlement", webhooks.sample_entitlement_webhooks),
    _r("GET", "/webhooks", webhooks.list_webhooks),
    _r("GET", "/webhooks/{webhookId}", webhooks.retrieve_webhook),
    _r("DELETE", "/webhooks/{webhookId}", webhooks.delete_webhook),
    _r("POST", "/webhooks/subscribe", webhooks.subscribe_webhook),
    # Settings
    _r("PUT", "/settings/profile", settings.update_profile),
    _r("GET", "/settings/profile", settings.retrieve_profile),
    _r("POST", "/settings/invoiceImage", settings.upload_invoice_image),
    # Token endpoint (Paigo serves it from auth.paigo.tech; the simulator from the same origin)
    _r("POST", "/oauth/token", oauth.issue_token, "token"),
    # Simulator-only routes
    _r("GET", "/_simulator/invoices/{invoiceId}.pdf", invoices.download_invoice_pdf, "signed"),
    *(Route(m, p, h, "admin") for m, p, h in admin.ADMIN_ROUTES),
)

PAIGO_OPERATION_COUNT: Final = sum(1 for r in ROUTES if r.access in ("paigo", "portal"))
"""How many of Paigo's operations the table serves (all 48 of v1.10)."""


def _index() -> tuple[dict[tuple[str, str], Match], dict[str, list[tuple[re.Pattern[str], Route]]]]:
    literal: dict[tuple[str, str], Match] = {}
    patterned: dict[str, list[tuple[re.Pattern[str], Route]]] = {}
    no_params: Mapping[str, str] = MappingProxyType({})
    for route in ROUTES:
        if "{" in route.pattern:
            patterned.setdefault(route.method, []).append((route.regex, route))
        else:
            literal.setdefault((route.method, route.pattern), Match(route, no_params))
    return literal, patterned


# Literal paths are found by one dict lookup, each with its match made once; they always win
# over patterns (`/webhooks/test`).
_LITERAL, _PATTERNED = _index()


def match(method: str, path: str) -> Match | None:
    """Find the route serving `method` and `path`; a trailing slash is ignored, as Express does."""
    found = _LITERAL.get((method, path))
    if found is not None:
        return found
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
        found = _LITERAL.get((method, path))
        if found is not None:
            return found
    for regex, candidate in _PATTERNED.get(method, ()):
        captured = regex.fullmatch(path)
        if captured is not None:
            params = {k: unquote(v) for k, v in captured.groupdict().items()}
            return Match(candidate, params)
    return None
