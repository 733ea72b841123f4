"""`POST /usage` through the general request path: the usual single record and its neighbours.

One sequence of requests (usual records, replays, conflicts, and every kind of refusal) is sent
to one `Api`; each reply, the rejected-request log and the stored records must be exactly what
Paigo's contract and the simulator's choices (B2) say, and a refused request changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

import pytest

from simulator.api import Api
from simulator.api.messages import ApiRequest
from simulator.clock import ManualClock
from simulator.engine import Engine
from tests.simulator.api.conftest import START, ApiClient

DIMENSION = {
    "dimensionName": "API calls",
    "consumptionUnit": {"type": "count", "unit": "count-based"},
    "usageIncrement": "1",
    "rounding": "ceiling",
    "consumptionPrice": "0.01",
}
CUSTOMER = {"customerName": "Dumm AI Corp", "email": "billing@dumm.ai", "paymentChannel": "manual"}
JSON = {"content-type": "application/json"}

Step = Callable[[ApiClient, dict[str, str]], Any]


def _record(ids: dict[str, str], **changes: Any) -> dict[str, Any]:
    return {
        "customerId": ids["customer"],
        "dimensionId": ids["dimension"],
        "recordValue": "1.5",
        "timestamp": "2026-11-24T07:30:00.000Z",
        **changes,
    }


def _post(record: Any, key: str | None = None, **options: Any) -> Step:
    def step(client: ApiClient, ids: dict[str, str]) -> Any:
        value = record(ids) if callable(record) else record
        rest = dict(options)
        headers = dict(rest.pop("headers", {}))
        if key is not None:
            headers["Idempotency-Key"] = key
        if "body" in rest:
            return client.post("/usage", headers={**JSON, **headers}, **rest)
        return client.post("/usage", json=value, headers=headers, **rest)

    return step


def _raw(text: Callable[[dict[str, str]], str], key: str, **headers: str) -> Step:
    def step(client: ApiClient, ids: dict[str, str]) -> Any:
        return client.post(
            "/usage",
            body=text(ids).encode(),
            headers={**JSON, "Idempotency-Key": key, **headers},
        )

    return step


def _dedup_off(client: ApiClient, ids: dict[str, str]) -> Any:
    client.api.engine.options.deduplication = False


def _portal(client: ApiClient, ids: dict[str, str]) -> Any:
    token = client.api.tokens.issue_portal_token(
        client_id="portal-test", customer_id=ids["customer"]
    )
    return client.post("/usage", json=_record(ids), auth=token)


def _later(client: ApiClient, ids: dict[str, str]) -> Any:
    clock = client.api.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=1))


class Expected(NamedTuple):
    """What one step must be answered: status, whether replayed, and the reply's message."""

    status: int
    message: str | list[str] | None = None
    replayed: bool = False


CREATED = Expected(201, "Usage record created")
REPLAYED = Expected(201, "Usage record created", replayed=True)
UNAUTHORIZED = Expected(401, "Unauthorized")
KEY_FORM = "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces or commas"
DECIMAL_FORM = (
    'recordValue must be a plain decimal string such as "12.5" (optional sign, digits, optional '
    "fraction; no exponent, NaN or Infinity; at most 64 characters)"
)


def _reused(key: str) -> Expected:
    return Expected(
        409,
        f"Idempotency-Key '{key}' was already used with a different request; "
        "send a new key for a new request",
    )


def _empty(*names: str) -> Expected:
    return Expected(400, [f"{name} should not be empty" for name in names])


STEPS: list[tuple[Step, Expected | None]] = [
    (_post(_record, "k1"), CREATED),
    (_post(_record, "k1"), REPLAYED),
    (_post(lambda ids: _record(ids, recordValue="2"), "k1"), _reused("k1")),
    # The same record re-serialised (keys reversed, indented) is the same request.
    (
        _raw(lambda ids: json.dumps(dict(reversed(_record(ids).items())), indent=2), "k1"),
        REPLAYED,
    ),
    (_post(_record), CREATED),  # no key
    (
        _post(lambda ids: _record(ids, customerId="missing"), "k2"),
        Expected(404, "Customer with ID: missing not found"),
    ),
    (
        _post(lambda ids: _record(ids, dimensionId="missing"), "k3"),
        Expected(404, "No Dimensions found with ID: missing"),
    ),
    (
        _post(lambda ids: _record(ids, timestamp="2026-11-24T09:00:00.000Z"), "k4"),
        Expected(400, ["timestamp must not be more than 5 minutes in the future"]),
    ),
    (_post(lambda ids: _record(ids, recordValue="abc"), "k5"), Expected(400, [DECIMAL_FORM])),
    (
        _post(lambda ids: {"customerId": ids["customer"]}, "k6"),
        _empty("dimensionId", "timestamp", "recordValue"),
    ),
    (_post(_record, "a key"), Expected(400, [KEY_FORM])),
    (
        _post(lambda ids: [_record(ids)], "k7"),
        Expected(400, ["usage batches are not enabled on this server"]),
    ),
    (_post(lambda ids: _record(ids, metadata={"region": "caf\u00e9"}), "k8"), CREATED),  # \u00e9
    (
        _post(lambda ids: _record(ids, metadata={"region": "\ud800"}), "k21"),
        Expected(400, ["request body holds a string that is not valid Unicode (a lone surrogate)"]),
    ),
    (
        _raw(lambda ids: json.dumps(_record(ids, metadata={"r": "é"}), ensure_ascii=False), "k9"),
        CREATED,
    ),
    (
        _raw(
            lambda ids: json.dumps(_record(ids)), "k10", **{"content-type": "application/json; a=b"}
        ),
        CREATED,
    ),
    (_post(_record, "k11", query={"invoice": "false"}), CREATED),
    (_post(_record, "k12", auth=False), UNAUTHORIZED),
    (_post(_record, "k13", auth="not-a-token"), UNAUTHORIZED),
    (_portal, Expected(403, "Forbidden resource")),
    # A blank body reads as `{}`, as NestJS's body parser does.
    (_post({}, "k14", body=b""), _empty("dimensionId", "timestamp", "customerId", "recordValue")),
    (
        _post({}, "k15", body=b'{"recordValue": NaN}'),
        Expected(400, ["request body is not valid JSON: NaN is not a JSON value"]),
    ),
    (
        _post({}, "k16", body=b"{not json"),
        Expected(
            400,
            [
                "request body is not valid JSON: Expecting property name enclosed in double "
                "quotes at position 1"
            ],
        ),
    ),
    (_post(lambda ids: _record(ids, metadata={"n": 1.0, "m": 2}), "k17"), CREATED),
    # Numbers keep their text: `1` is not the `1.0` the key was first used with.
    (_post(lambda ids: _record(ids, metadata={"n": 1}), "k17"), _reused("k17")),
    (
        _post(_record, "k18", headers={"X-Note": "caf\udce9"}),
        Expected(400, ["the 'x-note' header is not valid text"]),
    ),
    (_later, None),
    (_post(lambda ids: _record(ids, recordValue="3"), "k19"), CREATED),
    (_dedup_off, None),
    # Without deduplication a repeated key is stored again, as a double-counting server does.
    (_post(lambda ids: _record(ids, recordValue="4"), "k19"), CREATED),
    (_post(lambda ids: _record(ids, recordValue="5"), "k20"), CREATED),
]
STORED_VALUES = ["1.5"] * 7 + ["3", "4", "5"]
"""`recordValue` of each record stored by `STEPS`, in arrival order."""


