"""Drive a running `paigo-simulator serve` from Python through its `/_simulator/` routes.

`RemoteSimulator` offers the `Simulator` methods that make sense over HTTP (clients, reset, clock,
inspection, the period invoice, snapshots, faults) and returns the same typed records as the
in-process simulator (`Invoice`, `UsageRecordView`, `WebhookDelivery`, `RejectedRequest`), read
through the admin routes' lossless `?format=records` form. Both satisfy `PaigoSimulator`. None of
this is part of Paigo's API: pointed at the real service, `probe()` answers False and every
admin call raises `RemoteSimulatorError`.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from simulator.engine.visibility import usage_lag as check_usage_lag
from simulator.records import RecordDecodeError, decode, encode
from simulator.settling import ClientRegistry

if TYPE_CHECKING:
    from paigo_sdk import AsyncPaigoClient, PaigoClient
    from simulator.api import RejectedRequest
    from simulator.engine.state import Invoice, UsageRecordView, WebhookDelivery
    from simulator.faults import FaultRule
    from simulator.ratelimits import RateLimitRule

__all__ = [
    "RemoteClock",
    "RemoteFaults",
    "RemoteRateLimits",
    "RemoteSimulator",
    "RemoteSimulatorError",
]

_Record = TypeVar("_Record")

_AUDIENCE = "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com"
_ADMIN_HEADER = "X-Simulator-Admin-Token"


class RemoteSimulatorError(RuntimeError):
    """A `/_simulator/` call failed: no such route (not a simulator), refused, or unreachable.

    `status_code` is None when no reply arrived; `messages` are the reply's messages, if any.
    """

    def __init__(
        self, message: str, *, status_code: int | None = None, messages: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.messages: list[str] = messages or []


class _Admin:
    """The HTTP side of the `/_simulator/` routes (and the token endpoint, for Paigo routes)."""

    def __init__(
        self,
        url: str,
        *,
        admin_token: str | None,
        client_id: str,
        client_secret: str,
        http: httpx.Client | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        headers = {} if admin_token is None else {_ADMIN_HEADER: admin_token}
        self.http = http or httpx.Client(base_url=self.url, headers=headers, timeout=30.0)

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        try:
            response = self.http.request(method, path, json=json, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise RemoteSimulatorError(
                f"cannot reach the simulator at {self.url}: {type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code >= 400:
            hint = ""
            if response.status_code in (401, 403, 404) and path.startswith("/_simulator/"):
                hint = (
                    " (is it a Paigo simulator, with its admin routes enabled, and is the admin"
                    " token right?)"
                )
            raise RemoteSimulatorError(
                f"{method} {path} answered {response.status_code}{hint}: {response.text[:200]}",
                status_code=response.status_code,
                messages=_reply_messages(response),
            )
        try:
            return response.json() if response.content else None
        except ValueError as exc:
            raise RemoteSimulatorError(
                f"{method} {path} did not answer JSON", status_code=response.status_code
            ) from exc

    def paigo(self, method: str, path: str, **kwargs: Any) -> Any:
        token = self.call(
            "POST",
            "/oauth/token",
            json={
                "audience": _AUDIENCE,
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
        )["access_token"]
        return self.call(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def close(self) -> None:
        self.http.close()


class RemoteClock:
    """The clock of a running simulator server, read and moved through `/_simulator/clock`.

    Moving it needs a server whose clock is manual. Every read and move also updates
    `cached_now()`, the cheap view of the server's time that SDK clients use.

    Raises:
        RemoteSimulatorError: from any method, when the server refuses or cannot be reached.
    """

    def __init__(self, admin: _Admin, clients: ClientRegistry | None = None) -> None:
        self._admin = admin
        self._clients = clients if clients is not None else ClientRegistry()
        self._lock = threading.Lock()
        self._known: datetime | None = None
        self._manual: bool | None = None

    def now(self) -> datetime:
        """Return the server's current time (one request to the server)."""
        reply = self._admin.call("GET", "/_simulator/clock")
        moment = _parse_time(reply)
        with self._lock:
            self._known = moment
            self._manual = bool(reply.get("manual", True))
        return moment

    def cached_now(self) -> datetime:
        """Return the server's time without asking it again, as far as this client knows.

        A manual server clock moves only when advanced, so its last known value is returned
        (moves made through this object are seen at once; moves made by someone else are seen
        after the next `now()`). A server on the system clock is assumed to agree with this
        machine's clock.
        """
        with self._lock:
            known, manual = self._known, self._manual
        if manual is None:
            try:
                known = self.now()
            except RemoteSimulatorError:
                # No admin routes to ask (disabled, or a token this client lacks): assume the
                # server follows the system clock, and do not ask again.
                with self._lock:
                    self._manual = False
                return datetime.now(UTC)
            with self._lock:
                manual = self._manual
        if manual and known is not None:
            return known
        return datetime.now(UTC)

    def _remember(self, reply: Any) -> datetime:
        moment = _parse_time(reply)
        with self._lock:
            self._known = moment
            self._manual = True
        return moment

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Move the server's clock forward, closing every cycle now due, and return the new time.

        Batchers of the clients this simulator made deliver what they hold first.

        Raises:
            ValueError: when the step is negative.
            UndeliveredUsageError: when batchers still hold records (the clock is not moved).
            RemoteSimulatorError: when the server's clock is not manual or the call fails.
        """
        step = (delta or timedelta()) + timedelta(
            days=days, hours=hours, minutes=minutes, seconds=seconds
        )
        if step < timedelta():
            raise ValueError("the simulator clock cannot move backwards")
        self._clients.settle()
        reply = self._admin.call(
            "POST", "/_simulator/clock/advance", json={"seconds": step.total_seconds()}
        )
        return self._remember(reply)

    def set(self, moment: datetime) -> datetime:
        """Move the server's clock to `moment` (not backwards) and return the new time.

        Batchers of the clients this simulator made deliver what they hold first.

        Raises:
            ValueError: when `moment` is naive.
            UndeliveredUsageError: when batchers still hold records (the clock is not moved).
            RemoteSimulatorError: when the server's clock is not manual or the call fails.
        """
        if moment.tzinfo is None:
            raise ValueError("the simulator clock needs a timezone-aware datetime")
        self._clients.settle()
        reply = self._admin.call("POST", "/_simulator/clock/advance", json={"to": _wire(moment)})
        return self._remember(reply)

    def __repr__(self) -> str:
        return f"RemoteClock({self._admin.url!r})"


class RemoteFaults:
    """The fault rules of a running simulator server (`/_simulator/faults`).

    Raises:
        RemoteSimulatorError: from any method, when the server refuses or cannot be reached.
    """

    def __init__(self, admin: _Admin) -> None:
        self._admin = admin

    def add(self, rule: FaultRule) -> str:
        """Register `rule` on the server and return its id."""
        return str(self._admin.call("POST", "/_simulator/faults", json=rule.to_dict())["id"])

    def remove(self, rule_id: str) -> None:
        """Remove one rule."""
        self._admin.call("DELETE", f"/_simulator/faults/{rule_id}")

    def clear(self) -> None:
        """Remove every rule."""
        self._admin.call("DELETE", "/_simulator/faults")

    def list(self) -> list[dict[str, Any]]:
        """Return every rule with its counters (`matched`, `fired`, `remaining`)."""
        return list(self._admin.call("GET", "/_simulator/faults")["faults"])


class RemoteRateLimits:
    """The rate limit rules of a running simulator server (`/_simulator/rate-limits`).

    Raises:
        RemoteSimulatorError: from any method, when the server refuses or cannot be reached.
    """

    def __init__(self, admin: _Admin) -> None:
        self._admin = admin

    def add(self, rule: RateLimitRule) -> str:
        """Register `rule` on the server and return its id."""
        return str(self._admin.call("POST", "/_simulator/rate-limits", json=asdict(rule))["id"])

    def clear(self) -> None:
        """Remove every rule."""
        self._admin.call("DELETE", "/_simulator/rate-limits")

    def list(self) -> list[dict[str, Any]]:
        """Return every rule as `{id, rate, burst, method, path}`."""
        return list(self._admin.call("GET", "/_simulator/rate-limits")["rateLimits"])


class RemoteWebhooks:
    """A server's webhook controls, with the methods of `simulator.webhooks.Webhooks`.

    The server delivers before it answers, so what a call returns shows the attempt it made.
    """

    def __init__(self, admin: _Admin) -> None:
        self._admin = admin

    def trigger(self, webhook_type: str, **overrides: Any) -> list[WebhookDelivery]:
        """Send a sample `webhook_type` event to its subscriptions now (see `Webhooks.trigger`).

        Raises:
            simulator.engine.errors.Invalid: the server refused the type or an override, or no
                subscription receives the type.
            RemoteSimulatorError: the server cannot be reached or answered otherwise.
        """
        from simulator.engine.errors import Invalid

        try:
            made = self._admin.call(
                "POST",
                "/_simulator/webhooks/trigger",
                json={"webhookType": webhook_type, "overrides": encode(overrides)},
                params={"format": "records"},
            )
        except RemoteSimulatorError as exc:
            if exc.status_code == 400:
                raise Invalid(exc.messages or [str(exc)]) from None
            raise
        return [self._delivery(str(item["delivery_id"])) for item in made["data"]]

    def resend(self, delivery_id: str) -> WebhookDelivery:
        """Attempt one delivery again now and return its record (see `Webhooks.resend`).

        Raises:
            simulator.engine.errors.NotFound: the server has no such delivery.
            RemoteSimulatorError: the server cannot be reached or answered otherwise.
        """
        from simulator.engine.errors import NotFound

        try:
            self._admin.call("POST", f"/_simulator/webhook-deliveries/{delivery_id}/resend")
        except RemoteSimulatorError as exc:
            if exc.status_code == 404:
                raise NotFound("webhook delivery", delivery_id) from None
            raise
        return self._delivery(delivery_id)

    def fail(
        self,
        hook_url: str,
        *,
        times: int = 1,
        status_code: int = 500,
        connection_error: bool = False,
    ) -> None:
        """Make the next `times` attempts to `hook_url` fail without sending them.

        Raises:
            ValueError: the server refused the values.
            RemoteSimulatorError: the server cannot be reached or answered otherwise.
        """
        try:
            self._admin.call(
                "POST",
                "/_simulator/webhooks/failures",
                json={
                    "hookUrl": hook_url,
                    "times": times,
                    "statusCode": status_code,
                    "connectionError": connection_error,
                },
            )
        except RemoteSimulatorError as exc:
            if exc.status_code == 400:
                raise ValueError(_messages(exc)) from None
            raise

    def clear_failures(self) -> None:
        """Forget the scripted failures not used yet."""
        self._admin.call("DELETE", "/_simulator/webhooks/failures")

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every delivery with its attempts, oldest first (without security keys)."""
        from simulator.engine.state import WebhookDelivery

        reply = self._admin.call(
            "GET", "/_simulator/webhook-deliveries", params={"format": "records"}
        )
        return [_decode_record(item, WebhookDelivery, "webhook delivery") for item in reply["data"]]

    def _delivery(self, delivery_id: str) -> WebhookDelivery:
        from simulator.engine.state import WebhookDelivery

        reply = self._admin.call(
            "GET", f"/_simulator/webhook-deliveries/{delivery_id}", params={"format": "records"}
        )
        return _decode_record(reply["data"][0], WebhookDelivery, "webhook delivery")

    def __repr__(self) -> str:
        return f"RemoteWebhooks({self._admin.url!r})"


