"""`PaigoSimulator`: the one interface of the in-process `Simulator` and the `RemoteSimulator`.

Test code written against it runs unchanged in both modes (the pytest plugin's `paigo_sim` is
one or the other): the same methods, returning the same typed records.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from paigo_sdk import AsyncPaigoClient, PaigoClient
    from simulator.api import RejectedRequest
    from simulator.engine.state import Invoice, UsageRecordView, WebhookDelivery

__all__ = ["PaigoSimulator", "WebhookControls"]


@runtime_checkable
class WebhookControls(Protocol):
    """`sim.webhooks`: drive webhook deliveries (`simulator.webhooks.Webhooks` in-process,
    `simulator.remote.RemoteWebhooks` over HTTP)."""

    def trigger(self, webhook_type: str, **overrides: Any) -> list[WebhookDelivery]:
        """Send a sample event of `webhook_type` to its subscriptions now."""
        ...

    def resend(self, delivery_id: str) -> WebhookDelivery:
        """Attempt one delivery again now."""
        ...

    def fail(
        self,
        hook_url: str,
        *,
        times: int = 1,
        status_code: int = 500,
        connection_error: bool = False,
    ) -> None:
        """Make the next `times` attempts to `hook_url` fail without sending them."""
        ...

    def clear_failures(self) -> None:
        """Forget the scripted failures not used yet."""
        ...

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every delivery with its attempts, oldest first."""
        ...


@runtime_checkable
class PaigoSimulator(Protocol):
    """What every simulator offers a test, in-process or over HTTP.

    `snapshot()` returns a value only `restore()` of the same simulator needs to understand (a
    `Snapshot` in-process, a snapshot id on a server).
    """

    @property
    def webhooks(self) -> WebhookControls:
        """Trigger, resend and script failures of webhook deliveries."""
        ...

    def client(self, **options: Any) -> PaigoClient:
        """Return a `PaigoClient` bound to this simulator."""
        ...

    def async_client(self, **options: Any) -> AsyncPaigoClient:
        """Return an `AsyncPaigoClient` bound to this simulator."""
        ...

    @property
    def usage_lag(self) -> timedelta:
        """Read-after-write lag of the usage view, on the simulator's clock (zero: none)."""
        ...

    @usage_lag.setter
    def usage_lag(self, value: timedelta | float) -> None: ...

    def reset(self) -> None:
        """Forget all state and put a manual clock back where it started."""
        ...

    def snapshot(self) -> Any:
        """Save the whole state and the clock's time."""
        ...

    def restore(self, snapshot: Any) -> None:
        """Go back (or forward) to a saved snapshot."""
        ...

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Move the manual clock forward, closing every cycle now due."""
        ...

    def set_time(self, moment: datetime) -> datetime:
        """Move the manual clock forward to `moment`."""
        ...

    def usage_records(
        self, *, customer_id: str | None = None, dimension_id: str | None = None
    ) -> list[UsageRecordView]:
        """Return the stored usage records."""
        ...

    def late_records(self, *, customer_id: str | None = None) -> list[UsageRecordView]:
        """Return records stored for an invoiced period (never billed, B9)."""
        ...

    @property
    def rejected_requests(self) -> list[RejectedRequest]:
        """The most recent refused requests."""
        ...

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivery with its attempts."""
        ...

    def create_period_invoice(self, customer_id: str, start: datetime, end: datetime) -> Invoice:
        """Invoice a customer's arrear usage in `[start, end)`."""
        ...

    def preview_invoice(self, customer_id: str) -> Invoice:
        """Return the invoice the customer would get if its open cycles closed now."""
        ...

    def close(self) -> None:
        """Release what the simulator holds."""
        ...