def _message(body: bytes) -> Any:
    return json.loads(body)["message"]


def test_every_usage_request_is_answered_as_the_contract_says() -> None:
    clock = ManualClock(START)
    client = ApiClient(Api(Engine(clock=clock, seed=3), clock=clock))
    ids = {
        "dimension": client.post("/dimensions", json=DIMENSION).json["dimensionId"],
        "customer": client.post("/customers", json=CUSTOMER).json["customerId"],
    }
    refusals = []
    for number, (step, expected) in enumerate(STEPS):
        reply = step(client, ids)
        if expected is None:
            assert reply is None
            continue
        headers = {"content-type": "application/json; charset=utf-8"}
        if expected.replayed:
            headers["idempotent-replayed"] = "true"
        if expected.status == 401:
            headers["www-authenticate"] = "Bearer"
        answer = (reply.status, _message(reply.body), reply.headers)
        assert answer == (expected.status, expected.message, headers), f"step {number}"
        if expected.status >= 400:
            messages = expected.message
            refusals.append(
                (
                    expected.status,
                    tuple([messages] if isinstance(messages, str) else messages or []),
                )
            )
    logged = [(r.method, r.path) for r in client.api.rejected_requests]
    assert logged == [("POST", "/usage")] * len(refusals)
    assert [(r.status, r.messages) for r in client.api.rejected_requests] == refusals
    stored = client.get("/_simulator/usage-records").json["data"]
    assert [r["recordValue"] for r in stored] == STORED_VALUES
    assert {r["customerId"] for r in stored} == {ids["customer"]}
    assert [r["metadata"] for r in stored[2:4]] == [{"region": "caf\u00e9"}, {"r": "é"}]


@pytest.fixture
def ids(client: ApiClient) -> dict[str, str]:
    return {
        "dimension": client.post("/dimensions", json=DIMENSION).json["dimensionId"],
        "customer": client.post("/customers", json=CUSTOMER).json["customerId"],
    }


def _request(client: ApiClient, body: bytes, **headers: str) -> ApiRequest:
    return ApiRequest(
        "POST",
        "/usage",
        headers={"authorization": f"Bearer {client.token}", **JSON, **headers},
        body=body,
    )


def test_the_usual_record_is_stored_once(api: Api, client: ApiClient, ids: dict[str, str]) -> None:
    request = _request(client, json.dumps(_record(ids)).encode(), **{"idempotency-key": "s1"})
    first, again = api.handle(request), api.handle(request)
    assert (first.status, first.body) == (201, b'{"message":"Usage record created"}')
    assert (again.status, again.body) == (first.status, first.body)
    assert ("idempotent-replayed", "true") in again.headers
    assert len(client.get("/_simulator/usage-records").json["data"]) == 1


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b'[{"customerId": "x"}]', {}, 400),
        (b'{"customerId": "x"}', {}, 400),
        (b'{"customerId": "caf\\u00e9"}', {}, 400),
        (b'{"customerId": "\\ud800"}', {}, 400),
        (None, {"idempotency-key": "a b"}, 400),
        (None, {"content-type": "text/plain"}, 400),
        (None, {"authorization": "Bearer expired"}, 401),
        (None, {"x-note": "caf\udce9"}, 400),
    ],
)
def test_a_refused_usage_request_changes_nothing(
    api: Api,
    client: ApiClient,
    ids: dict[str, str],
    body: bytes | None,
    headers: dict[str, str],
    status: int,
) -> None:
    request = _request(client, body or json.dumps(_record(ids)).encode(), **headers)
    before = client.state()
    assert api.handle(request).status == status
    assert client.state() == before
