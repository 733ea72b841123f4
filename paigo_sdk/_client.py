"""The clients: one pure core that builds requests and reads replies, and two I/O shells.

`_BaseClient` decides everything that does not wait: URLs, headers, bodies, envelope unwrapping,
model validation and error mapping. `PaigoClient` and `AsyncPaigoClient` only send, retry (through
the shared `RetryPolicy`) and log, so the sync and async clients cannot drift apart.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
import platform
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Final, Self, TypeVar, cast
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError
from tenacity import RetryCallState

from paigo_sdk import _default_target, _json
from paigo_sdk._auth import ClientCredentialsAuth
from paigo_sdk._clock import Clock, SystemClock
from paigo_sdk._config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_DEADLINE,
    DEFAULT_TIMEOUT,
    ClientConfig,
    resolve_config,
)
from paigo_sdk._idempotency import IDEMPOTENCY_HEADER, check_idempotency_key, new_idempotency_key
from paigo_sdk._in_process import (
    InProcessTransport,
    WireReply,
    in_process_transport,
    is_plain_api_url,
)
from paigo_sdk._logs import redacted_headers, setup_logging_from_env
from paigo_sdk._operations import Operation, unwrap
from paigo_sdk._pending import PendingWork
from paigo_sdk._request_options import Body, Headers, Query, merge_extras
from paigo_sdk._response import (
    ResponseWrapper,
    capture,
    capture_primary,
    capturing,
    streaming_requested,
)
from paigo_sdk._retry import RetryClass, RetryPolicy, parse_retry_after
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk._transport import (
    HttpPool,
    attempt_deadline,
    new_async_http,
    new_sync_http,
    transports_unpatched,
)
from paigo_sdk._version import __version__
from paigo_sdk.errors import (
    APIConnectionError,
    APIDecodingError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientValidationError,
    printable,
    status_error_class,
)
from paigo_sdk.pagination import AsyncPage, SyncPage
from paigo_sdk.resources import RESOURCE_NAMES, AsyncResources, SyncResources

__all__ = ["MAX_BODY_BYTES", "USER_AGENT", "AsyncPaigoClient", "PaigoClient"]

T = TypeVar("T")

logger = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 1024 * 1024
"""The largest JSON body the SDK sends; Paigo's wire rejects larger ones (413)."""

USER_AGENT: Final = f"paigo-sdk/{__version__} python/{platform.python_version()}"
"""The User-Agent sent with every request."""


Timeout = float | None | NotGiven
"""A per-call timeout in seconds; None waits forever; NOT_GIVEN uses the client's."""


