"""The `Simulator` facade: one engine, its API handler, clock, faults and webhook delivery together.

Each `Simulator` is independent: no state is shared between instances or kept at module level,
so tests can create one per test, in parallel processes or threads.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import httpx

from simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from simulator.api import Api, RejectedRequest, webhook_payloads
from simulator.api.messages import ApiHandler, ApiRequest, ApiResponse, InlineAnswer
from simulator.clock import Clock, ManualClock, SystemClock
from simulator.engine import Engine
from simulator.engine.visibility import usage_lag as check_usage_lag
from simulator.faults import Faults
from simulator.ratelimits import RateLimits, RateLimitsHandler
from simulator.settling import ClientRegistry, UndeliveredUsageError, log_late
from simulator.snapshots import Snapshot
from simulator.transport import SimulatorTransport
from simulator.webhook_delivery import RETRY_DELAYS, HttpWebhookDispatcher
from simulator.webhooks import Webhooks

if TYPE_CHECKING:
    from paigo_sdk import AsyncPaigoClient, PaigoClient
    from simulator.engine.state import Invoice, UsageRecordView, WebhookDelivery
    from simulator.server import AsgiApp, SimulatorServer

__all__ = [
    "AUTH_URL",
    "BASE_URL",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "Simulator",
    "Snapshot",
    "UndeliveredUsageError",
]

BASE_URL: Final = "http://paigo-simulator.local"
"""The API URL of in-process clients; requests to it never leave the process."""
AUTH_URL: Final = f"{BASE_URL}/oauth/token"
"""The token endpoint URL of in-process clients."""


class Simulator:
    """A whole Paigo backend in memory, reached in-process (`client()`) or over HTTP (`serve()`).

    Every request, every clock change and every token fault is handled one at a time, so clients
    on several threads (or a batcher's worker) see a consistent Paigo. With a `ManualClock`,
    `advance()` closes every billing cycle that became due before it returns (B14).

    Args:
        clock: the simulator's time; default `SystemClock()` (which freezegun controls).
        seed: makes generated ids and fault draws reproducible.
        token_lifetime: seconds a bearer token stays valid.
        array_batches: accept JSON arrays on `POST /usage` (a simulator extension).
        deduplication: answer a replayed `Idempotency-Key` without storing again.
        webhook_transport: send webhook deliveries through this httpx transport instead of the
            network.
        webhook_retry_delays: the wait after each failed delivery attempt, on the simulator's
            clock (default `simulator.webhook_delivery.RETRY_DELAYS`).
        admin_enabled: serve the `/_simulator/` routes over HTTP.
        admin_token: require this token on the `/_simulator/` routes.
        usage_lag: read-after-write lag of the usage view (a timedelta or seconds; default
            none): see the `usage_lag` property.

    Raises:
        ValueError: when `usage_lag` is negative, not finite or longer than seven days.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        seed: int | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        token_lifetime: float = 86400,
        array_batches: bool = False,
        deduplication: bool = True,
        webhook_transport: httpx.BaseTransport | None = None,
        webhook_retry_delays: Sequence[timedelta] = RETRY_DELAYS,
        admin_enabled: bool = True,
        admin_token: str | None = None,
        usage_lag: timedelta | float = 0,
    ) -> None:
        lag = check_usage_lag(usage_lag)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.seed = seed
        self._options: dict[str, Any] = {
            "seed": seed,
            "client_id": client_id,
            "client_secret": client_secret,
            "token_lifetime": token_lifetime,
            "array_batches": array_batches,
            "deduplication": deduplication,
            "webhook_transport": webhook_transport,
            "webhook_retry_delays": webhook_retry_delays,
            "admin_enabled": admin_enabled,
            "admin_token": admin_token,
            "usage_lag": lag,
        }
        self.client_id = client_id
        self._client_secret = client_secret
        self._lock = threading.RLock()
        self._requests = threading.local()
        dispatcher = HttpWebhookDispatcher(
            clock=self.clock,
            body=lambda d: webhook_payloads.body(d.webhook_type, d.event),
            source=lambda: self.engine.webhook_deliveries(),
            transport=webhook_transport,
            retry_delays=webhook_retry_delays,
            records_lock=self._lock,
        )
        self.engine = Engine(clock=self.clock, seed=seed, dispatcher=dispatcher)
        self.webhooks = Webhooks(self.engine, dispatcher, self._lock, self._deliver_webhooks)
        """Trigger, resend and script failures of webhook deliveries; see `simulator.webhooks`."""
        self.engine.options.array_batches = array_batches
        self.engine.options.deduplication = deduplication
        self.engine.options.usage_lag = lag
        self.api = Api(
            self.engine,
            clock=self.clock,
            credentials={client_id: client_secret},
            token_lifetime=token_lifetime,
            admin_enabled=admin_enabled,
            admin_token=admin_token,
        )
        self.api.webhook_dispatcher = dispatcher
        self.faults = Faults(seed=seed, tokens=_SerialTokens(self.api, self._lock))
        self.rate_limits = RateLimits(self.clock.now)
        """Opt-in token buckets per route (none by default); see `simulator.ratelimits`."""
        self.api.faults = self.faults
        self.api.rate_limits = self.rate_limits
        self.revision = 0
        """Counts requests that may have changed state and clock moves (for persistence)."""
        self.handler: ApiHandler = _SerialHandler(
            RateLimitsHandler(self.api, self.rate_limits),
            self._lock,
            self._changed,
            self._requests,
            self._deliver_webhooks,
            dispatcher.due,
        )
        """The one handler both transports call: rate limits, then the API, serialised."""
        self._transport = SimulatorTransport(self.handler, faults=self.faults)
        self._clients = ClientRegistry()
        self.engine.late_listeners.append(log_late)
        if isinstance(self.clock, ManualClock):
            self.clock.before_change(self._clients.settle)
            self.clock.on_change(self._clock_changed)

    # ----------------------------------------------------------------- reaching it

    def transport(self) -> SimulatorTransport:
        """Return the in-process transport, usable by `httpx.Client` and `httpx.AsyncClient`."""
        return self._transport

    def client(self, **options: Any) -> PaigoClient:
        """Return a `PaigoClient` bound to this simulator in-process, with its credentials.

        `options` are passed to `PaigoClient` and override the defaults (credentials, URLs,
        transport, and `clock`, which is this simulator's clock so that token expiry and default
        timestamps follow simulated time).

        Raises:
            paigo_sdk.errors.ClientValidationError: when an option is invalid.
        """
        from paigo_sdk import PaigoClient

        return self._clients.add(PaigoClient(**{**self._client_options(), **options}))

    def async_client(self, **options: Any) -> AsyncPaigoClient:
        """Return an `AsyncPaigoClient` bound to this simulator in-process, with its credentials.

        Raises:
            paigo_sdk.errors.ClientValidationError: when an option is invalid.
        """
        from paigo_sdk import AsyncPaigoClient

        return self._clients.add(AsyncPaigoClient(**{**self._client_options(), **options}))

    def _client_options(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "api_url": BASE_URL,
            "auth_url": AUTH_URL,
            "transport": self._transport,
            "clock": self.clock,
        }

    def asgi_app(self) -> AsgiApp:
        """Return an ASGI application serving this simulator and its dashboard, with its faults.

        The dashboard (`/dashboard`) is guarded like the `/_simulator/` routes.
        """
        from simulator.dashboard import DashboardHandler
        from simulator.server import AsgiApp

        dashboard = DashboardHandler(
            self.handler,
            authorize_admin=self.api.authorize_admin,
            admin_enabled=lambda: self.api.admin_enabled,
            issue_token=self._dashboard_token,
        )
        return AsgiApp(dashboard, faults=self.faults)

    def _dashboard_token(self) -> str:
        return self.api.tokens.issue_client_token(
            grant_type="client_credentials",
            client_id=self.client_id,
            client_secret=self._client_secret,
            audience=None,
        )

    def serve(self, *, host: str = "127.0.0.1", port: int = 0) -> SimulatorServer:
        """Bind a loopback HTTP server for this simulator; start it with `start()` or `with`.

        Raises:
            OSError: when the address cannot be bound.
        """
        from simulator.server import SimulatorServer

        return SimulatorServer(self.asgi_app(), host=host, port=port)

    # ----------------------------------------------------------------- state and time

    @property
    def usage_lag(self) -> timedelta:
        """Read-after-write lag of the usage view, on the simulator's clock (zero: none).

        A usage record accepted while a lag is set shows in `GET /customers/{id}/usage` once the
        clock is `usage_lag` past its arrival; invoices and the inspection methods see it at
        once. Set it to a timedelta or a number of seconds; `reset()` puts back the value the
        simulator was made with.

        Raises:
            ValueError: (on assignment) when the lag is negative, not finite or over seven days.
        """
        return self.engine.options.usage_lag

    @usage_lag.setter
    def usage_lag(self, value: timedelta | float) -> None:
        lag = check_usage_lag(value)
        with self._lock:
            self.engine.options.usage_lag = lag

    def reset(self) -> None:
        """Forget every resource, record, invoice, webhook delivery, fault, rate limit and rejected
        request, put the usage lag back to its start value, and put a manual clock back where it
        started.

        Issued tokens stay valid, so existing clients keep working.
        """
        with self._lock:
            self.engine.reset()
            self.api.idempotency.clear()
            self.faults.clear()
            self.rate_limits.clear()
            self.webhooks.dispatcher.clear()
            self.api.clear_rejected_requests()
            self.api.snapshots.clear()
            self.engine.options.usage_lag = self._options["usage_lag"]
            if isinstance(self.clock, ManualClock):
                self.clock.rewind(self.clock.start)
            self.revision += 1

    def snapshot(self) -> Snapshot:
        """Return the whole Paigo state and the manual clock's time, for `restore()` or `fork()`.

        The snapshot is immutable: restore it as often as you like, or `save()` it to a file.
        """
        with self._lock:
            now = self.clock.now() if isinstance(self.clock, ManualClock) else None
            return Snapshot(state=self.engine.export_state(), now=now)

    def restore(self, snapshot: Snapshot | str | os.PathLike[str]) -> None:
        """Put back a snapshot (or a snapshot file): state, and a manual clock's time.

        Any earlier snapshot can be restored, so time can go back as well as forward: the
        manual clock returns to the moment the snapshot was taken.

        Raises:
            simulator.snapshots.SnapshotFileError: when a file cannot be loaded (nothing changes).
            ValueError: when the snapshot holds no simulator state (nothing changes).
        """
        if not isinstance(snapshot, Snapshot):
            snapshot = Snapshot.load(snapshot)
        with self._lock:
            self.engine.import_state(snapshot.state)
            self.api.idempotency.clear()
            if snapshot.now is not None and isinstance(self.clock, ManualClock):
                self.clock.rewind(snapshot.now)
            self.webhooks.dispatcher.resync()
            self.revision += 1

    def save(self, path: str | os.PathLike[str]) -> Snapshot:
        """Take a snapshot, write it to `path` atomically, and return it.

        Raises:
            OSError: when the file cannot be written.
        """
        snapshot = self.snapshot()
        snapshot.save(path)
        return snapshot

    def fork(self) -> Simulator:
        """Return an independent copy, for what-if branches: same state, options and time.

        The copy runs on its own `ManualClock` at this simulator's time (or on the system clock
        when this one does); changes on either side never reach the other. Fault rules and
        scripted webhook failures are not copied; the copy's delivery records are, and it makes
        their pending retries itself.
        """
        snapshot = self.snapshot()
        clock: Clock = ManualClock(snapshot.now) if snapshot.now is not None else SystemClock()
        twin = Simulator(clock=clock, **self._options)
        twin.engine.options = dataclasses.replace(
            self.engine.options,
            fail_stripe_charges_for=set(self.engine.options.fail_stripe_charges_for),
        )
        twin.engine.import_state(snapshot.state)
        twin.webhooks.dispatcher.resync()
        return twin

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Move the manual clock forward, close every cycle now due, and return the new time.

        Raises:
            TypeError: when the simulator does not run on a `ManualClock`.
            ClockMoveRefused: (a ValueError, in `simulator.clock`) when the step is negative,
                would pass `LATEST_MOMENT`, or would close too many billing cycles at once;
                nothing changes then.
        """
        clock = self._manual_clock()
        return clock.advance(delta, days=days, hours=hours, minutes=minutes, seconds=seconds)

    def set_time(self, moment: datetime) -> datetime:
        """Move the manual clock to `moment` (not backwards), closing every cycle now due.

        Raises:
            TypeError: when the simulator does not run on a `ManualClock`.
            ValueError: when `moment` is naive.
            ClockMoveRefused: (a ValueError, in `simulator.clock`) when `moment` is earlier
                than now, after `LATEST_MOMENT`, or would close too many billing cycles at once;
                nothing changes then.
        """
        return self._manual_clock().set(moment)

    def _manual_clock(self) -> ManualClock:
        if not isinstance(self.clock, ManualClock):
            raise TypeError(
                "advancing time needs a ManualClock: Simulator(clock=ManualClock(start))"
            )
        return self.clock

    def _clock_changed(self, _now: datetime) -> None:
        with self._lock:
            self.engine.close_due_cycles()
            self.revision += 1
        self._deliver_webhooks()

    def _deliver_webhooks(self) -> None:
        """Deliver every webhook now due, unless this thread is inside a request: the request
        delivers them once it has released the simulator's lock (see `_SerialHandler`)."""
        if getattr(self._requests, "depth", 0) == 0:
            self.webhooks.dispatcher.deliver_due()

    def _changed(self) -> None:
        self.revision += 1

    # ----------------------------------------------------------------- inspection

    def usage_records(
        self, *, customer_id: str | None = None, dimension_id: str | None = None
    ) -> list[UsageRecordView]:
        """Return the stored usage records, per customer and dimension in arrival order."""
        with self._lock:
            return self.engine.usage_records(customer_id=customer_id, dimension_id=dimension_id)

    def late_records(self, *, customer_id: str | None = None) -> list[UsageRecordView]:
        """Return records that arrived for a period already invoiced: stored, never billed (B9).

        Each one was also reported when it arrived, with a warning on the `simulator` logger.
        """
        with self._lock:
            return self.engine.late_records(customer_id=customer_id)

    @property
    def rejected_requests(self) -> list[RejectedRequest]:
        """The most recent requests the simulator refused (status 400 or more), oldest first."""
        return self.api.rejected_requests

    def create_period_invoice(self, customer_id: str, start: datetime, end: datetime) -> Invoice:
        """Invoice the customer's arrear usage in `[start, end)` as a cycle would (B9 extension).

        Not part of Paigo's v1.10 API (a dashboard feature there).

        Raises:
            simulator.engine.errors.NotFound: when the customer does not exist.
            simulator.engine.errors.Invalid: when `end` is not after `start` or is in the future.
        """
        with self._lock:
            invoice = self.engine.create_period_invoice(customer_id, start=start, end=end)
        self._deliver_webhooks()
        return invoice

    def preview_invoice(self, customer_id: str) -> Invoice:
        """Return the invoice the customer would get if its open cycles closed now; bills nothing.

        Raises:
            simulator.engine.errors.NotFound: when the customer does not exist.
        """
        with self._lock:
            return self.engine.preview_invoice(customer_id)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivery with its attempts, oldest first."""
        with self._lock:
            return self.engine.webhook_deliveries()

    def wait_for_webhooks(self, timeout: float | None = 10.0) -> bool:
        """Wait until no webhook delivery is due or in flight; False if `timeout` passed first.

        Only needed with a `SystemClock`, whose retries fall due by themselves: every call that
        makes a delivery due on a manual clock has delivered it before it returns.
        """
        return self.webhooks.dispatcher.wait_idle(timeout)

    def close(self) -> None:
        """Stop webhook delivery; the simulator's state stays readable."""
        self.webhooks.dispatcher.close()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Simulator(clock={self.clock!r}, seed={self.seed!r})"


