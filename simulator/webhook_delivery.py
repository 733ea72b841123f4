"""Deliver webhook payloads by HTTP POST on the simulator's clock, every attempt recorded.

The engine decides which events go to which subscription (B15); this module only moves bytes,
and decides when. A new delivery is due at once; a failed attempt makes the next one due after
the retry schedule's delay, measured on the simulator's clock. The simulator calls
`deliver_due()` after every request and every clock move, once its own lock is released, so a
delivery (or a retry) happens in the step that made it due: with a `ManualClock`, advancing past
a retry time delivers that retry before `advance` returns, and nothing runs on wall-clock timers.
Only with a clock that moves by itself (`SystemClock`) does a background thread wake up when a
retry falls due.

An endpoint can be scripted to fail its next attempts (`fail`): those attempts are recorded as
if the endpoint had answered that status, or refused the connection, and nothing is sent.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import httpx

from simulator.clock import Clock, ManualClock
from simulator.engine.state import DeliveryAttempt, WebhookDelivery

__all__ = [
    "RETRY_DELAYS",
    "SECURITY_HEADER",
    "HttpWebhookDispatcher",
    "ScriptedFailure",
]

SECURITY_HEADER: Final = "X-Paigo-Security"
"""The header that carries a subscription's `securityKey` on each delivery."""

RETRY_DELAYS: Final = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""The wait after each failed attempt before the next: 8 attempts in all over about 27.6 hours.

