"""Fixtures for the SDK tests: a scripted fake Paigo behind httpx.MockTransport, and fake time."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from paigo_sdk import AsyncPaigoClient, PaigoClient

API = "http://paigo.test"
AUTH = "http://auth.paigo.test/oauth/token"
CLIENT_ID = "client-id-123"
SECRET = "s3cr3t-client-secret-value"
TOKEN = "eyJ-fake-access-token-value"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """A clock that moves only when told to (or when the fake sleep runs)."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@dataclass
class FakePaigo:
    """Answers requests from scripted replies and records every request it sees."""

    routes: dict[tuple[str, str], deque[Reply]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    token_replies: deque[Reply] = field(default_factory=deque)
    tokens_issued: int = 0
    token_lifetime: int = 86400
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, *replies: Reply) -> None:
        """Queue replies for a route; the last one repeats."""
        self.routes.setdefault((method, path), deque()).extend(replies)

    def json(self, method: str, path: str, status: int, body: Any, **headers: str) -> None:
        self.add(method, path, httpx.Response(status, json=body, headers=headers))

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if str(r.url) != AUTH]

    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if str(r.url) == AUTH]

    def _pop(self, queue: deque[Reply], request: httpx.Request) -> httpx.Response:
        reply = queue.popleft() if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        return reply

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            # A snapshot: the SDK re-sends the same Request object after a 401, with a new token.
            self.requests.append(
                httpx.Request(
                    request.method,
                    request.url,
                    headers=request.headers.copy(),
                    content=request.content,
                )
            )
            if str(request.url) == AUTH:
                if self.token_replies:
                    return self._pop(self.token_replies, request)
                self.tokens_issued += 1
                return httpx.Response(
                    200,
                    json={
                        "access_token": f"{TOKEN}-{self.tokens_issued}",
                        "expires_in": self.token_lifetime,
                        "token_type": "Bearer",
                    },
                )
            queue = self.routes.get((request.method, request.url.path))
            if not queue:
                return httpx.Response(
                    404,
                    json={"message": f"no route {request.method} {request.url.path}"},
                )
            return self._pop(queue, request)


def body_of(request: httpx.Request) -> Any:
    """Parse a request's JSON body, keeping numbers exact."""
    from decimal import Decimal

    return json.loads(request.content, parse_float=Decimal) if request.content else None


@pytest.fixture
def fake() -> FakePaigo:
    return FakePaigo()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(fake: FakePaigo, clock: FakeClock) -> Iterator[Callable[..., PaigoClient]]:
    made: list[PaigoClient] = []

    def make(**options: Any) -> PaigoClient:
        settings: dict[str, Any] = {
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "api_url": API,
            "auth_url": AUTH,
            "transport": httpx.MockTransport(fake),
            "clock": clock,
            "sleep": clock.sleep,
        }
        settings.update(options)
        client = PaigoClient(**settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., PaigoClient]) -> PaigoClient:
    return make_client()


@pytest.fixture
def make_async_client(fake: FakePaigo, clock: FakeClock) -> Callable[..., AsyncPaigoClient]:
    def make(**options: Any) -> AsyncPaigoClient:
        settings: dict[str, Any] = {
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "api_url": API,
            "auth_url": AUTH,
            "transport": httpx.MockTransport(fake),
            "clock": clock,
            "sleep": clock.async_sleep,
        }
        settings.update(options)
        return AsyncPaigoClient(**settings)

    return make