class RemoteSimulator:
    """A running `paigo-simulator serve`, seen through the same methods as `Simulator`.

    Inspection methods return the same typed records as `Simulator` (`PaigoSimulator`).

    Raises:
        RemoteSimulatorError: from any method that calls the server, when the server refuses
            (it is not a simulator, its admin routes are disabled, or the admin token is wrong)
            or cannot be reached.
    """

    def __init__(
        self,
        url: str,
        *,
        admin_token: str | None = None,
        client_id: str = "paigo-simulator",
        client_secret: str = "paigo-simulator-secret",
    ) -> None:
        self.url = url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self._admin = _Admin(
            self.url, admin_token=admin_token, client_id=client_id, client_secret=client_secret
        )
        self._clients = ClientRegistry()
        self.clock = RemoteClock(self._admin, self._clients)
        self.faults = RemoteFaults(self._admin)
        self.rate_limits = RemoteRateLimits(self._admin)
        self._lag_before: timedelta | None = None
        self.webhooks = RemoteWebhooks(self._admin)
        """Trigger, resend and script failures of the server's webhook deliveries."""

    @staticmethod
    def probe(url: str, *, admin_token: str | None = None, timeout: float = 10.0) -> bool:
        """Tell whether `url` serves the simulator's `/_simulator/` routes (False for Paigo).

        Any refusal or failure to connect answers False.
        """
        headers = {} if admin_token is None else {_ADMIN_HEADER: admin_token}
        try:
            reply = httpx.get(
                f"{url.rstrip('/')}/_simulator/clock", headers=headers, timeout=timeout
            )
            return reply.status_code == 200 and "now" in reply.json()
        except (httpx.HTTPError, ValueError, TypeError):
            return False

    # ----------------------------------------------------------------- clients

    def client(self, **options: Any) -> PaigoClient:
        """Return a `PaigoClient` pointed at the server with its credentials.

        Its clock is the server's time (`clock.cached_now()`), so token expiry and default record
        timestamps follow a manual server clock as they follow the in-process one.

        Raises:
            paigo_sdk.errors.ClientValidationError: when an option is invalid.
        """
        from paigo_sdk import PaigoClient

        return self._clients.add(PaigoClient(**{**self._client_options(), **options}))

    def async_client(self, **options: Any) -> AsyncPaigoClient:
        """Return an `AsyncPaigoClient` pointed at the server, keeping no idle connections.

        Without idle connections nothing stays bound to the event loop that used the client.

        Raises:
            paigo_sdk.errors.ClientValidationError: when an option is invalid.
        """
        from paigo_sdk import AsyncPaigoClient

        defaults: dict[str, Any] = self._client_options()
        if "http_client" not in options and "transport" not in options:
            defaults["transport"] = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_keepalive_connections=0)
            )
        return self._clients.add(AsyncPaigoClient(**{**defaults, **options}))

    def _client_options(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "api_url": self.url,
            "auth_url": f"{self.url}/oauth/token",
            # Token expiry and default record timestamps follow the server's time, as they do
            # in-process; the cached view costs no request per read.
            "clock": _ServerTimeClock(self.clock),
        }

    # ----------------------------------------------------------------- usage lag

    @property
    def usage_lag(self) -> timedelta:
        """The server's read-after-write lag of the usage view (zero: none); see `Simulator`.

        Set it to a timedelta or a number of seconds. The lag the server had before this object
        first changed it comes back on `reset()` and `close()`, so one test's lag never reaches
        the next test on a shared server.

        Raises:
            ValueError: (on assignment) when the lag is negative, not finite or over seven days.
            RemoteSimulatorError: when the server refuses or cannot be reached.
        """
        reply = self._admin.call("GET", "/_simulator/options")
        return _lag(reply["data"]["usageLagSeconds"])

    @usage_lag.setter
    def usage_lag(self, value: timedelta | float) -> None:
        lag = check_usage_lag(value)
        if self._lag_before is None:
            self._lag_before = self.usage_lag
        self._put_lag(lag)

    def _put_lag(self, lag: timedelta) -> None:
        self._admin.call("PUT", "/_simulator/options", json={"usageLagSeconds": _wire_seconds(lag)})

    def _restore_lag(self) -> None:
        if self._lag_before is not None:
            self._put_lag(self._lag_before)
            self._lag_before = None

    # ----------------------------------------------------------------- state and time

    def reset(self) -> None:
        """Forget every resource, record and invoice on the server, its fault rules and rate
        limits, undo this object's change of the usage lag, and put a manual server clock back
        where it started."""
        reply = self._admin.call("POST", "/_simulator/reset")
        self.faults.clear()
        self.rate_limits.clear()
        self._restore_lag()
        if isinstance(reply, dict) and "now" in reply:
            self.clock._remember(reply)

    def snapshot(self) -> str:
        """Save the server's state and clock time; return the snapshot's id, for `restore()`."""
        return str(self._admin.call("POST", "/_simulator/snapshots")["snapshotId"])

    def restore(self, snapshot_id: str) -> None:
        """Put back the state (and a manual clock's time) saved as `snapshot_id`."""
        reply = self._admin.call("POST", f"/_simulator/snapshots/{snapshot_id}/restore")
        if isinstance(reply, dict) and "now" in reply:
            self.clock._remember(reply)

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Move the server's manual clock forward and return the new time.

        Batchers of the clients this simulator made deliver what they hold first.

        Raises:
            ValueError: when the step is negative.
            UndeliveredUsageError: when batchers still hold records (the clock is not moved).
        """
        return self.clock.advance(delta, days=days, hours=hours, minutes=minutes, seconds=seconds)

    def set_time(self, moment: datetime) -> datetime:
        """Move the server's manual clock to `moment` and return the new time.

        Raises:
            UndeliveredUsageError: when batchers still hold records (the clock is not moved).
        """
        return self.clock.set(moment)

    # ----------------------------------------------------------------- inspection

    def usage_records(
        self, *, customer_id: str | None = None, dimension_id: str | None = None
    ) -> list[UsageRecordView]:
        """Return the stored usage records, per customer and dimension in arrival order."""
        from simulator.engine.state import UsageRecordView

        params = {
            key: value
            for key, value in (("customerId", customer_id), ("dimensionId", dimension_id))
            if value is not None
        }
        return self._records("/_simulator/usage-records", UsageRecordView, params)

    def late_records(self, *, customer_id: str | None = None) -> list[UsageRecordView]:
        """Return records that arrived for a period already invoiced: stored, never billed (B9)."""
        from simulator.engine.state import UsageRecordView

        params = {} if customer_id is None else {"customerId": customer_id}
        return self._records("/_simulator/late-records", UsageRecordView, params)

    @property
    def rejected_requests(self) -> list[RejectedRequest]:
        """The most recent requests the server refused, oldest first."""
        from simulator.api import RejectedRequest

        return self._records("/_simulator/rejected-requests", RejectedRequest)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivery with its attempts, oldest first (without security keys)."""
        return self.webhooks.deliveries

    def create_period_invoice(self, customer_id: str, start: datetime, end: datetime) -> Invoice:
        """Invoice the customer's arrear usage in `[start, end)` and return the invoice (B9).

        A simulator extension (a dashboard feature in Paigo, not in its v1.10 API).
        """
        from simulator.engine.state import Invoice

        created = self._admin.call(
            "POST",
            "/_simulator/invoices/period",
            json={"customerId": customer_id, "startTime": _wire(start), "endTime": _wire(end)},
        )
        return self._records(f"/_simulator/invoices/{created['invoiceId']}", Invoice)[0]

    def preview_invoice(self, customer_id: str) -> Invoice:
        """Return the invoice the customer would get if its open cycles closed now."""
        from simulator.engine.state import Invoice

        return self._records(f"/_simulator/customers/{customer_id}/invoice-preview", Invoice)[0]

    def _records(
        self, path: str, cls: type[_Record], params: dict[str, str] | None = None
    ) -> list[_Record]:
        reply = self._admin.call("GET", path, params={**(params or {}), "format": "records"})
        try:
            return [decode(item, cls) for item in reply["data"]]
        except (RecordDecodeError, KeyError, TypeError) as exc:
            raise RemoteSimulatorError(
                f"GET {path} did not answer {cls.__name__} records: {exc}"
            ) from exc

    def close(self) -> None:
        """Undo this object's change of the usage lag and close the admin connection pool.

        Raises:
            RemoteSimulatorError: when the lag cannot be put back (the pool is closed anyway).
        """
        try:
            self._restore_lag()
        finally:
            self._admin.close()

    def __enter__(self) -> RemoteSimulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteSimulator({self.url!r})"


