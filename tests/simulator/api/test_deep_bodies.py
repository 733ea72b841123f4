"""A JSON body nested deeper than the decoder can read is refused with 400, never a 500.

With an `Idempotency-Key`, the idempotency store reads the body for its fingerprint before the
route does; a body nested thousands of levels deep must not escape there as a RecursionError.
Over a real socket the request runs deeper in the stack than in-process, so both are tried.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Simulator

DEPTH = 3_000
NESTED_OBJECT = b'{"customerId":' + b'{"a":' * DEPTH + b"1" + b"}" * (DEPTH + 1)
NESTED_ARRAY = b'{"customerId":' + b"[" * DEPTH + b"1" + b"]" * DEPTH + b"}"
BODIES = {
    "an object nested deep": NESTED_OBJECT,
    "an array nested deep": NESTED_ARRAY,
    "a batch holding one": b"[" + NESTED_OBJECT + b"]",
}
POSTS = ["/usage", "/customers", "/dimensions", "/offerings", "/measurements", "/invoices"]


@pytest.fixture(params=["in-process", "served"])
def http(request: pytest.FixtureRequest) -> Iterator[tuple[Simulator, httpx.Client]]:
    sim = Simulator(array_batches=True)
    if request.param == "in-process":
        with httpx.Client(transport=sim.transport(), base_url="http://paigo-simulator.local") as h:
            yield sim, h
    else:
        with sim.serve() as server, httpx.Client(base_url=server.url, timeout=30) as h:
            yield sim, h
    sim.close()


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
@pytest.mark.parametrize("key", [None, "deep-1"])
def test_a_body_nested_too_deep_is_refused_on_every_post(
    http: tuple[Simulator, httpx.Client], body: bytes, key: str | None
) -> None:
    sim, client = http
    token = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    for path in POSTS:
        reply = client.post(path, content=body, headers=headers)
        assert reply.status_code == 400, (path, reply.text[:300])
        assert reply.json()["statusCode"] == 400
    assert sim.usage_records() == []
    assert sim.client().customers.list() == []
