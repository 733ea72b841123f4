"""Cache and refresh OAuth client-credential tokens, and sign every request with one.

`TokenCache` is pure: it knows when a token is fresh and forgets one on request. The
`ClientCredentialsAuth` flows add the locking. A refresh happens under a lock (a `threading.Lock`
for the sync client, an `asyncio.Lock` for the async one) and the cache is checked again inside
it, so fifty callers that find the token stale cause exactly one token request. The token request
is yielded from the flow, so it travels through the client's own transport (and reaches the
in-process simulator when that is the transport).
"""

from __future__ import annotations

import asyncio
import math
import re
import threading
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import httpx

from paigo_sdk import _json
from paigo_sdk._clock import Clock
from paigo_sdk._transport import register_for_fork
from paigo_sdk.errors import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    status_error_class,
)

__all__ = [
    "DEFAULT_TOKEN_LIFETIME",
    "DEFAULT_TOKEN_REFRESH_MARGIN",
    "ClientCredentialsAuth",
    "TokenCache",
]

DEFAULT_TOKEN_REFRESH_MARGIN: Final = 60.0
"""Seconds before expiry at which a token is refreshed (10 % of its lifetime if that is less)."""

DEFAULT_TOKEN_LIFETIME: Final = 86400.0
"""The lifetime assumed when the token endpoint does not say (`expires_in` is seconds)."""

MAX_TOKEN_LIFETIME: Final = 30 * 86400.0
"""A longer `expires_in` is read as this: the token is refreshed at least once a month."""

# RFC 6750's b64token: the only characters a bearer token may carry in an Authorization header.
_BEARER_TOKEN: Final = re.compile(r"[A-Za-z0-9\-._~+/]+=*\Z")


@dataclass(frozen=True)
class _Token:
    value: str
    refresh_at: datetime


class TokenCache:
    """Hold one bearer token and say whether it is still fresh."""

    def __init__(self, clock: Clock, *, margin: float = DEFAULT_TOKEN_REFRESH_MARGIN) -> None:
        self._clock = clock
        self._margin = margin
        self._token: _Token | None = None

    def current(self) -> str | None:
        """Return the cached token if it is fresh, else None.

        Raises:
            Nothing.
        """
        token = self._token
        if token is None or self._clock.now() >= token.refresh_at:
            return None
        return token.value

    def store(self, value: str, expires_in: float) -> str:
        """Cache a token that expires `expires_in` seconds from now and return it.

        It is considered stale `margin` seconds before expiry, or 10 % of its lifetime before
        expiry when that is shorter.

        Raises:
            Nothing.
        """
        margin = min(self._margin, 0.1 * max(expires_in, 0.0))
        refresh_at = self._clock.now() + timedelta(seconds=max(expires_in - margin, 0.0))
        self._token = _Token(value, refresh_at)
        return value

    def invalidate(self, value: str) -> None:
        """Forget the cached token if it is still `value` (a newer one is kept).

        Raises:
            Nothing.
        """
        if self._token is not None and self._token.value == value:
            self._token = None

    def __repr__(self) -> str:
        state = "empty" if self._token is None else "filled"
        return f"TokenCache({state})"