class _BaseClient:
    """Build requests and read replies; shared by both clients and free of I/O."""

    _config: ClientConfig
    _auth: ClientCredentialsAuth
    _clock: Clock
    _policy: RetryPolicy
    _owns_http: bool
    _pending_work: PendingWork
    """Batchers holding records for this client; shared with every `with_options` copy."""
    _pool: HttpPool[Any]
    _host: str
    _in_process: InProcessTransport | None = None
    """A transport answering in this process, reached without httpx when it can be."""
    _direct_ok: bool = False
    """Whether the API URL is plain enough for the direct way (see `paigo_sdk._in_process`)."""

    def _setup(
        self,
        *,
        client_id: str | None,
        client_secret: str | None,
        api_url: str | None,
        auth_url: str | None,
        audience: str | None,
        timeout: float | None,
        max_retries: int,
        retry_deadline: float | None,
        clock: Clock | None,
    ) -> None:
        setup_logging_from_env()
        self._config = resolve_config(
            client_id=client_id,
            client_secret=client_secret,
            api_url=api_url,
            auth_url=auth_url,
            audience=audience,
            timeout=timeout,
            max_retries=max_retries,
            retry_deadline=retry_deadline,
        )
        self._clock = clock if clock is not None else SystemClock()
        self._auth = ClientCredentialsAuth(
            client_id=self._config.client_id,
            client_secret=self._config.client_secret,
            auth_url=self._config.auth_url,
            audience=self._config.audience,
            clock=self._clock,
            user_agent=USER_AGENT,
        )
        self._policy = RetryPolicy(max_retries=max_retries, deadline=retry_deadline)
        self._pending_work = PendingWork()

    @property
    def api_url(self) -> str:
        """The base URL requests are sent to."""
        return self._config.api_url

    @property
    def timeout(self) -> float | None:
        """The default timeout of each attempt, in seconds."""
        return self._config.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request may be retried."""
        return self._config.max_retries

    @property
    def retry_deadline(self) -> float | None:
        """Seconds after which no further retry starts."""
        return self._config.retry_deadline

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(api_url={self._config.api_url!r}, "
            f"client_id={self._config.client_id!r})"
        )

    def _copy_with(
        self,
        *,
        timeout: float | None | NotGiven,
        max_retries: int | NotGiven,
        retry_deadline: float | None | NotGiven,
    ) -> Self:
        config = self._config.with_changes(
            timeout=self._config.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=(
                self._config.max_retries if isinstance(max_retries, NotGiven) else max_retries
            ),
            retry_deadline=(
                self._config.retry_deadline
                if isinstance(retry_deadline, NotGiven)
                else retry_deadline
            ),
        )
        clone = copy.copy(self)
        for name in RESOURCE_NAMES:
            clone.__dict__.pop(name, None)
        clone._config = config
        clone._policy = replace(
            self._policy, max_retries=config.max_retries, deadline=config.retry_deadline
        )
        clone._owns_http = False
        return clone

    def _idempotency(
        self, op: Operation[Any], headers: Mapping[str, str] | None, key: str | None
    ) -> tuple[Mapping[str, str] | None, RetryClass]:
        """Add the `Idempotency-Key` of a POST and return the retry class it earns.

        A POST without a key gets a fresh one when retries are on, so that a retry after a lost
        reply is answered as a replay instead of creating a second customer or invoice. A POST
        that carries a key is retried like `POST /usage`.
        """
        if op.method != "POST":
            if key is not None:
                raise ClientValidationError(f"{op.name} is not a POST and takes no idempotency key")
            return headers, op.retry
        if headers is not None and any(h.lower() == "idempotency-key" for h in headers):
            return headers, RetryClass.IDEMPOTENT
        if key is None:
            if not self._policy.retries_enabled:
                return headers, op.retry
            key = new_idempotency_key()
        key = check_idempotency_key(key)
        return {**(headers or {}), IDEMPOTENCY_HEADER: key}, RetryClass.IDEMPOTENT

    def _build_request(self, op: Operation[Any], arguments: _Arguments) -> httpx.Request:
        """The httpx request of one attempt that goes through httpx's path.

        Raises:
            ClientValidationError: for a body larger than `MAX_BODY_BYTES`.
        """
        json_body, headers, query = arguments.json_body, arguments.headers, arguments.query
        url = _parsed_url(self._config.api_url + op.format_path(arguments.path_params))
        content: bytes | None = None
        if json_body is not None:
            content = _json.dumps(json_body).encode()
            if len(content) > MAX_BODY_BYTES:
                raise ClientValidationError(
                    f"the request body must not be larger than {MAX_BODY_BYTES} bytes "
                    f"(it is {len(content)} bytes)"
                )
        all_headers: httpx.Headers | dict[str, str]
        if not headers or (len(headers) == 1 and IDEMPOTENCY_HEADER in headers):
            # The common case (no headers, or only the key the SDK set): a plain dict, which
            # `build_request` merges as it would the `Headers` below, without building one more.
            all_headers = _JSON_HEADERS if content is not None else _BASE_HEADERS
            if headers:
                all_headers = {**all_headers, **headers}
        else:
            all_headers = httpx.Headers(_BASE_HEADERS)
            if content is not None:
                all_headers["Content-Type"] = "application/json"
            all_headers.update(headers)
        params = {key: value for key, value in (query or {}).items() if value is not None}
        timeout = arguments.timeout
        seconds = self._config.timeout if isinstance(timeout, NotGiven) else timeout
        http: httpx.Client | httpx.AsyncClient = self._pool.http
        return http.build_request(
            op.method,
            url,
            params=params or None,
            content=content,
            files=arguments.files,
            headers=all_headers,
            timeout=_timeout(seconds),
        )

    def _direct_request(
        self, op: Operation[Any], arguments: _Arguments, token: Callable[[], str | None]
    ) -> _DirectRequest | None:
        """The plain request for the direct way, or None when httpx's path must send it.

        The direct way (an in-process transport, or the SDK-built pool's `exchange`) skips
        httpx's request, client machinery and response. It is taken for a plain JSON request
        and a token (`token()` gives it, or None when httpx's auth flow must fetch it): no query
        string or files, only the headers the SDK sets, no raw-response wrapper listening and no
        debug logging. Everything else, the token request included, goes through httpx, so
        errors, retries and logs do not depend on the way.

        Raises:
            APIConnectionError: when `token()` cannot reach the token endpoint.
            AuthenticationError, APIStatusError, APIResponseValidationError: from `token()`.
        """
        if self._in_process is None and (
            self._pool.direct is None or not self._direct_ok or not transports_unpatched()
        ):
            return None
        headers = arguments.headers or {}
        if (
            arguments.files is not None
            or any(value is not None for value in (arguments.query or {}).values())
            or any(name != IDEMPOTENCY_HEADER for name in headers)
            or capturing()
            or logger.isEnabledFor(logging.DEBUG)
        ):
            return None
        url = self._config.api_url + op.format_path(arguments.path_params)
        try:
            bearer = token()
        except httpx.HTTPError as error:
            raise self._connection_error(error, httpx.Request(op.method, url)) from error
        if bearer is None:
            return None  # httpx's path fetches one through the auth flow
        wire_headers = {
            "host": self._host,
            "accept": "application/json",
            "user-agent": USER_AGENT,
            "authorization": f"Bearer {bearer}",
        }
        content = b""
        if arguments.json_body is not None:
            content = _json.dumps(arguments.json_body).encode()
            if len(content) > MAX_BODY_BYTES:
                return None  # httpx's path refuses it with its message
            wire_headers["content-type"] = "application/json"
        for name, value in headers.items():
            wire_headers[name.lower()] = value
        seconds = (
            self._config.timeout if isinstance(arguments.timeout, NotGiven) else arguments.timeout
        )
        return _DirectRequest(op.method, url, wire_headers, content, seconds, bearer)

    def _direct_reply(
        self, op: Operation[T], sent: _DirectRequest, reply: WireReply
    ) -> tuple[bool, T]:
        """Read a reply that came the direct way; (False, _) when httpx's path must send again.

        Raises:
            APIStatusError, APIConnectionError, APIResponseValidationError: as `_request`.
        """
        status, reply_headers, body = reply
        if status == 401:
            # As the auth flow does: forget the refused token, then fetch a fresh one and send
            # again, through httpx's path.
            self._auth.cache.invalidate(sent.token)
            return False, cast(T, None)
        encoded = any(
            name == "content-encoding" and value.strip().lower() not in ("", "identity")
            for name, value in reply_headers
        )
        if status < 400 and not encoded:
            try:
                payload = unwrap(op.envelope, _json.loads(body) if body else None)
                if op.response_headers and isinstance(payload, dict):
                    replied = dict(reply_headers)  # lower-case names
                    payload = dict(payload)
                    for header, wire_name in op.response_headers.items():
                        if header.lower() in replied:
                            payload[wire_name] = replied[header.lower()]
                return True, op.adapter.validate_python(payload)
            except (ValueError, RecursionError):  # pydantic's ValidationError is a ValueError
                pass  # read again below, through the path that says what is wrong
        request = sent.httpx_request()
        try:
            # httpx decodes the body as its Content-Encoding says, as it would have on its path.
            response = httpx.Response(
                status,
                # As bytes: a header may carry any byte (read as Latin-1 from the wire), which
                # httpx would refuse to encode from text as ASCII.
                headers=[
                    (name.encode("latin-1", "replace"), value.encode("latin-1", "replace"))
                    for name, value in reply_headers
                ],
                content=body,
                request=request,
            )
        except httpx.HTTPError as error:
            raise self._connection_error(error, request) from error
        return True, self._process_response(op, response)

    def _download_request(
        self, http: httpx.Client | httpx.AsyncClient, url: str, timeout: Timeout
    ) -> httpx.Request:
        """The request for a pre-signed link the server gave (an invoice's `invoiceUrl`).

        Raises:
            APIResponseValidationError: the link is not a URL httpx can send to.
        """
        seconds = self._config.timeout if isinstance(timeout, NotGiven) else timeout
        try:
            return http.build_request(
                "GET", url, headers={"User-Agent": USER_AGENT}, timeout=httpx.Timeout(seconds)
            )
        except httpx.InvalidURL as error:
            # The link came in a reply: a malformed one is the reply's fault, not the caller's.
            raise APIResponseValidationError(
                printable(f"the download link in the reply is not a usable URL: {error}"),
                status_code=200,
                body=None,
                method="GET",
                url=printable(url),
            ) from None

    def _process_response(self, op: Operation[T], response: httpx.Response) -> T:
        request = response.request
        body = _decode(response)
        if response.status_code >= 400:
            raise self._status_error(response, body)
        capture(response)
        try:
            payload = unwrap(op.envelope, body)
            if op.response_headers and isinstance(payload, dict):
                payload = dict(payload)
                for header, wire_name in op.response_headers.items():
                    if header in response.headers:
                        payload[wire_name] = response.headers[header]
            return op.adapter.validate_python(payload)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in item['loc']) or 'reply'}: {item['msg']}"
                for item in error.errors(include_input=False, include_url=False)
            )
            raise APIResponseValidationError(
                f"the reply to {op.name} did not fit {_type_name(op.response)}: {problems}",
                status_code=response.status_code,
                body=body,
                method=request.method,
                url=str(request.url),
            ) from None
        except ValueError as error:
            raise APIResponseValidationError(
                f"the reply to {op.name} did not have the expected shape: {error}",
                status_code=response.status_code,
                body=body,
                method=request.method,
                url=str(request.url),
            ) from None

    def _status_error(self, response: httpx.Response, body: object) -> APIStatusError:
        messages: list[str] = []
        if isinstance(body, dict):
            raw = body.get("message")
            if isinstance(raw, str):
                messages = [raw]
            elif isinstance(raw, list):
                messages = [str(item) for item in raw]
            if not messages and isinstance(body.get("error"), str):
                messages = [body["error"]]
        elif isinstance(body, str) and body.strip():
            messages = [body.strip()[:500]]
        message = messages[0] if messages else (response.reason_phrase or "error")
        error_class = status_error_class(response.status_code)
        return error_class(
            message,
            status_code=response.status_code,
            messages=messages or [message],
            body=body,
            method=response.request.method,
            url=str(response.request.url),
            retry_after=parse_retry_after(response.headers.get("Retry-After"), self._clock.now()),
        )

    @staticmethod
    def _connection_error(error: httpx.HTTPError, request: httpx.Request) -> APIConnectionError:
        error_class: type[APIConnectionError] = APIConnectionError
        if isinstance(error, httpx.TimeoutException):
            error_class = APITimeoutError
        elif isinstance(error, httpx.DecodingError):
            error_class = APIDecodingError
        reason = type(error).__name__
        # Protocol errors may quote the bytes they refused (a header, say); only their class
        # and the first line, bounded, are kept.
        detail = str(error).splitlines()[0] if str(error) else ""
        return error_class(
            f"{reason}: {detail}" if detail else reason,
            method=request.method,
            url=str(request.url),
        )

    @staticmethod
    def _log_request(request: httpx.Request) -> None:
        # The bearer token is added by the auth flow after this point, and would be redacted.
        logger.debug(
            "Request: %s %s headers=%s",
            request.method,
            request.url,
            redacted_headers(request.headers),
        )

    @staticmethod
    def _log_attempt(
        op: Operation[Any],
        request: httpx.Request,
        attempt: int,
        started: float,
        status: int | str,
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return  # nothing to format: the record would be dropped
        duration = (time.perf_counter() - started) * 1000.0
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d)",
            request.method,
            request.url.path,
            status,
            duration,
            attempt,
            extra={
                "paigo_operation": op.name,
                "paigo_method": request.method,
                "paigo_path": request.url.path,
                "paigo_status": status,
                "paigo_duration_ms": duration,
                "paigo_attempt": attempt,
            },
        )

    @staticmethod
    def _before_sleep(op: Operation[Any]) -> Callable[[RetryCallState], None]:
        def log(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            logger.info(
                "%s failed (%s); retrying in %.2f s (attempt %d)",
                op.name,
                type(error).__name__ if error is not None else "error",
                state.upcoming_sleep,
                state.attempt_number + 1,
            )

        return log


@dataclass(frozen=True, slots=True)
class _Arguments:
    """What one call sends, the same on every attempt."""

    path_params: Mapping[str, object] | None
    query: Mapping[str, str | None] | None
    json_body: Any
    files: Mapping[str, Any] | None
    headers: Mapping[str, str] | None
    timeout: Timeout


@dataclass(frozen=True, slots=True)
class _DirectRequest:
    """One attempt as the direct way sends it: lower-case header names, `host` included."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    timeout: float | None
    token: str

    def httpx_request(self) -> httpx.Request:
        """The same request as httpx would have built it, for errors and error replies."""
        return httpx.Request(self.method, self.url, headers=self.headers, content=self.body)


_BASE_HEADERS: Final = {"Accept": "application/json", "User-Agent": USER_AGENT}
_JSON_HEADERS: Final = {**_BASE_HEADERS, "Content-Type": "application/json"}


@functools.lru_cache(maxsize=1024)
def _parsed_url(url: str) -> httpx.URL:
    """`url` parsed once: requests to the same path reuse it (an `httpx.URL` is immutable)."""
    return httpx.URL(url)


def _timeout(seconds: float | None) -> httpx.Timeout:
    """The `httpx.Timeout` for `seconds`; the usual values are built once."""
    if seconds is None or type(seconds) in (int, float):
        return _cached_timeout(seconds)
    return httpx.Timeout(seconds)


@functools.lru_cache(maxsize=64)
def _cached_timeout(seconds: float | None) -> httpx.Timeout:
    return httpx.Timeout(seconds)


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return _json.loads(response.content)
    except (ValueError, RecursionError):
        # Not JSON, or nested too deeply to parse: the text (bounded by the error types) stands
        # in for the body, and a success reply without a usable body fails validation.
        return response.text


def _attempt_seconds(request: httpx.Request) -> float | None:
    timeouts = request.extensions.get("timeout") or {}
    seconds = timeouts.get("read")
    return seconds if isinstance(seconds, int | float) else None


def _type_name(response_type: Any) -> str:
    return getattr(response_type, "__name__", None) or str(response_type)


class PaigoClient(_BaseClient, SyncResources):
    """A client for Paigo's API v1.10.

    Credentials come from the arguments or from `PAIGO_CLIENT_ID` / `PAIGO_CLIENT_SECRET`; the
    URLs from the arguments, `PAIGO_API_URL` / `PAIGO_AUTH_URL`, or Paigo's production defaults.
    Pass `transport` (or a ready `http_client`) to reach another server, such as the in-process
    simulator. Use it as a context manager, or call `close()`. While a test double's default
    target is installed (`simulator.mock_paigo()`), a client built without connection arguments
    goes there (`paigo_sdk._default_target`).

    Args:
        timeout: seconds for each attempt; None waits forever.
        max_retries: retries after the first attempt; 0 disables retrying.
        retry_deadline: seconds after which no new retry starts; 0 disables retrying and None
            removes the limit.
        http_client: an `httpx.Client` to send through; the client does not close it.
        transport: an `httpx.BaseTransport` for a client the SDK creates and closes.
        clock: the clock that decides token expiry and retry deadlines.
        sleep: how to wait between retries (tests pass a fake to avoid real sleeps).

    Raises:
        ClientValidationError: when credentials are missing or a limit is out of range.
    """

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_url: str | None = None,
        auth_url: str | None = None,
        audience: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_deadline: float | None = DEFAULT_RETRY_DEADLINE,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        target = _default_target.for_client(
            client_id, client_secret, api_url, auth_url, http_client, transport
        )
        if target is not None:  # a test double installed a default (see _default_target)
            client_id, client_secret = target.client_id, target.client_secret
            api_url, auth_url, transport = target.api_url, target.auth_url, target.transport
            clock = clock if clock is not None else target.clock
        self._setup(
            client_id=client_id,
            client_secret=client_secret,
            api_url=api_url,
            auth_url=auth_url,
            audience=audience,
            timeout=timeout,
            max_retries=max_retries,
            retry_deadline=retry_deadline,
            clock=clock,
        )
        self._sleep = sleep if sleep is not None else time.sleep
        self._owns_http = http_client is None
        if http_client is not None:
            self._pool: HttpPool[httpx.Client] = HttpPool(http_client, None)
        elif transport is not None:
            self._pool = HttpPool(httpx.Client(transport=transport), None)
        else:
            # A pool the SDK builds is replaced in a forked child (see paigo_sdk._transport).
            self._pool = HttpPool(new_sync_http(), new_sync_http)
        # A transport answering in this process is reached without httpx when it can be.
        self._in_process = in_process_transport(transport, self._config.api_url)
        self._direct_ok = is_plain_api_url(self._config.api_url)
        self._host = urlsplit(self._config.api_url).netloc
        if target is not None and target.created is not None:
            target.created(self)

    @property
    def _http(self) -> httpx.Client:
        return self._pool.http

    def with_options(
        self,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_deadline: float | None | NotGiven = NOT_GIVEN,
    ) -> Self:
        """Return a copy with other timeout or retry settings.

        The copy shares this client's connection pool and token cache; closing it does not close
        them.

        Raises:
            ClientValidationError: for a negative retry count, deadline or timeout.
        """
        return self._copy_with(
            timeout=timeout, max_retries=max_retries, retry_deadline=retry_deadline
        )

    @property
    def with_raw_response(self) -> Any:
        """The client's resources, whose methods return a `RawResponse` instead of the model.

        `client.with_raw_response.customers.retrieve(id)` gives the HTTP status, headers and raw
        body of the reply, and `.parse()` the `Customer`, as in openai-python.

        Raises:
            Nothing; the wrapped methods raise what they always raise.
        """
        return ResponseWrapper(self, stream=False)

    @property
    def with_streaming_response(self) -> Any:
        """The client's resources, whose methods return a context manager over a streamed reply.

        `with client.with_streaming_response.invoices.download(id) as response:` gives a reply
        whose body is read only when asked (`response.iter_bytes()`), for large bodies.

        Raises:
            Nothing; the wrapped methods raise what they always raise.
        """
        return ResponseWrapper(self, stream=True)

    def close(self) -> None:
        """Close the connection pool, unless it was passed in or belongs to another client.

        Raises:
            Nothing.
        """
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _request(
        self,
        op: Operation[T],
        *,
        path_params: Mapping[str, object] | None = None,
        query: Mapping[str, str | None] | None = None,
        json_body: Any = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> T:
        # The method validated its own arguments; the extras are merged after, as given.
        query, json_body, headers = merge_extras(
            query=query,
            json_body=json_body,
            files=files,
            headers=headers,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        headers, retry_class = self._idempotency(op, headers, idempotency_key)
        arguments = _Arguments(path_params, query, json_body, files, headers, timeout)
        if not self._policy.retries_enabled:
            # One attempt and nothing to retry: no retry controller is built for it.
            return self._attempt(op, arguments, 1)
        retrying = self._policy.retrying(
            retry_class, sleep=self._sleep, now=self._clock.now, before_sleep=self._before_sleep(op)
        )
        for attempt in retrying:
            with attempt:
                return self._attempt(op, arguments, attempt.retry_state.attempt_number)
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _attempt(self, op: Operation[T], arguments: _Arguments, number: int) -> T:
        """Send one attempt and read its reply, the direct way when the request allows it.

        Raises:
            APIStatusError, APIConnectionError, APIResponseValidationError: as `_request`.
        """
        direct = self._direct_request(op, arguments, self._token)
        if direct is not None:
            try:
                if self._in_process is not None:
                    reply = self._in_process.handle_in_process(
                        direct.method, direct.url, direct.headers, direct.body
                    )
                else:
                    reply = self._pool.direct.exchange(
                        direct.method, direct.url, direct.headers, direct.body, direct.timeout
                    )
            except httpx.HTTPError as error:
                raise self._connection_error(error, direct.httpx_request()) from error
            answered, value = self._direct_reply(op, direct, reply)
            if answered:
                return value
        request = self._build_request(op, arguments)
        response = self._send(op, request, number)
        return self._process_response(op, response)

    def _token(self) -> str:
        return self._auth.token(self._http)

    def _request_page(self, op: Operation[list[T]], **options: Any) -> SyncPage[T]:
        """Send a list operation and return its items as a `SyncPage`.

        Raises:
            What `_request` raises.
        """
        items: list[T] = self._request(op, **options)
        return SyncPage(items)

    def _send(self, op: Operation[Any], request: httpx.Request, attempt: int) -> httpx.Response:
        if logger.isEnabledFor(logging.DEBUG):
            self._log_request(request)
        started = time.perf_counter()
        try:
            # `timeout` bounds the whole attempt (token request, headers and a trickling body).
            with attempt_deadline(_attempt_seconds(request)):
                response = self._http.send(request, auth=self._auth)
        except httpx.HTTPError as error:
            self._log_attempt(op, request, attempt, started, type(error).__name__)
            raise self._connection_error(error, request) from error
        self._log_attempt(op, request, attempt, started, response.status_code)
        return response

    def _download(self, url: str, *, timeout: Timeout = NOT_GIVEN) -> bytes:
        """GET a pre-signed link (no bearer token); leave the body unread when streaming.

        Raises:
            APIStatusError: for an error reply.
            APIConnectionError: when no reply arrives (downloads are not retried).
        """
        request = self._download_request(self._http, url, timeout)
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as error:
            raise self._connection_error(error, request) from error
        if response.status_code >= 400 or not streaming_requested():
            try:
                response.read()
            finally:
                response.close()
        if response.status_code >= 400:
            raise self._status_error(response, _decode(response))
        capture_primary(response)
        # Inside with_streaming_response the body is still on the wire: the caller reads it.
        return b"" if streaming_requested() else response.content


class AsyncPaigoClient(_BaseClient, AsyncResources):
    """An asyncio client for Paigo's API v1.10; the twin of `PaigoClient`.

    Credentials come from the arguments or from `PAIGO_CLIENT_ID` / `PAIGO_CLIENT_SECRET`; the
    URLs from the arguments, `PAIGO_API_URL` / `PAIGO_AUTH_URL`, or Paigo's production defaults.
    Pass `transport` (or a ready `http_client`) to reach another server, such as the in-process
    simulator. Use it as an async context manager, or await `close()`. While a test double's
    default target is installed (`simulator.mock_paigo()`), a client built without connection
    arguments goes there (`paigo_sdk._default_target`).

    Args:
        timeout: seconds for each attempt; None waits forever.
        max_retries: retries after the first attempt; 0 disables retrying.
        retry_deadline: seconds after which no new retry starts; 0 disables retrying and None
            removes the limit.
        http_client: an `httpx.AsyncClient` to send through; the client does not close it.
        transport: an `httpx.AsyncBaseTransport` for a client the SDK creates and closes.
        clock: the clock that decides token expiry and retry deadlines.
        sleep: how to wait between retries (tests pass a fake to avoid real sleeps).

    Raises:
        ClientValidationError: when credentials are missing or a limit is out of range.
    """

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_url: str | None = None,
        auth_url: str | None = None,
        audience: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_deadline: float | None = DEFAULT_RETRY_DEADLINE,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        target = _default_target.for_client(
            client_id, client_secret, api_url, auth_url, http_client, transport
        )
        if target is not None:  # a test double installed a default (see _default_target)
            client_id, client_secret = target.client_id, target.client_secret
            api_url, auth_url, transport = target.api_url, target.auth_url, target.transport
            clock = clock if clock is not None else target.clock
        self._setup(
            client_id=client_id,
            client_secret=client_secret,
            api_url=api_url,
            auth_url=auth_url,
            audience=audience,
            timeout=timeout,
            max_retries=max_retries,
            retry_deadline=retry_deadline,
            clock=clock,
        )
        self._sleep = sleep if sleep is not None else asyncio.sleep
        self._owns_http = http_client is None
        if http_client is not None:
            self._pool: HttpPool[httpx.AsyncClient] = HttpPool(http_client, None)
        elif transport is not None:
            self._pool = HttpPool(httpx.AsyncClient(transport=transport), None)
        else:
            self._pool = HttpPool(new_async_http(), new_async_http)
        self._direct_ok = is_plain_api_url(self._config.api_url)
        self._host = urlsplit(self._config.api_url).netloc
        if target is not None and target.created is not None:
            target.created(self)

    @property
    def _http(self) -> httpx.AsyncClient:
        return self._pool.http

    def with_options(
        self,
        *,
        timeout: float | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_deadline: float | None | NotGiven = NOT_GIVEN,
    ) -> Self:
        """Return a copy with other timeout or retry settings.

        The copy shares this client's connection pool and token cache; closing it does not close
        them.

        Raises:
            ClientValidationError: for a negative retry count, deadline or timeout.
        """
        return self._copy_with(
            timeout=timeout, max_retries=max_retries, retry_deadline=retry_deadline
        )

    @property
    def with_raw_response(self) -> Any:
        """The client's resources, whose methods return a `RawResponse` instead of the model.

        `client.with_raw_response.customers.retrieve(id)` gives the HTTP status, headers and raw
        body of the reply, and `.parse()` the `Customer`, as in openai-python.

        Raises:
            Nothing; the wrapped methods raise what they always raise.
        """
        return ResponseWrapper(self, stream=False)

    @property
    def with_streaming_response(self) -> Any:
        """The client's resources, whose methods return a context manager over a streamed reply.

        `with client.with_streaming_response.invoices.download(id) as response:` gives a reply
        whose body is read only when asked (`response.iter_bytes()`), for large bodies.

        Raises:
            Nothing; the wrapped methods raise what they always raise.
        """
        return ResponseWrapper(self, stream=True)

    async def close(self) -> None:
        """Close the connection pool, unless it was passed in or belongs to another client.

        Raises:
            Nothing.
        """
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _request(
        self,
        op: Operation[T],
        *,
        path_params: Mapping[str, object] | None = None,
        query: Mapping[str, str | None] | None = None,
        json_body: Any = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout = NOT_GIVEN,  # noqa: ASYNC109
        idempotency_key: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> T:
        # The method validated its own arguments; the extras are merged after, as given.
        query, json_body, headers = merge_extras(
            query=query,
            json_body=json_body,
            files=files,
            headers=headers,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        headers, retry_class = self._idempotency(op, headers, idempotency_key)
        arguments = _Arguments(path_params, query, json_body, files, headers, timeout)
        if not self._policy.retries_enabled:
            # One attempt and nothing to retry: no retry controller is built for it.
            return await self._attempt(op, arguments, 1)
        retrying = self._policy.async_retrying(
            retry_class, sleep=self._sleep, now=self._clock.now, before_sleep=self._before_sleep(op)
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(op, arguments, attempt.retry_state.attempt_number)
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    async def _attempt(self, op: Operation[T], arguments: _Arguments, number: int) -> T:
        """Send one attempt and read its reply, the direct way when the request allows it.

        Raises:
            APIStatusError, APIConnectionError, APIResponseValidationError: as `_request`.
        """
        # A token the cache does not hold is fetched by httpx's auth flow.
        direct = self._direct_request(op, arguments, self._auth.cache.current)
        if direct is not None:
            try:
                # `timeout` bounds the whole attempt, as on httpx's path.
                async with asyncio.timeout(direct.timeout):
                    reply = await self._pool.direct.exchange(
                        direct.method, direct.url, direct.headers, direct.body, direct.timeout
                    )
            except httpx.HTTPError as error:
                raise self._connection_error(error, direct.httpx_request()) from error
            except TimeoutError:
                raise APITimeoutError(
                    f"no complete reply within {direct.timeout} s",
                    method=direct.method,
                    url=direct.url,
                ) from None
            answered, value = self._direct_reply(op, direct, reply)
            if answered:
                return value
        request = self._build_request(op, arguments)
        response = await self._send(op, request, number)
        return self._process_response(op, response)

    async def _request_page(self, op: Operation[list[T]], **options: Any) -> AsyncPage[T]:
        """Send a list operation and return its items as an `AsyncPage`.

        Raises:
            What `_request` raises.
        """
        items: list[T] = await self._request(op, **options)
        return AsyncPage(items)

    async def _send(
        self, op: Operation[Any], request: httpx.Request, attempt: int
    ) -> httpx.Response:
        if logger.isEnabledFor(logging.DEBUG):
            self._log_request(request)
        started = time.perf_counter()
        seconds = _attempt_seconds(request)
        try:
            # `timeout` bounds the whole attempt (token request, headers and a trickling body).
            async with asyncio.timeout(seconds):
                response = await self._http.send(request, auth=self._auth)
        except httpx.HTTPError as error:
            self._log_attempt(op, request, attempt, started, type(error).__name__)
            raise self._connection_error(error, request) from error
        except TimeoutError:
            self._log_attempt(op, request, attempt, started, "TimeoutError")
            raise APITimeoutError(
                f"no complete reply within {seconds} s",
                method=request.method,
                url=str(request.url),
            ) from None
        self._log_attempt(op, request, attempt, started, response.status_code)
        return response

    async def _download(self, url: str, *, timeout: Timeout = NOT_GIVEN) -> bytes:  # noqa: ASYNC109
        """GET a pre-signed link (no bearer token); leave the body unread when streaming.

        Raises:
            APIStatusError: for an error reply.
            APIConnectionError: when no reply arrives (downloads are not retried).
        """
        request = self._download_request(self._http, url, timeout)
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as error:
            raise self._connection_error(error, request) from error
        if response.status_code >= 400 or not streaming_requested():
            try:
                await response.aread()
            finally:
                await response.aclose()
        if response.status_code >= 400:
            raise self._status_error(response, _decode(response))
        capture_primary(response)
        # Inside with_streaming_response the body is still on the wire: the caller reads it.
        return b"" if streaming_requested() else response.content