_INLINE_BODY_BYTES: Final = 4096
"""The largest `POST /usage` body answered inline: a single record with room for metadata, or
an array of a few records, which takes well under a millisecond."""


class _SerialHandler:
    """Hand requests to `inner` one at a time under the simulator's lock.

    `changed` is called after every request that may have changed state (not GET or HEAD).
    `after` is called once the lock is released (it delivers the webhooks the request made due),
    so a webhook receiver that calls the simulator back is never blocked; `requests.depth`
    tells the simulator a request is running on this thread. `after_due` tells whether `after`
    has anything to do.

    `handle_inline` answers a small `POST /usage` at once when the lock is free, for the server's
    event loop; anything else, or a busy lock, is left to `handle` in a worker thread.
    """

    def __init__(
        self,
        inner: ApiHandler,
        lock: threading.RLock,
        changed: Callable[[], None],
        requests: threading.local,
        after: Callable[[], None],
        after_due: Callable[[], bool],
    ) -> None:
        self._inner = inner
        self._lock = lock
        self._changed = changed
        self._requests = requests
        self._after = after
        self._after_due = after_due

    def handle_inline(self, request: ApiRequest) -> InlineAnswer | None:
        if not (
            request.path == "/usage"
            and request.method == "POST"
            and len(request.body) <= _INLINE_BODY_BYTES
            and getattr(self._requests, "depth", 0) == 0
        ):
            return None
        if not self._lock.acquire(blocking=False):
            return None  # another request is running: never wait on the event loop
        self._requests.depth = 1
        try:
            response = self._inner.handle(request)
        finally:
            self._changed()
            self._lock.release()
            self._requests.depth = 0
        # Webhook deliveries are HTTP requests: they go to a worker thread, as in `handle`.
        return InlineAnswer(response, self._after if self._after_due() else None)

    def handle(self, request: ApiRequest) -> ApiResponse:
        depth = getattr(self._requests, "depth", 0)
        self._requests.depth = depth + 1
        try:
            with self._lock:
                try:
                    return self._inner.handle(request)
                finally:
                    if request.method not in ("GET", "HEAD"):
                        self._changed()
        finally:
            self._requests.depth = depth
            if depth == 0:
                self._after()

    def __repr__(self) -> str:
        return f"_SerialHandler({self._inner!r})"


class _SerialTokens:
    """Token faults, applied under the simulator's lock."""

    def __init__(self, api: Api, lock: threading.RLock) -> None:
        self._api = api
        self._lock = lock

    def expire_tokens(self) -> None:
        with self._lock:
            self._api.expire_tokens()

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self._api.revoke_token(token)
