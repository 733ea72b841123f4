"""`sim.webhooks`: drive webhook deliveries from a test (trigger, resend, scripted failures).

Delivery itself is `simulator.webhook_delivery`'s: a delivery goes out in the step that makes it
due (the request, the clock move, the `trigger` or `resend` call), and retries follow the retry
schedule on the simulator's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.api import webhook_payloads
from simulator.webhook_delivery import HttpWebhookDispatcher, ScriptedFailure

if TYPE_CHECKING:
    from simulator.engine import Engine
    from simulator.engine.state import WebhookDelivery

__all__ = ["Webhooks"]


class Webhooks:
    """Webhook controls of an in-process `Simulator` (`sim.webhooks`); `RemoteSimulator` has
    the same methods over the admin routes.

    Args:
        engine: the simulator's engine (subscriptions and delivery records).
        dispatcher: sends the deliveries.
        lock: the simulator's lock, held while the engine is changed.
        deliver: delivers what is due, once no lock is held (the simulator's).
    """

    def __init__(
        self,
        engine: Engine,
        dispatcher: HttpWebhookDispatcher,
        lock: AbstractContextManager[Any],
        deliver: Callable[[], None],
    ) -> None:
        self.dispatcher = dispatcher
        """Sends the deliveries; its `retry_delays` are the retry schedule."""
        self._engine = engine
        self._lock = lock
        self._deliver = deliver

    def trigger(self, webhook_type: str, **overrides: Any) -> list[WebhookDelivery]:
        """Send a sample `webhook_type` event to every subscription of that type, now.

        `overrides` set the event's fields by name (`invoice_id=...`, `customer_name=...`,
        `current_usage_total=Decimal("80")`; see `simulator.engine.events`); the rest are fixed
        sample values, and times default to the simulator's now. Each delivery is attempted
        before this returns; the returned records show the attempt.

        Raises:
            simulator.engine.errors.Invalid: the type is unknown, an override does not fit the
                event, or no subscription receives the type (nothing is sent then).
        """
        with self._lock:
            event = webhook_payloads.build_event(webhook_type, overrides, self._engine.clock.now())
            made = self._engine.trigger_webhook(webhook_type=webhook_type, event=event)
        self._deliver()
        return made

    def resend(self, delivery_id: str) -> WebhookDelivery:
        """Attempt one delivery again now, whatever its status, and return its record.

        The attempt is outside the retry schedule: success marks the delivery "delivered";
        failure changes neither its status nor its pending retries.

        Raises:
            simulator.engine.errors.NotFound: no such delivery.
        """
        with self._lock:
            delivery = self._engine.webhook_delivery(delivery_id)
            self.dispatcher.resend(delivery_id)
        self._deliver()
        return delivery

    def fail(
        self,
        hook_url: str,
        *,
        times: int = 1,
        status_code: int = 500,
        connection_error: bool = False,
    ) -> None:
        """Make the next `times` attempts to `hook_url` fail without reaching it: each is recorded
        as answered with `status_code`, or as a refused connection with `connection_error`.

        Raises:
            ValueError: `times` is below 1, `hook_url` is empty or `status_code` is a 2xx or not
                an HTTP status.
        """
        self.dispatcher.fail(
            hook_url, times=times, status_code=status_code, connection_error=connection_error
        )

    def clear_failures(self) -> None:
        """Forget the scripted failures not used yet."""
        self.dispatcher.clear_failures()

    @property
    def scripted_failures(self) -> list[ScriptedFailure]:
        """The scripted failures not used up yet, oldest first."""
        return self.dispatcher.scripted_failures

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every delivery with its attempts, oldest first (the same as `sim.webhook_deliveries`)."""
        with self._lock:
            return self._engine.webhook_deliveries()

    def next_attempt_at(self) -> datetime | None:
        """The simulator time the next retry is due at; None when no delivery is pending."""
        return self.dispatcher.next_attempt_at()

    def __repr__(self) -> str:
        return f"Webhooks({self.dispatcher!r})"