Paigo documents no retry schedule; this is Svix's published one (docs/billing-rules.md).
"""


@dataclass(slots=True)
class ScriptedFailure:
    """The next `times` attempts to `hook_url` fail without being sent.

    Each answers `status_code`, or, with `connection_error`, fails as a refused connection.
    """

    hook_url: str
    times: int
    status_code: int = 500
    connection_error: bool = False


class HttpWebhookDispatcher:
    """Send the engine's webhook deliveries over HTTP, retrying on the simulator's clock.

    Each attempt is a `POST` of the delivery's body to `hook_url` with `Content-Type:
    application/json` and, when the subscription has a security key, the `X-Paigo-Security`
    header. A 2xx answer ends it ("delivered"); anything else (another status, a redirect, a
    connection error, a timeout) makes the next attempt due `retry_delays[n - 1]` after attempt
    `n`, until `len(retry_delays) + 1` attempts were made ("failed"). Every attempt is appended to
    `delivery.attempts` with its 1-based number and the simulator time it was made at.

    Args:
        clock: the simulator's clock; retry times are read from it.
        body: returns the bytes to POST for a delivery (the API layer shapes them).
        source: returns every delivery record, so the schedule survives a restore or reset.
        transport: an httpx transport for deliveries (for example an in-process receiver);
            None uses real HTTP.
        retry_delays: the wait after each failed attempt (default `RETRY_DELAYS`).
        timeout: seconds one attempt may take.
        records_lock: held while a delivery record is read or written (the simulator's lock).

    Raises:
        ValueError: when a retry delay is not positive.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        body: Callable[[WebhookDelivery], bytes],
        source: Callable[[], list[WebhookDelivery]],
        transport: httpx.BaseTransport | None = None,
        retry_delays: Sequence[timedelta] = RETRY_DELAYS,
        timeout: float = 15.0,
        records_lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        if any(delay <= timedelta() for delay in retry_delays):
            raise ValueError("every retry delay must be positive")
        self.clock = clock
        self.retry_delays: tuple[timedelta, ...] = tuple(retry_delays)
        self._body = body
        self._source = source
        self._transport = transport
        self._timeout = timeout
        self._records_lock: AbstractContextManager[Any] = records_lock or threading.RLock()
        # Built on first delivery: an httpx client without a transport loads the CA bundle, which
        # costs far more than a whole simulator, and most simulators never deliver a webhook.
        self._client: httpx.Client | None = None
        self._lock = threading.Condition(threading.Lock())
        self._earliest: datetime | None = None
        """The earliest time a pending delivery is due (None: nothing pending); a cheap test
        that lets `deliver_due` return at once after the requests that deliver nothing."""
        self._resends: deque[str] = deque()
        self._in_flight: set[str] = set()
        self._scripts: list[ScriptedFailure] = []
        self._worker: threading.Thread | None = None
        self._closed = False

    # ------------------------------------------------------------------ scheduling

    def dispatch(self, delivery: WebhookDelivery) -> None:
        """Make a new delivery due at its creation time (it goes out at the next `deliver_due`).

        Raises:
            RuntimeError: when the dispatcher was closed.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the webhook dispatcher is closed")
        with self._records_lock:
            delivery.next_attempt_at = delivery.created_at
        self._due_at(delivery.created_at)

    def resend(self, delivery_id: str) -> None:
        """Ask for one more attempt of a delivery at the next `deliver_due`, whatever its status.

        The attempt is outside the retry schedule: its success marks the delivery "delivered"
        (and ends its retries); its failure changes neither the status nor the schedule.
        """
        with self._lock:
            self._resends.append(delivery_id)
            self._lock.notify_all()

    def fail(
        self,
        hook_url: str,
        *,
        times: int = 1,
        status_code: int = 500,
        connection_error: bool = False,
    ) -> ScriptedFailure:
        """Make the next `times` attempts to `hook_url` fail without sending anything.

        Raises:
            ValueError: when `times` is less than 1, `hook_url` is empty, or `status_code` is
                not an HTTP status outside 2xx (100-599).
        """
        if not _whole(times) or times < 1:
            raise ValueError("times must be a whole number of at least 1")
        if not hook_url:
            raise ValueError("hook_url must not be empty")
        if not _whole(status_code) or not 100 <= status_code <= 599 or 200 <= status_code <= 299:
            raise ValueError("status_code must be an HTTP status from 100 to 599, not a 2xx")
        script = ScriptedFailure(hook_url, times, status_code, connection_error)
        with self._lock:
            self._scripts.append(script)
        return script

    @property
    def scripted_failures(self) -> list[ScriptedFailure]:
        """The scripted failures not used up yet, oldest first."""
        with self._lock:
            return [
                ScriptedFailure(s.hook_url, s.times, s.status_code, s.connection_error)
                for s in self._scripts
            ]

    def clear_failures(self) -> None:
        """Forget every scripted failure."""
        with self._lock:
            self._scripts.clear()

    def next_attempt_at(self) -> datetime | None:
        """Return the simulator time the next retry is due at (None: nothing pending)."""
        with self._lock:
            return self._earliest

    def due(self) -> bool:
        """Tell whether `deliver_due` has anything to send now (a resend, or a delivery whose
        attempt time has come); read without a lock, so a request can ask cheaply."""
        earliest = self._earliest
        return bool(self._resends) or (earliest is not None and earliest <= self.clock.now())

    def resync(self) -> None:
        """Read the schedule again from the delivery records (after a restore or a reset)."""
        with self._records_lock:
            earliest = _earliest(self._source())
        with self._lock:
            self._resends.clear()
            self._earliest = earliest
            self._lock.notify_all()
        if earliest is not None:
            self._ensure_worker()

    def clear(self) -> None:
        """Forget scripted failures, resend requests and the schedule (the simulator resets)."""
        with self._lock:
            self._scripts.clear()
            self._resends.clear()
            self._earliest = None
            self._lock.notify_all()

    # ------------------------------------------------------------------ delivering

    def deliver_due(self) -> int:
        """Make every attempt now due (resends first) and return how many were made.

        Call it without holding the records lock, so a receiver that calls the simulator back
        meanwhile is never blocked. Each due delivery gets one attempt per call, and a delivery
        is never attempted by two threads at once.
        """
        # Checked without the lock first: after most requests nothing is pending. A thread that
        # makes a delivery due sets `_earliest` before its own call here, so it never misses it.
        if self._earliest is None and not self._resends:
            return 0
        with self._lock:
            if self._closed or (self._earliest is None and not self._resends):
                return 0
        made = 0
        while True:
            now = self.clock.now()
            with self._records_lock:
                deliveries = self._source()
                with self._lock:
                    if self._stopped():
                        return made
                    by_id = {d.delivery_id: d for d in deliveries}
                    resends = [by_id[i] for i in self._resends if i in by_id]
                    resent = {d.delivery_id for d in resends}
                    self._resends.clear()
                    due = [
                        d
                        for d in deliveries
                        if d.status == "pending"
                        and d.next_attempt_at is not None
                        and d.next_attempt_at <= now
                        and d.delivery_id not in self._in_flight
                        and d.delivery_id not in resent
                    ]
                    batch = [(d, True) for d in resends] + [(d, False) for d in due]
                    batch = [(d, r) for d, r in batch if d.delivery_id not in self._in_flight]
                    self._in_flight.update(d.delivery_id for d, _ in batch)
                    if not batch:
                        self._earliest = _earliest(deliveries)
                        break
            for delivery, resend in batch:
                try:
                    self._attempt(delivery, resend=resend)
                    made += 1
                finally:
                    with self._lock:
                        self._in_flight.discard(delivery.delivery_id)
            # Once more: a retry is never due in the same instant, so the next round only
            # picks up what another thread scheduled meanwhile, then records the earliest time.
        if self._earliest is not None and not isinstance(self.clock, ManualClock):
            self._ensure_worker()
        return made

    def close(self) -> None:
        """Stop delivering (a background thread exits) and close the HTTP client."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=self._timeout + 1)
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    transport=self._transport, timeout=self._timeout, follow_redirects=False
                )
            return self._client

    def __repr__(self) -> str:
        return f"HttpWebhookDispatcher(retry_delays={len(self.retry_delays)})"

    # ------------------------------------------------------------------ internals

    def _stopped(self) -> bool:
        return self._closed

    def _due_at(self, moment: datetime) -> None:
        with self._lock:
            if self._earliest is None or moment < self._earliest:
                self._earliest = moment
            self._lock.notify_all()

    def _take_script(self, hook_url: str) -> ScriptedFailure | None:
        with self._lock:
            for script in self._scripts:
                if script.hook_url == hook_url:
                    script.times -= 1
                    if script.times == 0:
                        self._scripts.remove(script)
                    return script
        return None

    def _attempt(self, delivery: WebhookDelivery, *, resend: bool) -> None:
        status: int | None = None
        error: str | None = None
        script = self._take_script(delivery.hook_url)
        if script is not None and script.connection_error:
            error = "ConnectError: connection refused (scripted failure)"
        elif script is not None:
            status = script.status_code
        else:
            status, error = self._post(delivery)
        ok = status is not None and 200 <= status < 300
        now = self.clock.now()
        with self._records_lock:
            record = DeliveryAttempt(
                at=now,
                status_code=status,
                error=error,
                attempt=len(delivery.attempts) + 1,
                resend=resend,
            )
            delivery.attempts.append(record)
            if ok:
                delivery.status = "delivered"
                delivery.next_attempt_at = None
            elif not resend:
                scheduled = sum(1 for a in delivery.attempts if not a.resend)
                if scheduled > len(self.retry_delays):
                    delivery.status = "failed"
                    delivery.next_attempt_at = None
                else:
                    # Each wait starts when the failed attempt was made, as Svix counts it.
                    delivery.next_attempt_at = now + self.retry_delays[scheduled - 1]
            upcoming = delivery.next_attempt_at
        if upcoming is not None:
            self._due_at(upcoming)

    def _post(self, delivery: WebhookDelivery) -> tuple[int | None, str | None]:
        headers = {"Content-Type": "application/json", "User-Agent": "paigo-simulator"}
        if delivery.security_key is not None:
            headers[SECURITY_HEADER] = delivery.security_key
        try:
            content = self._body(delivery)
            response = self._http().post(delivery.hook_url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except (TypeError, ValueError) as exc:  # an unserialisable payload or an invalid URL
            return None, f"{type(exc).__name__}: {exc}"
        return response.status_code, None

    def _ensure_worker(self) -> None:
        """Start the thread that wakes up when a retry falls due (a clock that moves by itself)."""
        if isinstance(self.clock, ManualClock):
            return  # a manual clock only moves by a call, and every move delivers what is due
        with self._lock:
            if self._closed or (self._worker is not None and self._worker.is_alive()):
                return
            self._worker = threading.Thread(
                target=self._run, name="paigo-simulator-webhooks", daemon=True
            )
            self._worker.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._closed:
                    if self._resends:
                        break
                    if self._earliest is None:
                        return  # nothing left to retry; the next failure starts a new thread
                    wait = (self._earliest - self.clock.now()).total_seconds()
                    if wait <= 0:
                        break
                    self._lock.wait(min(wait, 60.0))
                if self._closed:
                    return
            if self.deliver_due() == 0:
                with self._lock:  # what is due is in flight on another thread: let it finish
                    self._lock.wait(0.05)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is due, in flight or asked to be resent; False if `timeout`
        seconds passed first. Only a clock that moves by itself needs this: with a manual clock
        every call that makes a delivery due has delivered it before it returns."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while (
                self._in_flight
                or self._resends
                or (self._earliest is not None and self._earliest <= self.clock.now())
            ):
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._lock.wait(0.05 if remaining is None else min(remaining, 0.05))
        return True


def _whole(value: Any) -> bool:
    """Whether `value` is an int and not a bool (callers may pass anything at run time)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _earliest(deliveries: list[WebhookDelivery]) -> datetime | None:
    times = [
        d.next_attempt_at
        for d in deliveries
        if d.status == "pending" and d.next_attempt_at is not None
    ]
    return min(times, default=None)
