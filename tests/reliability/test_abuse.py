"""`paigo-simulator serve` stays up under abuse, checked over real loopback sockets.

Text that is not valid Unicode, cross-site requests, and every later request still answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ServerProcess, start_server

CUSTOMER = {"email": "a@b.test", "paymentChannel": "manual"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    process = start_server("--seed", "3", "--manual-clock", "--start", "2026-11-24T08:00:00Z")
    yield process
    process.stop()


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        client.post("/_simulator/reset").raise_for_status()
        client.headers["authorization"] = f"Bearer {server.token()}"
        yield client


def error(reply: httpx.Response, status: int) -> Any:
    """Assert `reply` is a `status` refusal in NestJS's shape and return its messages."""
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["statusCode"] == status
    return body["message"]


# ----------------------------------------------------------------------------- not Unicode


def test_a_lone_surrogate_is_refused_and_the_lists_keep_working(http: httpx.Client) -> None:
    raw = json.dumps({"customerName": "\ud800", **CUSTOMER}).encode()
    assert b"\\ud800" in raw
    reply = http.post("/customers", content=raw, headers={"content-type": "application/json"})
    assert error(reply, 400) == [
        "request body holds a string that is not valid Unicode (a lone surrogate)"
    ]
    metadata = json.dumps({"metadata": {"k": "\udfff"}, **CUSTOMER, "customerName": "M"})
    reply = http.post("/customers", content=metadata, headers={"content-type": "application/json"})
    error(reply, 400)
    listed = http.get("/customers")
    assert listed.status_code == 200
    assert listed.json()["data"] == []
    assert http.get("/_simulator/rejected-requests").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/customers?customerName=%ED%A0%80",
        "/customers?name=%FF",
        "/customers/%ED%A0%80",
        "/customers/%C0%AF",
    ],
)
def test_urls_that_are_not_utf8_are_400s(http: httpx.Client, url: str) -> None:
    messages = error(http.get(url), 400)
    assert any("not valid UTF-8" in m for m in messages)


def test_credentials_that_are_not_utf8_are_refused(server: ServerProcess) -> None:
    form = httpx.post(
        server.auth_url,
        content=b"grant_type=client_credentials&client_id=%ED%A0%80&client_secret=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert form.status_code == 400
    assert form.json()["error"] == "invalid_request"
    body = b'{"grant_type": "client_credentials", "client_id": "a", "client_secret": "\\ud800"}'
    reply = httpx.post(
        server.auth_url, content=body, headers={"content-type": "application/json"}, timeout=30
    )
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_request"
    assert server.token()  # the endpoint still issues tokens


# ----------------------------------------------------------------------------- clock moves


def enrol_a_customer(http: httpx.Client) -> None:
    dimension = http.post(
        "/dimensions",
        json={
            "dimensionName": "Calls",
            "consumptionUnit": {"type": "count", "unit": "count-based"},
            "usageIncrement": "1",
            "rounding": "ceiling",
            "consumptionPrice": "0.01",
            "aggregationMethod": "sum",
            "aggregationInterval": "hour",
        },
    ).json()
    offering = http.post(
        "/offerings",
        json={"offeringName": "Metered", "dimensionIds": [dimension["dimensionId"]]},
    ).json()
    reply = http.post(
        "/customers",
        json={"customerName": "Acme", **CUSTOMER, "offeringId": offering["offeringId"]},
    )
    assert reply.status_code == 201, reply.text


@pytest.mark.parametrize(
    "move",
    [
        {"to": "9999-12-31T23:59:59Z"},
        {"days": 999_999_999_999},
        {"days": 365 * 850},  # about 10200 monthly cycles: more than one move may close
    ],
)
def test_a_refused_clock_move_changes_nothing_and_routes_keep_answering(
    http: httpx.Client, move: dict[str, Any]
) -> None:
    enrol_a_customer(http)
    before = http.get("/_simulator/clock").json()["now"]
    snapshot = http.get("/customers").json()
    reply = http.post("/_simulator/clock/advance", json=move)
    messages = error(reply, 400)
    assert any("clock" in m for m in messages)
    assert http.get("/_simulator/clock").json()["now"] == before
    assert http.get("/customers").json() == snapshot
    assert http.get("/_simulator/rejected-requests").status_code == 200
    ok = http.post("/_simulator/clock/advance", json={"days": 1})
    assert ok.status_code == 200, ok.text