class _ServerTimeClock:
    """An SDK clock reading a `RemoteClock`'s cached view of the server's time."""

    def __init__(self, clock: RemoteClock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.cached_now()

    def __repr__(self) -> str:
        return f"_ServerTimeClock({self._clock!r})"


def _wire(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _wire_seconds(lag: timedelta) -> int | float:
    micros = lag // timedelta(microseconds=1)
    # Whole seconds go as integers; a fraction goes as a JSON number with at most 6 decimals.
    return micros // 1_000_000 if micros % 1_000_000 == 0 else micros / 1_000_000


def _lag(value: Any) -> timedelta:
    try:
        return check_usage_lag(Decimal(str(value)))
    except (ValueError, ArithmeticError) as exc:
        raise RemoteSimulatorError(f"the server's usageLagSeconds is not a lag: {value!r}") from exc


def _parse_time(reply: Any) -> datetime:
    value = reply.get("now") if isinstance(reply, dict) else None
    if not isinstance(value, str):
        raise RemoteSimulatorError(f"the simulator's clock reply has no time: {reply!r}")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _decode_record(item: Any, cls: type[_Record], what: str) -> _Record:
    try:
        return decode(item, cls)
    except (RecordDecodeError, TypeError) as exc:
        raise RemoteSimulatorError(f"the server did not answer a {what} record: {exc}") from exc


def _reply_messages(response: httpx.Response) -> list[str]:
    """The `message` of an error reply (a list in Paigo's 400 shape), or nothing."""
    try:
        body = response.json()
    except ValueError:
        return []
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, list):
        return [str(m) for m in message]
    return [message] if isinstance(message, str) else []


def _messages(exc: RemoteSimulatorError) -> str:
    """The messages of a refusal, or the error's own text."""
    return "; ".join(exc.messages) or str(exc)
