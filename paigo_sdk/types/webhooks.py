"""Models for webhook subscriptions and the sample payloads Paigo sends."""

from __future__ import annotations

from pydantic import Field

from paigo_sdk.types._base import OpenEnum, PaigoModel, ParamsModel
from paigo_sdk.types.enums import WebhookEnvironment, WebhookType

__all__ = [
    "EntitlementEvent",
    "Webhook",
    "WebhookCreateParams",
    "WebhookResponse",
]


class WebhookCreateParams(ParamsModel):
    """The body of `POST /webhooks/subscribe`."""

    hook_url: str = Field(min_length=1)
    """The callback URL Paigo posts events to."""
    webhook_type: WebhookType
    security_key: str | None = None
    """Sent back on every delivery in the `X-Paigo-Security` header."""
    environment: WebhookEnvironment | None = None
    offering_id: str | None = None
    """Only for `ENTITLEMENT` hooks."""


class WebhookResponse(PaigoModel):
    """The reply to subscribing or unsubscribing: `{message, id, webhookId, environment}`."""

    message: str | None = None
    id: str | None = None
    """Deprecated by Paigo; the same as `webhook_id`."""
    webhook_id: str
    environment: OpenEnum[WebhookEnvironment] | None = None


class Webhook(PaigoModel):
    """A webhook subscription."""

    id: str
    hook_url: str
    webhook_type: OpenEnum[WebhookType]
    security_key: str | None = Field(default=None, repr=False)
    """The shared secret sent in `X-Paigo-Security` (hidden from repr)."""


class EntitlementEvent(PaigoModel):
    """A sample `ENTITLEMENT` event: a customer reached a usage entitlement."""

    timestamp: str | None = None
    dimension_id: str | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    email: str | None = None
    entitlement_limit: str | None = None
    current_usage_total: str | None = None
    event_type: str | None = None
    webhook_type: str | None = None
