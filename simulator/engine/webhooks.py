"""Webhook subscriptions and delivery records (B15); the HTTP I/O is injected as a dispatcher."""

from __future__ import annotations

from typing import Protocol

from simulator.engine.state import WebhookDelivery

__all__ = ["RecordingDispatcher", "WebhookDispatcher"]


class WebhookDispatcher(Protocol):
    """Something that delivers webhook events; the engine calls it once per new delivery.

    `dispatch` must not block on I/O: a real dispatcher queues the delivery, POSTs it later and
    appends a `DeliveryAttempt` to `delivery.attempts` for every try, then sets `delivery.status`.
    """

    def dispatch(self, delivery: WebhookDelivery) -> None:
        """Hand one delivery over for sending."""
        ...


class RecordingDispatcher:
    """The default dispatcher: deliveries are only recorded by the engine, never sent."""

    def dispatch(self, delivery: WebhookDelivery) -> None:
        """Do nothing; the delivery stays "pending" in the engine's records."""
