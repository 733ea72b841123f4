"""Describe each Paigo endpoint once: method, path, envelope, response type and retry class.

Paigo wraps most replies as `{"message", "data": [...]}`; the envelope kind says how to unwrap:

- `list`: the reply's `data` array (a list of models);
- `one`: the single element of `data` (by-id GETs also answer with an array);
- `flat`: the whole object (create, update and delete replies such as `{message, dimensionId}`);
- `bare`: the whole body, which has no envelope (`GET /webhooks`, `GET /webhooks/{id}`,
  `GET /settings/profile`, `GET /customers/{id}/token` and the sample payload routes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

from pydantic import TypeAdapter

from paigo_sdk._retry import RetryClass
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.types import (
    BusinessProfile,
    Customer,
    CustomerCreateResponse,
    CustomerDeleteResponse,
    CustomerToken,
    CustomerUsage,
    Dimension,
    DimensionCreateResponse,
    DimensionDeleteResponse,
    Enrollment,
    EntitlementEvent,
    FreeTrialUpdateResponse,
    Invoice,
    InvoiceCreateResponse,
    LedgerEntry,
    Measurement,
    MeasurementCreateResponse,
    MeasurementDeleteResponse,
    MessageResponse,
    Offering,
    OfferingCreateResponse,
    OfferingDeleteResponse,
    Settings,
    StripePayment,
    StripePortal,
    StripeRefund,
    UsageBatchResult,
    UsageRecordResult,
    Webhook,
    WebhookResponse,
)

__all__ = ["OPERATIONS", "Envelope", "Operation", "unwrap"]

T = TypeVar("T")

Envelope = Literal["list", "one", "flat", "bare"]

SAFE = RetryClass.SAFE
UNSAFE = RetryClass.UNSAFE
IDEMPOTENT = RetryClass.IDEMPOTENT


@dataclass(frozen=True)
class Operation(Generic[T]):
    """One endpoint of Paigo's API.

    Attributes:
        name: the operation's snake_case name (also used in logs).
        method: the HTTP method.
        path: the path template, with `{snake_case}` parameters.
        envelope: how the reply is unwrapped (see the module docstring).
        response: the type the unwrapped reply is validated as.
        retry: how safe it is to send the request again.
        response_headers: reply headers merged into the parsed body (header -> wire field).
        extension: True for routes the real Paigo does not have (simulator extensions).
    """

    name: str
    method: Literal["GET", "POST", "PUT", "DELETE"]
    path: str
    envelope: Envelope
    response: Any
    retry: RetryClass
    response_headers: Mapping[str, str] = field(default_factory=dict)
    extension: bool = False

    @cached_property
    def adapter(self) -> TypeAdapter[T]:
        """The pydantic adapter for `response`, built on first use.

        Raises:
            pydantic.PydanticSchemaGenerationError: if `response` is not a type pydantic knows.
        """
        return TypeAdapter(self.response)

    def format_path(self, path_params: Mapping[str, object] | None = None) -> str:
        """Fill the path template, percent-encoding each parameter.

        Raises:
            ClientValidationError: when a parameter is missing, not a string, or empty.
        """
        params: dict[str, str] = {}
        for name, value in (path_params or {}).items():
            if not isinstance(value, str) or not value:
                raise ClientValidationError(f"{name} must be a non-empty string, got {value!r}")
            params[name] = quote(value, safe="")
        try:
            return self.path.format(**params)
        except KeyError as error:
            raise ClientValidationError(f"{error.args[0]} is required") from None


def unwrap(envelope: Envelope, body: Any) -> Any:
    """Take the payload out of Paigo's envelope.

    Raises:
        ValueError: when the body does not have the envelope's shape (no `data` array, or an
            empty one for a by-id read).
    """
    if envelope in ("flat", "bare"):
        return {} if body is None and envelope == "bare" else body
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ValueError('expected an object with a "data" array')
    data = body["data"]
    if envelope == "list":
        return data
    if not data:
        raise ValueError('expected one element in "data", got none')
    return data[0]


def _op(
    name: str,
    method: Literal["GET", "POST", "PUT", "DELETE"],
    path: str,
    envelope: Envelope,
    response: Any,
    **kwargs: Any,
) -> Operation[Any]:
    retry = kwargs.pop("retry", SAFE if method != "POST" else UNSAFE)
    return Operation(name, method, path, envelope, response, retry, **kwargs)


# Dimensions
LIST_DIMENSIONS: Operation[list[Dimension]] = _op(
    "list_dimensions", "GET", "/dimensions", "list", list[Dimension]
)
CREATE_DIMENSION: Operation[DimensionCreateResponse] = _op(
    "create_dimension", "POST", "/dimensions", "flat", DimensionCreateResponse
)
RETRIEVE_DIMENSION: Operation[Dimension] = _op(
    "retrieve_dimension", "GET", "/dimensions/{dimension_id}", "one", Dimension
)
UPDATE_DIMENSION: Operation[DimensionCreateResponse] = _op(
    "update_dimension", "PUT", "/dimensions/{dimension_id}", "flat", DimensionCreateResponse
)
DELETE_DIMENSION: Operation[DimensionDeleteResponse] = _op(
    "delete_dimension", "DELETE", "/dimensions/{dimension_id}", "flat", DimensionDeleteResponse
)

# Offerings
LIST_OFFERINGS: Operation[list[Offering]] = _op(
    "list_offerings", "GET", "/offerings", "list", list[Offering]
)
CREATE_OFFERING: Operation[OfferingCreateResponse] = _op(
    "create_offering", "POST", "/offerings", "flat", OfferingCreateResponse
)
RETRIEVE_OFFERING: Operation[Offering] = _op(
    "retrieve_offering", "GET", "/offerings/{offering_id}", "one", Offering
)
UPDATE_OFFERING: Operation[OfferingCreateResponse] = _op(
    "update_offering", "PUT", "/offerings/{offering_id}", "flat", OfferingCreateResponse
)
DELETE_OFFERING: Operation[OfferingDeleteResponse] = _op(
    "delete_offering", "DELETE", "/offerings/{offering_id}", "flat", OfferingDeleteResponse
)

# Measurements
LIST_MEASUREMENTS: Operation[list[Measurement]] = _op(
    "list_measurements", "GET", "/measurements", "list", list[Measurement]
)
CREATE_MEASUREMENT: Operation[MeasurementCreateResponse] = _op(
    "create_measurement", "POST", "/measurements", "flat", MeasurementCreateResponse
)
RETRIEVE_MEASUREMENT: Operation[Measurement] = _op(
    "retrieve_measurement", "GET", "/measurements/{measurement_id}", "one", Measurement
)
UPDATE_MEASUREMENT: Operation[MeasurementCreateResponse] = _op(
    "update_measurement",
    "PUT",
    "/measurements/{measurement_id}",
    "flat",
    MeasurementCreateResponse,
)
DELETE_MEASUREMENT: Operation[MeasurementDeleteResponse] = _op(
    "delete_measurement",
    "DELETE",
    "/measurements/{measurement_id}",
    "flat",
    MeasurementDeleteResponse,
)

# Usage
RECORD_USAGE: Operation[UsageRecordResult] = _op(
    "record_usage",
    "POST",
    "/usage",
    "flat",
    UsageRecordResult,
    retry=IDEMPOTENT,
    response_headers={"Idempotent-Replayed": "idempotentReplayed"},
)
RECORD_USAGE_BATCH: Operation[UsageBatchResult] = _op(
    "record_usage_batch",
    "POST",
    "/usage",
    "flat",
    UsageBatchResult,
    retry=IDEMPOTENT,
    extension=True,
)

# Customers
LIST_CUSTOMERS: Operation[list[Customer]] = _op(
    "list_customers", "GET", "/customers", "list", list[Customer]
)
CREATE_CUSTOMER: Operation[CustomerCreateResponse] = _op(
    "create_customer", "POST", "/customers", "flat", CustomerCreateResponse
)
RETRIEVE_CUSTOMER: Operation[Customer] = _op(
    "retrieve_customer", "GET", "/customers/{customer_id}", "one", Customer
)
UPDATE_CUSTOMER: Operation[MessageResponse] = _op(
    "update_customer", "PUT", "/customers/{customer_id}", "flat", MessageResponse
)
DELETE_CUSTOMER: Operation[CustomerDeleteResponse] = _op(
    "delete_customer", "DELETE", "/customers/{customer_id}", "flat", CustomerDeleteResponse
)
RETRIEVE_ENROLLMENT: Operation[list[Enrollment]] = _op(
    "retrieve_enrollment", "GET", "/customers/{customer_id}/enrollment", "list", list[Enrollment]
)
UPDATE_ENROLLMENT: Operation[MessageResponse] = _op(
    "update_enrollment", "PUT", "/customers/{customer_id}/enrollment", "flat", MessageResponse
)
UPDATE_FREE_TRIAL: Operation[FreeTrialUpdateResponse] = _op(
    "update_free_trial",
    "PUT",
    "/customers/{customer_id}/freeTrial",
    "flat",
    FreeTrialUpdateResponse,
)
RETRIEVE_CUSTOMER_USAGE: Operation[list[CustomerUsage]] = _op(
    "retrieve_customer_usage",
    "GET",
    "/customers/{customer_id}/usage",
    "list",
    list[CustomerUsage],
)
RETRIEVE_CUSTOMER_TOKEN: Operation[CustomerToken] = _op(
    "retrieve_customer_token", "GET", "/customers/{customer_id}/token", "bare", CustomerToken
)
CREATE_TRANSACTION: Operation[MessageResponse] = _op(
    "create_transaction", "POST", "/customers/{customer_id}/transactions", "flat", MessageResponse
)
LIST_TRANSACTIONS: Operation[list[LedgerEntry]] = _op(
    "list_transactions",
    "GET",
    "/customers/{customer_id}/transactions",
    "list",
    list[LedgerEntry],
)
CREATE_REFUND: Operation[MessageResponse] = _op(
    "create_refund", "POST", "/customers/{customer_id}/refunds", "flat", MessageResponse
)
LIST_REFUNDS: Operation[list[StripeRefund]] = _op(
    "list_refunds", "GET", "/customers/{customer_id}/refunds", "list", list[StripeRefund]
)
LIST_PAYMENTS: Operation[list[StripePayment]] = _op(
    "list_payments", "GET", "/customers/{customer_id}/payments", "list", list[StripePayment]
)
RETRIEVE_STRIPE_PORTAL: Operation[StripePortal] = _op(
    "retrieve_stripe_portal", "GET", "/customers/{customer_id}/stripePortal", "flat", StripePortal
)
ADD_CHILD: Operation[MessageResponse] = _op(
    "add_child", "POST", "/customers/{customer_id}/children/{child_id}", "flat", MessageResponse
)
UPDATE_CHILD: Operation[MessageResponse] = _op(
    "update_child", "PUT", "/customers/{customer_id}/children/{child_id}", "flat", MessageResponse
)
REMOVE_CHILD: Operation[MessageResponse] = _op(
    "remove_child",
    "DELETE",
    "/customers/{customer_id}/children/{child_id}",
    "flat",
    MessageResponse,
)

# Invoices
CREATE_INVOICE: Operation[InvoiceCreateResponse] = _op(
    "create_invoice", "POST", "/invoices", "flat", InvoiceCreateResponse
)
RETRIEVE_INVOICE: Operation[Invoice] = _op(
    "retrieve_invoice", "GET", "/invoices/{invoice_id}", "one", Invoice
)

# Webhooks
SUBSCRIBE_WEBHOOK: Operation[WebhookResponse] = _op(
    "subscribe_webhook", "POST", "/webhooks/subscribe", "flat", WebhookResponse
)
LIST_WEBHOOKS: Operation[list[Webhook]] = _op(
    "list_webhooks", "GET", "/webhooks", "bare", list[Webhook]
)
RETRIEVE_WEBHOOK: Operation[Webhook] = _op(
    "retrieve_webhook", "GET", "/webhooks/{webhook_id}", "bare", Webhook
)
DELETE_WEBHOOK: Operation[WebhookResponse] = _op(
    "delete_webhook", "DELETE", "/webhooks/{webhook_id}", "flat", WebhookResponse
)
TEST_WEBHOOK: Operation[MessageResponse] = _op(
    "test_webhook", "GET", "/webhooks/test", "bare", MessageResponse
)
SAMPLE_INVOICE_WEBHOOK: Operation[list[dict[str, Any]] | dict[str, Any]] = _op(
    "sample_invoice_webhook",
    "GET",
    "/webhooks/invoice",
    "bare",
    list[dict[str, Any]] | dict[str, Any],
)
SAMPLE_CUSTOMER_WEBHOOK: Operation[list[Customer]] = _op(
    "sample_customer_webhook", "GET", "/webhooks/customer", "bare", list[Customer]
)
SAMPLE_ENTITLEMENT_WEBHOOK: Operation[list[EntitlementEvent]] = _op(
    "sample_entitlement_webhook", "GET", "/webhooks/entitlement", "bare", list[EntitlementEvent]
)

# Settings
RETRIEVE_PROFILE: Operation[BusinessProfile] = _op(
    "retrieve_profile", "GET", "/settings/profile", "bare", BusinessProfile
)
UPDATE_PROFILE: Operation[Settings] = _op(
    "update_profile", "PUT", "/settings/profile", "one", Settings
)
UPLOAD_INVOICE_IMAGE: Operation[MessageResponse] = _op(
    "upload_invoice_image", "POST", "/settings/invoiceImage", "flat", MessageResponse
)

OPERATIONS: tuple[Operation[Any], ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, Operation)
)
"""Every operation, Paigo's 48 and the simulator's extensions (`extension=True`)."""
