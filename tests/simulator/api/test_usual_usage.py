"""The short way for the usual `POST /usage` answers exactly as the general path does.

`record_usual_usage` answers one valid single record without routing; everything else must be
left, untouched, to `Api`'s general path. The same requests are sent to two simulators built
alike, one with the short way turned off, and every reply and the final state must match.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

import simulator.api
from simulator.api import Api
from simulator.api.messages import ApiRequest
from simulator.api.usage import record_usual_usage
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


STEPS: list[Step] = [
    _post(_record, "k1"),
    _post(_record, "k1"),  # replayed
    _post(lambda ids: _record(ids, recordValue="2"), "k1"),  # 409
    _raw(lambda ids: json.dumps(dict(reversed(_record(ids).items())), indent=2), "k1"),  # replay
    _post(_record),  # no key
    _post(lambda ids: _record(ids, customerId="missing"), "k2"),  # 404
    _post(lambda ids: _record(ids, dimensionId="missing"), "k3"),  # 404
    _post(lambda ids: _record(ids, timestamp="2026-11-24T09:00:00.000Z"), "k4"),  # too far ahead
    _post(lambda ids: _record(ids, recordValue="abc"), "k5"),  # 400
    _post(lambda ids: {"customerId": ids["customer"]}, "k6"),  # 400, fields missing
    _post(_record, "a key"),  # malformed key
    _post(lambda ids: [_record(ids)], "k7"),  # a batch, not enabled
    _post(lambda ids: _record(ids, metadata={"region": "caf\u00e9"}), "k8"),  # an escape
    _post(lambda ids: _record(ids, metadata={"region": "\ud800"}), "k21"),  # a lone surrogate
    _raw(lambda ids: json.dumps(_record(ids, metadata={"r": "é"}), ensure_ascii=False), "k9"),
    _raw(lambda ids: json.dumps(_record(ids)), "k10", **{"content-type": "application/json; a=b"}),
    _post(_record, "k11", query={"invoice": "false"}),
    _post(_record, "k12", auth=False),  # 401
    _post(_record, "k13", auth="not-a-token"),  # 401
    _portal,  # 403
    _post({}, "k14", body=b""),  # blank body
    _post({}, "k15", body=b'{"recordValue": NaN}'),
    _post({}, "k16", body=b"{not json"),
    _post(lambda ids: _record(ids, metadata={"n": 1.0, "m": 2}), "k17"),
    _post(lambda ids: _record(ids, metadata={"n": 1}), "k17"),  # 409: numbers keep their text
    _post(_record, "k18", headers={"X-Note": "caf\udce9"}),  # a header that is not text
    _later,
    _post(lambda ids: _record(ids, recordValue="3"), "k19"),
    _dedup_off,
    _post(lambda ids: _record(ids, recordValue="4"), "k19"),  # the engine replays it
    _post(lambda ids: _record(ids, recordValue="5"), "k20"),
]


def _run(short_way: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[bytes]]:
    with monkeypatch.context() as patch:
        if not short_way:
            patch.setattr(simulator.api, "record_usual_usage", lambda api, request: None)
        clock = ManualClock(START)
        client = ApiClient(Api(Engine(clock=clock, seed=3), clock=clock))
        ids = {
            "dimension": client.post("/dimensions", json=DIMENSION).json["dimensionId"],
            "customer": client.post("/customers", json=CUSTOMER).json["customerId"],
        }
        replies = []
        for step in STEPS:
            reply = step(client, ids)
            replies.append(None if reply is None else (reply.status, reply.headers, reply.body))
        rejected = [(r.method, r.path, r.status, r.messages) for r in client.api.rejected_requests]
        return [*replies, rejected], client.state()


def test_the_short_way_answers_every_request_as_the_general_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    short_replies, short_state = _run(True, monkeypatch)
    general_replies, general_state = _run(False, monkeypatch)
    assert short_replies == general_replies
    assert short_state == general_state
    statuses = [r[0] for r in short_replies[:-1] if r is not None]
    assert statuses.count(201) >= 6
    assert {400, 401, 403, 404, 409} <= set(statuses)


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


def test_the_usual_record_is_answered_the_short_way(
    api: Api, client: ApiClient, ids: dict[str, str]
) -> None:
    request = _request(client, json.dumps(_record(ids)).encode(), **{"idempotency-key": "s1"})
    reply = record_usual_usage(api, request)
    assert reply is not None
    assert reply.status == 201
    assert len(client.get("/_simulator/usage-records").json["data"]) == 1


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'[{"customerId": "x"}]', {}),
        (b'{"customerId": "x"}', {}),
        (b'{"customerId": "caf\\u00e9"}', {}),
        (b'{"customerId": "\\ud800"}', {}),
        (None, {"idempotency-key": "a b"}),
        (None, {"content-type": "text/plain"}),
        (None, {"authorization": "Bearer expired"}),
        (None, {"x-note": "caf\udce9"}),
    ],
)
def test_anything_unusual_is_left_to_the_general_path_untouched(
    api: Api, client: ApiClient, ids: dict[str, str], body: bytes | None, headers: dict[str, str]
) -> None:
    request = _request(client, body or json.dumps(_record(ids)).encode(), **headers)
    before = client.state()
    assert record_usual_usage(api, request) is None
    assert client.state() == before