class ClientCredentialsAuth(httpx.Auth):
    """Sign requests with a cached client-credentials token; refresh once and retry on a 401."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        auth_url: str,
        audience: str,
        clock: Clock,
        user_agent: str,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._auth_url = auth_url
        self._audience = audience
        self._user_agent = user_agent
        self.cache = TokenCache(clock)
        self._thread_lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None
        register_for_fork(self)

    def _after_fork_in_child(self) -> None:
        # Another thread may have held the lock at the moment of the fork; in the child nobody
        # ever releases it. The cached token stays valid in the child.
        self._thread_lock = threading.Lock()
        self._async_lock = None

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(client_id={self._client_id!r}, auth_url={self._auth_url!r})"

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        body = {
            "audience": self._audience,
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        return httpx.Request(
            "POST",
            self._auth_url,
            content=_json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": self._user_agent,
            },
            extensions={"timeout": request.extensions.get("timeout", {})},
        )

    def _store_token(self, response: httpx.Response) -> str:
        url = str(response.request.url)
        try:
            body: Any = _json.loads(response.content) if response.content else None
        except (ValueError, RecursionError):
            body = response.text
        if response.status_code >= 400:
            raise _token_error(response.status_code, body, url, self._client_secret)

        def unusable(why: str) -> APIResponseValidationError:
            # The body is never kept: it may hold a token, even a malformed one.
            return APIResponseValidationError(
                f"the token endpoint's reply {why}",
                status_code=response.status_code,
                body=None,
                method="POST",
                url=url,
            )

        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise unusable("has no access_token")
        token = body["access_token"]
        if not _BEARER_TOKEN.match(token):
            raise unusable(f"has an access_token that is not a bearer token ({len(token)} chars)")
        return self.cache.store(token, _lifetime(body.get("expires_in"), unusable))

    def token(self, http: httpx.Client) -> str:
        """Return the cached token, or fetch one through `http` and cache it (sync clients).

        For requests sent without the auth flow (an in-process transport); the flow itself
        fetches its token the same way.

        Raises:
            httpx.HTTPError: when the token endpoint cannot be reached.
            AuthenticationError: when the token endpoint rejects the credentials.
            APIStatusError: for other error statuses from the token endpoint.
            APIResponseValidationError: when its reply carries no token.
        """
        token = self.cache.current()
        if token is not None:
            return token
        with self._thread_lock:
            token = self.cache.current()
            if token is None:
                response = http.send(self._token_request(httpx.Request("POST", self._auth_url)))
                response.read()
                token = self._store_token(response)
        return token

    @staticmethod
    def _sign(request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign the request, fetching a token first if needed; on a 401 refresh and retry once.

        Raises:
            AuthenticationError: when the token endpoint rejects the credentials.
            APIStatusError: for other error statuses from the token endpoint.
            APIResponseValidationError: when its reply carries no token.
        """
        token = self.cache.current()
        if token is None:
            with self._thread_lock:
                token = self.cache.current()
                if token is None:
                    response = yield self._token_request(request)
                    response.read()
                    token = self._store_token(response)
        self._sign(request, token)
        response = yield request
        if response.status_code != 401:
            return
        with self._thread_lock:
            self.cache.invalidate(token)
            fresh = self.cache.current()
            if fresh is None:
                token_response = yield self._token_request(request)
                token_response.read()
                fresh = self._store_token(token_response)
        self._sign(request, fresh)
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Sign the request, fetching a token first if needed; on a 401 refresh and retry once.

        Raises:
            AuthenticationError: when the token endpoint rejects the credentials.
            APIStatusError: for other error statuses from the token endpoint.
            APIResponseValidationError: when its reply carries no token.
        """
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        lock = self._async_lock
        token = self.cache.current()
        if token is None:
            async with lock:
                token = self.cache.current()
                if token is None:
                    response = yield self._token_request(request)
                    await response.aread()
                    token = self._store_token(response)
        self._sign(request, token)
        response = yield request
        if response.status_code != 401:
            return
        async with lock:
            self.cache.invalidate(token)
            fresh = self.cache.current()
            if fresh is None:
                token_response = yield self._token_request(request)
                await token_response.aread()
                fresh = self._store_token(token_response)
        self._sign(request, fresh)
        yield request


def _lifetime(expires_in: object, unusable: Callable[[str], APIResponseValidationError]) -> float:
    """Read `expires_in` as seconds: absent means a day; longer than a month means a month.

    Raises:
        APIResponseValidationError: for a value that is not a positive finite number of seconds
            (NaN, infinity, a negative number, a boolean or a string of anything else).
    """
    if expires_in is None:
        return DEFAULT_TOKEN_LIFETIME
    try:
        if isinstance(expires_in, bool):
            raise TypeError("a boolean is not a number of seconds")
        lifetime = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise unusable("has an expires_in that is not a number of seconds") from None
    if not math.isfinite(lifetime) or lifetime <= 0:
        raise unusable("has an expires_in that is not a positive finite number of seconds")
    return min(lifetime, MAX_TOKEN_LIFETIME)


def _token_error(status_code: int, body: object, url: str, secret: str) -> APIStatusError:
    message = f"the token endpoint answered {status_code}"
    messages: list[str] = []
    if isinstance(body, dict):
        for key in ("error_description", "message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                messages.append(value)
            elif isinstance(value, list):
                messages.extend(str(item) for item in value)
    # A token endpoint may quote what it was sent; the secret never reaches an error text.
    messages = [text.replace(secret, "[secret]") if secret else text for text in messages]
    if messages:
        message = messages[0]
    error_class = (
        AuthenticationError if status_code in (400, 401, 403) else status_error_class(status_code)
    )
    return error_class(
        message,
        status_code=status_code,
        messages=messages or [message],
        body=None,
        method="POST",
        url=url,
    )
