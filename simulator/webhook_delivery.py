"""Deliver webhook payloads by HTTP POST, retried with exponential backoff, every attempt recorded.

The engine decides which events go to which subscription (B15); this module only moves bytes. By
default deliveries run on one background thread per dispatcher, started on first use; with
`synchronous=True` each delivery, retries included, finishes before `dispatch` returns, which makes
tests deterministic. In-process tests can route deliveries through any httpx transport.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from simulator.clock import Clock, SystemClock
from simulator.engine.state import DeliveryAttempt, WebhookDelivery

__all__ = ["SECURITY_HEADER", "HttpWebhookDispatcher"]

SECURITY_HEADER = "X-Paigo-Security"
"""The header that carries a subscription's `securityKey` on each delivery."""


class HttpWebhookDispatcher:
    """Send the engine's webhook deliveries over HTTP with retries (the engine's dispatcher).

    Each delivery is a `POST` of its JSON payload to `hook_url` with `Content-Type:
    application/json` and, when the subscription has a security key, the `X-Paigo-Security`
    header. A 2xx answer ends it ("delivered"); anything else (another status, a connection error,
    a timeout) is retried after `initial_backoff * 2 ** (attempt - 1)` seconds, capped at
    `max_backoff`, until `max_attempts` tries were made ("failed"). Every try is appended to
    `delivery.attempts` with its 1-based number and the time read from `clock`.

    Args:
        transport: an httpx transport for deliveries (for example the in-process receiver of a
            test); None uses real HTTP.
        synchronous: deliver (and retry) inside `dispatch` instead of on a background thread.
        sleep: how synchronous mode waits between retries (default `time.sleep`).
        records_lock: held while an attempt is written into the engine's delivery record, so
            that readers holding it (the simulator's lock) never see a half-written record.

    Raises:
        ValueError: when `max_attempts` is less than 1.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        max_attempts: int = 5,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        timeout: float = 10.0,
        synchronous: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        records_lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.clock: Clock = clock or SystemClock()
        self.max_attempts = max_attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.synchronous = synchronous
        self._sleep = sleep
        self._timeout = timeout
        self._transport = transport
        # Built on first delivery: an httpx client without a transport loads the CA bundle, which
        # costs far more than a whole simulator, and most simulators never deliver a webhook.
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()
        self._deliveries: list[WebhookDelivery] = []
        self._sequence = itertools.count()
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._queue: list[tuple[float, int, WebhookDelivery]] = []
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self._records_lock: AbstractContextManager[Any] = records_lock or threading.Lock()

    def dispatch(self, delivery: WebhookDelivery) -> None:
        """Send `delivery`: queue it for the background thread, or send it now when synchronous.

        Raises:
            RuntimeError: when the dispatcher was closed.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the webhook dispatcher is closed")
            self._deliveries.append(delivery)
            if not self.synchronous:
                self._schedule(delivery, 0.0)
                self._ensure_worker()
                return
        for attempt in range(1, self.max_attempts + 1):
            if self._attempt(delivery, attempt):
                break
            if attempt < self.max_attempts:
                self._sleep(self._backoff(attempt))

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every delivery handed to this dispatcher, oldest first (records update in place)."""
        with self._lock:
            return list(self._deliveries)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no delivery is pending; return False if `timeout` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._wakeup:
            while self._queue or self._in_flight:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._wakeup.wait(remaining)
        return True

    def clear(self) -> None:
        """Forget every delivery and drop pending retries (used when the simulator resets)."""
        with self._lock:
            self._queue.clear()
            self._deliveries = []
            self._wakeup.notify_all()

    def close(self) -> None:
        """Stop the background thread (pending retries are abandoned) and close the HTTP client."""
        with self._wakeup:
            self._closed = True
            self._queue.clear()
            self._wakeup.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self._timeout + 1)
        with self._client_lock:
            if self._client is not None:
                self._client.close()

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client(
                    transport=self._transport, timeout=self._timeout, follow_redirects=False
                )
            return self._client

    def __repr__(self) -> str:
        return (
            f"HttpWebhookDispatcher(deliveries={len(self._deliveries)}, "
            f"synchronous={self.synchronous})"
        )

    # ------------------------------------------------------------------ internals

    def _schedule(self, delivery: WebhookDelivery, delay: float) -> None:
        entry = (time.monotonic() + delay, next(self._sequence), delivery)
        heapq.heappush(self._queue, entry)
        self._wakeup.notify_all()

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="paigo-simulator-webhooks", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._closed:
                    if self._queue:
                        wait = self._queue[0][0] - time.monotonic()
                        if wait <= 0:
                            break
                        self._wakeup.wait(wait)
                    else:
                        self._wakeup.wait()
                if self._closed:
                    return
                _, _, delivery = heapq.heappop(self._queue)
                self._in_flight += 1
            attempt = len(delivery.attempts) + 1
            done = False
            try:
                done = self._attempt(delivery, attempt)
            finally:
                with self._wakeup:
                    self._in_flight -= 1
                    if not done and attempt < self.max_attempts and not self._closed:
                        self._schedule(delivery, self._backoff(attempt))
                    self._wakeup.notify_all()

    def _attempt(self, delivery: WebhookDelivery, attempt: int) -> bool:
        headers = {"Content-Type": "application/json", "User-Agent": "paigo-simulator"}
        if delivery.security_key is not None:
            headers[SECURITY_HEADER] = delivery.security_key
        status: int | None = None
        error: str | None = None
        try:
            body = json.dumps(delivery.payload, default=_json_default, separators=(",", ":"))
            response = self._http().post(delivery.hook_url, content=body, headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except (TypeError, ValueError) as exc:  # an unserialisable payload or an invalid URL
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        record = DeliveryAttempt(
            at=self.clock.now(), status_code=status, error=error, attempt=attempt
        )
        with self._records_lock:
            delivery.attempts.append(record)
            if ok:
                delivery.status = "delivered"
            elif attempt >= self.max_attempts:
                delivery.status = "failed"
        return ok

    def _backoff(self, attempt: int) -> float:
        return float(min(self.initial_backoff * 2 ** (attempt - 1), self.max_backoff))


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        moment = value.astimezone(UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__} in a webhook payload")
