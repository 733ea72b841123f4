"""Where the simulator deliberately differs from Paigo's OpenAPI export, listed once, as data.

`docs/simulator/coverage.md` is generated from this list (`scripts/coverage_page.py`); each
handler's docstring repeats the differences that concern it. Billing choices and assumptions
about the real service are in `docs/billing-rules.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DEVIATIONS", "Deviation"]


@dataclass(frozen=True, slots=True)
class Deviation:
    """One difference from Paigo's export: what it concerns and what the simulator does."""

    topic: str
    what: str


DEVIATIONS: Final[tuple[Deviation, ...]] = (
    Deviation(
        "Token endpoint",
        "Served on the API's own origin (`POST /oauth/token`); accepts JSON or form bodies, and "
        "client credentials in an HTTP Basic header; falls back to the configured audience when "
        "none is sent; tokens are opaque JWT-shaped strings.",
    ),
    Deviation(
        "Error bodies",
        "400 bodies always carry `message` as a list (NestJS's class-validator shape; the export "
        'says `{message}`); 401 is `{"message": "Unauthorized"}`; 403 (portal tokens) and 413 '
        "follow NestJS.",
    ),
    Deviation(
        "Body validation",
        "Unknown body fields are rejected; numeric strings must be plain decimals; JSON numbers "
        'are refused where a string is expected; `usageEntitlement` must be a number or `"inf"`.',
    ),
    Deviation(
        "Extensions",
        "`Idempotency-Key` on every POST route (a replay gets the first answer, a key reused with "
        "a different request 409; `simulator.api.idempotency`) and JSON-array batches on "
        "`POST /usage` are extensions.",
    ),
    Deviation(
        "Reply shapes",
        "`PUT /customers/{id}` answers `{message, customerId}` (the export says "
        "CreateCustomerDto); `GET /customers/{id}/payments` items use StripePaymentResponseDto "
        "(the export says refunds); invoices carry `invoiceId` and a flat "
        "`invoiceCommunicationHistory`; `POST /invoices` answers `{message, invoiceId}`; "
        "webhooks have a 404; `DELETE /webhooks/{id}` does not require `environment`; the "
        "ENTITLEMENT sample's `webhookType` is a string.",
    ),
    Deviation(
        "Invoice links",
        "`invoiceUrl` points at a signed `/_simulator/invoices/{id}.pdf` link on the simulator's "
        "origin, valid 7 days on the simulator clock; `paymentLink` is never sent.",
    ),
    Deviation(
        "Invoice image",
        "`POST /settings/invoiceImage` is limited to the 1 MiB body limit; the image (PNG or "
        "JPEG) is printed as the logo of the invoice PDFs.",
    ),
    Deviation(
        "Usage view",
        "An opt-in read-after-write lag (`usage_lag`, off by default) delays records in "
        "`GET /customers/{id}/usage`; billing never lags.",
    ),
    Deviation(
        "Rate limits",
        "None by default; opt-in token buckets answer 429 with API Gateway's throttling body "
        "and `Retry-After`.",
    ),
    Deviation(
        "Simulator routes",
        "Routes under `/_simulator/` are the simulator's own, not Paigo's.",
    ),
)
"""Every deliberate difference, in the order the coverage page lists them."""
