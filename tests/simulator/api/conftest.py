"""An Api over an Engine and a ManualClock, driven with ApiRequest values (no sockets)."""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from simulator.api import DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Api
from simulator.api.messages import ApiRequest
from simulator.clock import ManualClock
from simulator.engine import Engine

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@dataclass
class Reply:
    """A response with its JSON body decoded (Decimals for non-integer numbers)."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body, parse_float=Decimal)


class ApiClient:
    """Send requests to an Api the way a transport would, with a bearer token by default."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self._token: str | None = None

    @property
    def token(self) -> str:
        if self._token is None:
            reply = self.request(
                "POST",
                "/oauth/token",
                json={
                    "audience": DEFAULT_AUDIENCE,
                    "grant_type": "client_credentials",
                    "client_id": DEFAULT_CLIENT_ID,
                    "client_secret": DEFAULT_CLIENT_SECRET,
                },
                auth=False,
            )
            assert reply.status == 200, reply.body
            self._token = reply.json["access_token"]
        return self._token

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        body: bytes | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool | str = True,
    ) -> Reply:
        all_headers = {"host": "paigo-simulator.local"}
        if json is not None:
            body = _dumps(json)
            all_headers["content-type"] = "application/json"
        if auth is True:
            all_headers["authorization"] = f"Bearer {self.token}"
        elif isinstance(auth, str):
            all_headers["authorization"] = f"Bearer {auth}"
        all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
        request = ApiRequest(
            method=method,
            path=path,
            query=tuple((query or {}).items()),
            headers=all_headers,
            body=body or b"",
        )
        response = self.api.handle(request)
        if response.status == 401 and auth is True and path != "/oauth/token":
            # The token outlived a clock advance: fetch a new one and retry once, as the SDK does.
            self._token = None
            return self.request(
                method, path, json=json, body=body, query=query, headers=headers, auth=auth
            )
        return Reply(response.status, dict(response.headers), response.body)

    def refresh(self) -> str:
        """Forget the cached token and fetch a new one."""
        self._token = None
        return self.token

    def state(self) -> list[bytes]:
        """The engine's snapshot and everything observable through the API.

        Comparing two of these proves a rejected request changed nothing.
        """
        paths = [
            "/dimensions",
            "/offerings",
            "/measurements",
            "/customers",
            "/webhooks",
            "/settings/profile",
            "/_simulator/usage-records",
        ]
        snapshot = pickle.dumps(self.api.engine.snapshot().state)
        return [snapshot, *(self.get(p).body for p in paths)]

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Reply:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Reply:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, default=str).encode()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def engine(clock: ManualClock) -> Engine:
    return Engine(clock=clock, seed=7)


@pytest.fixture
def api(engine: Engine, clock: ManualClock) -> Api:
    return Api(engine, clock=clock)


@pytest.fixture
def client(api: Api) -> ApiClient:
    return ApiClient(api)
