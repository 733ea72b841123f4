"""Webhooks: subscribe, list, retrieve, unsubscribe, and Paigo's sample-payload endpoints."""

from __future__ import annotations

from typing import Any, Final

from simulator.api import replies, schemas, views
from simulator.api.call import Call
from simulator.api.messages import ApiResponse
from simulator.api.parsing import BadRequest, Enum
from simulator.wire import INVOICE_EVENT_TYPES, WEBHOOK_ENVIRONMENTS

__all__ = [
    "check_webhook_connection",
    "delete_webhook",
    "list_webhooks",
    "retrieve_webhook",
    "sample_customer_webhooks",
    "sample_entitlement_webhooks",
    "sample_invoice_webhooks",
    "subscribe_webhook",
]

_ENVIRONMENT = Enum(WEBHOOK_ENVIRONMENTS)
_SAMPLE_ID: Final = "00000000-0000-4000-8000-000000000000"
_SAMPLE_TIME: Final = "2026-01-01T00:00:00.000Z"


def subscribe_webhook(call: Call) -> ApiResponse:
    """Subscribe a webhook (Paigo: `POST /webhooks/subscribe`); replies 201.

    The reply is `{message, id, webhookId, environment}` (`id` is Paigo's deprecated duplicate).

    Raises:
        BadRequest: the body fails wire validation.
        NotFound: `offeringId` names no offering.
    """
    params = call.body(schemas.CREATE_WEBHOOK)
    created = call.engine.subscribe_webhook(**params)
    return replies.created(_webhook_response("Webhook subscribed successfully", created))


def list_webhooks(call: Call) -> ApiResponse:
    """List every webhook as a bare array (Paigo: `GET /webhooks`)."""
    return replies.bare([views.webhook(w) for w in call.engine.list_webhooks()])


def retrieve_webhook(call: Call) -> ApiResponse:
    """Return one webhook as a bare object (Paigo: `GET /webhooks/{webhookId}`).

    Paigo documents no 404 here; the simulator answers `Webhook with ID: <id> not found`.

    Raises:
        NotFound: no such webhook.
    """
    found = call.engine.retrieve_webhook(call.params["webhookId"])
    return replies.bare(views.webhook(found))


def delete_webhook(call: Call) -> ApiResponse:
    """Unsubscribe a webhook (Paigo: `DELETE /webhooks/{webhookId}`).

    Paigo's export marks `environment` as required; the simulator makes it optional (default
    `production`), as Paigo's own Pipedream integration calls it without one.

    Raises:
        BadRequest: `environment` is not `production` or `sandbox`.
        NotFound: no such webhook.
    """
    environment = call.query("environment", _ENVIRONMENT)
    deleted = call.engine.delete_webhook(call.params["webhookId"], environment=environment)
    return replies.ok(_webhook_response("Webhook unsubscribed successfully", deleted))


def check_webhook_connection(_call: Call) -> ApiResponse:
    """Answer Paigo's "Test Webhook Connection" (`GET /webhooks/test`), which documents no body."""
    return replies.ok({"message": "Webhook connection is working"})


def sample_invoice_webhooks(call: Call) -> ApiResponse:
    """Return sample invoice event payloads (Paigo: `GET /webhooks/invoice?status=...`).

    `status=INVOICE_CREATED` gives the INVOICE_CREATED payload; any other status an invoice object.
    The samples are fixed example values, not the account's data.

    Raises:
        BadRequest: `status` is missing or not an invoice event.
    """
    status = call.query("status", Enum(INVOICE_EVENT_TYPES))
    if status is None:
        raise BadRequest(["status should not be empty"])
    if status == "INVOICE_CREATED":
        sample: dict[str, Any] = {
            "invoiceId": _SAMPLE_ID,
            "message": "Generated invoice",
            "customerId": _SAMPLE_ID,
        }
    else:
        sample = _sample_invoice(paid=status == "INVOICE_PAID")
    return replies.bare([sample])


def sample_customer_webhooks(_call: Call) -> ApiResponse:
    """Return sample CUSTOMER_CREATED payloads (Paigo: `GET /webhooks/customer`); fixed values."""
    sample: dict[str, Any] = {
        "customerId": _SAMPLE_ID,
        "customerName": "Dumm AI Corp",
        "email": "billing@example.com",
        "paymentChannel": "manual",
        "paymentChannelOptions": {"stripeCustomerId": ""},
        "customerVatId": "",
        "taxExempt": "none",
        "currency": "USD",
        "metadata": {},
        "creditBalance": "0",
        "offering": {},
        "enrollments": [],
        "children": [],
        "invoices": [],
    }
    return replies.bare([sample])


def sample_entitlement_webhooks(_call: Call) -> ApiResponse:
    """Return sample ENTITLEMENT payloads (Paigo: `GET /webhooks/entitlement`); fixed values.

    `webhookType` is the string `"ENTITLEMENT"` (the export types it as a number, a known bug).
    """
    sample = {
        "timestamp": _SAMPLE_TIME,
        "dimensionId": _SAMPLE_ID,
        "customerId": _SAMPLE_ID,
        "customerName": "Dumm AI Corp",
        "email": "billing@example.com",
        "entitlementLimit": "100",
        "currentUsageTotal": "100",
        "eventType": "usageEntitlementLimitReached",
        "webhookType": "ENTITLEMENT",
    }
    return replies.bare([sample])


def _sample_invoice(*, paid: bool) -> dict[str, Any]:
    return {
        "invoiceId": _SAMPLE_ID,
        "customerId": _SAMPLE_ID,
        "invoiceStatus": "Paid" if paid else "Open",
        "invoiceType": "RECURRING",
        "invoicePaymentTerm": "",
        "invoiceDate": _SAMPLE_TIME,
        "currency": "USD",
        "totalAmountWithoutTax": 100,
        "taxAmount": 0,
        "amountPaid": 100 if paid else 0,
        "lineItems": [
            {
                "name": "Data Processed - Gigabyte - Pay-as-you-go",
                "quantity": 1250,
                "unitCost": 0.08,
            }
        ],
        "payments": [],
        "refunds": [],
        "invoiceCommunicationHistory": [],
    }


def _webhook_response(message: str, webhook: Any) -> dict[str, Any]:
    return {
        "message": message,
        "id": webhook.webhook_id,
        "webhookId": webhook.webhook_id,
        "environment": webhook.environment,
    }
