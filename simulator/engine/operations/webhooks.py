"""Operations on webhook subscriptions and their deliveries (B15)."""

from __future__ import annotations

from typing import Final

from simulator import wire
from simulator.engine import catalog
from simulator.engine.context import Ctx
from simulator.engine.errors import Invalid, NotFound
from simulator.engine.events import WebhookEvent
from simulator.engine.operations._shared import raise_if
from simulator.engine.state import (
    Webhook,
    WebhookDelivery,
)
from simulator.engine.webhooks import emit

_WEBHOOK_TYPES: Final = wire.WEBHOOK_TYPES


def _webhook(ctx: Ctx, webhook_id: str) -> Webhook:
    found = ctx.state.webhooks.get(webhook_id)
    if found is None:
        raise NotFound("webhook", webhook_id)
    return found


def subscribe_webhook(
    ctx: Ctx,
    *,
    hook_url: str,
    webhook_type: str,
    security_key: str | None = None,
    environment: str | None = None,
    offering_id: str | None = None,
) -> Webhook:
    """Subscribe `hook_url` to one event type (B15) and return the subscription.

    Raises:
        NotFound: `offering_id` names no offering.
    """
    errors = []
    if webhook_type not in _WEBHOOK_TYPES:
        errors.append(f"webhookType must be one of: {', '.join(_WEBHOOK_TYPES)}")
    if environment not in (None, "production", "sandbox"):
        errors.append("environment must be one of: production, sandbox")
    if not hook_url:
        errors.append("hookUrl must not be empty")
    raise_if(errors)
    if offering_id is not None:
        catalog.get_offering(ctx.state, offering_id)
    webhook = Webhook(
        webhook_id=ctx.state.ids.uuid(),
        hook_url=hook_url,
        webhook_type=webhook_type,
        security_key=security_key,
        environment=environment or "production",
        offering_id=offering_id,
    )
    ctx.state.webhooks[webhook.webhook_id] = webhook
    return webhook


def list_webhooks(ctx: Ctx) -> list[Webhook]:
    """Return every subscription, oldest first."""
    return list(ctx.state.webhooks.values())


def retrieve_webhook(ctx: Ctx, webhook_id: str) -> Webhook:
    """Return one subscription.

    Raises:
        NotFound: no such webhook.
    """
    return _webhook(ctx, webhook_id)


def delete_webhook(ctx: Ctx, webhook_id: str, *, environment: str | None = None) -> Webhook:
    """Delete a subscription and return it.

    Raises:
        NotFound: no such webhook.
    """
    del environment  # one store serves both environments
    webhook = _webhook(ctx, webhook_id)
    del ctx.state.webhooks[webhook_id]
    return webhook


def webhook_deliveries(ctx: Ctx, *, webhook_id: str | None = None) -> list[WebhookDelivery]:
    """Return every delivery record (simulator extension), oldest first."""
    return [d for d in ctx.state.deliveries if webhook_id is None or d.webhook_id == webhook_id]


def webhook_delivery(ctx: Ctx, delivery_id: str) -> WebhookDelivery:
    """Return one delivery record (simulator extension).

    Raises:
        NotFound: no such delivery.
    """
    for delivery in ctx.state.deliveries:
        if delivery.delivery_id == delivery_id:
            return delivery
    raise NotFound("webhook delivery", delivery_id)


def trigger_webhook(ctx: Ctx, *, webhook_type: str, event: WebhookEvent) -> list[WebhookDelivery]:
    """Send `event` to every subscription of `webhook_type`, as if it had happened (simulator
    extension for tests); return the new deliveries.

    Raises:
        Invalid: `webhook_type` is unknown, or no subscription receives it (nothing changes).
    """
    if webhook_type not in _WEBHOOK_TYPES:
        raise Invalid([f"webhookType must be one of: {', '.join(_WEBHOOK_TYPES)}"])
    made = emit(ctx, webhook_type, event, triggered=True)
    if not made:
        raise Invalid([f"no webhook subscription receives {webhook_type} events; subscribe first"])
    return made
