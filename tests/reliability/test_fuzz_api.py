"""Bad input against every simulator route: always a 4xx in Paigo's shape, never a 500, no change.

Hypothesis builds requests for each family of routes of the route table (Paigo's, the token
endpoint and the simulator's own `/_simulator/` routes): valid bodies with one field dropped,
retyped or added, random JSON, malformed bytes, huge and tiny numbers, bad timestamps, odd
unicode, deep and large metadata, fuzzed path ids and query values, wrong content types, missing
or bad tokens. Each request goes straight to the simulator's handler. Whatever comes back must not
be a 5xx; a rejection must have the error body of its status; and the whole engine state (pickled)
must be byte for byte what it was before a rejected request.
"""

from __future__ import annotations

import json
import pickle
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from paigo_sdk import PaigoClient
from paigo_sdk.errors import ClientValidationError, PaigoError
from simulator import ManualClock, Simulator
from simulator.api.messages import ApiRequest, ApiResponse
from simulator.api.routes import ROUTES, Route
from tests.e2e.conftest import start_server
from tests.reliability.conftest import START, make_catalog

FUZZ_SETTINGS = settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MIB = 1024 * 1024
TOKEN_REQUEST = {
    "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
    "grant_type": "client_credentials",
    "client_id": "paigo-simulator",
    "client_secret": "paigo-simulator-secret",
}


@dataclass
class World:
    """One simulator with a catalog, its token and the state to go back to."""

    sim: Simulator
    token: str
    ids: dict[str, str]
    baseline: Any

    def state(self) -> bytes:
        return pickle.dumps(self.sim.snapshot().state)

    def send(self, request: ApiRequest) -> ApiResponse:
        return self.sim.handler.handle(request)

    def back_to_baseline(self) -> None:
        """Undo an accepted request (state, fault rules, and tokens it may have expired)."""
        self.sim.restore(self.baseline)
        self.sim.faults.clear()
        self.token = issue_token(self.sim)


def issue_token(sim: Simulator) -> str:
    reply = sim.handler.handle(
        ApiRequest(
            "POST",
            "/oauth/token",
            headers={"content-type": "application/json"},
            body=json.dumps(TOKEN_REQUEST).encode(),
        )
    )
    return str(json.loads(reply.body)["access_token"])


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    hooks = httpx.MockTransport(lambda request: httpx.Response(200))
    with Simulator(clock=ManualClock(START), seed=21, webhook_transport=hooks) as sim:
        with sim.client() as client:
            customer_id, dimension_id = make_catalog(client)
            offering_id = client.offerings.list()[0].offering_id
            hook = client.webhooks.subscribe(
                hook_url="http://127.0.0.1:9/hook", webhook_type="INVOICE_CREATED", security_key="k"
            )
            invoice = client.invoices.create(
                customer_id=customer_id,
                items=[{"name": "Setup", "quantity": 1, "unit_cost": 5}],
            )
        assert invoice.invoice_id is not None
        ids = {
            "customerId": customer_id,
            "childId": customer_id,
            "dimensionId": dimension_id,
            "offeringId": offering_id,
            "webhookId": hook.id,
            "invoiceId": invoice.invoice_id,
            "measurementId": "missing-measurement",
            "snapshotId": "missing-snapshot",
        }
        yield World(sim, issue_token(sim), ids, sim.snapshot())


# ----------------------------------------------------------------------------- strategies

ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\ud800",
            "x\udfff",
            "\ude00\ud83d",  # the halves of an emoji in the wrong order
            "\ud83d\ude00",  # a valid pair (an emoji)
            "\udbff\udbff",
            "e\u0301",
            "\u202e-rtl",
            "💸" * 20,
            "x" * 3000,
            "../../etc/passwd",
            "%00",
            "null",
            "1e999",
        ]
    ),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 10**15, 10**15 + 1, -(10**16), 2**63, 10**400]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e-320, 5e-324, 1e308, -0.0, 0.1]),
)
DECIMAL_TEXT = st.one_of(
    st.sampled_from(
        [
            "1E+3",
            "1e5",
            "NaN",
            "Infinity",
            "-inf",
            "0x10",
            "1_000",
            "\uff11\uff12",  # full-width digits
            "1.",
            ".5",
            "+-1",
            "9" * 65,
        ]
    ),
    st.from_regex(r"-?[0-9]{1,70}(\.[0-9]{1,40})?", fullmatch=True),
)
TIMESTAMPS = st.sampled_from(
    [
        "2026-11-24T07:30:00Z",
        "2026-11-24T07:30:00",
        "2026-11-24",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "10000-01-01T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-24T24:00:00Z",
        "2026-11-24T07:30:00+25:00",
        "2026-11-24T07:30:00.123456789Z",
        "2030-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "yesterday",
        "",
    ]
)


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


METADATA = st.one_of(
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=5),
    st.integers(1, 12).map(_deep),
    st.integers(1, 40).map(lambda n: {f"k{i}": "v" * 1024 for i in range(n)}),
    st.just([1, 2, 3]),
    st.just("metadata"),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, ODD_TEXT, TIMESTAMPS, DECIMAL_TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def templates(ids: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """A valid (or nearly valid) body for each write route, as the mutation's starting point."""
    usage = {
        "customerId": ids["customerId"],
        "dimensionId": ids["dimensionId"],
        "recordValue": "2.5",
        "timestamp": "2026-11-24T07:30:00.000Z",
        "metadata": {"region": "eu"},
    }
    return {
        "/usage": usage,
        "/dimensions": {
            "dimensionName": "Fuzz",
            "consumptionUnit": {"type": "count", "unit": "count-based"},
            "usageIncrement": "1",
            "rounding": "ceiling",
            "consumptionPrice": "0.5",
            "aggregationMethod": "sum",
            "aggregationInterval": "hour",
        },
        "/offerings": {
            "offeringName": "Fuzz",
            "dimensionIds": [ids["dimensionId"]],
            "subscriptionPrice": 10,
            "billingCycle": "monthly",
        },
        "/measurements": {
            "measurementMode": "api",
            "measurementName": "Fuzz",
            "measurementConfiguration": {},
        },
        "/customers": {
            "customerName": "Fuzz",
            "email": "fuzz@example.test",
            "paymentChannel": "manual",
            "offeringId": ids["offeringId"],
        },
        "/invoices": {
            "customerId": ids["customerId"],
            "items": [{"name": "x", "quantity": 1, "unitCost": 2}],
        },
        "/webhooks/subscribe": {
            "hookUrl": "http://127.0.0.1:9/h",
            "webhookType": "INVOICE_CREATED",
        },
        "/settings/profile": {"companyName": "Fuzz"},
        "/customers/{customerId}/transactions": {"transactionAmount": "5"},
        "/customers/{customerId}/enrollment": {"offeringId": ids["offeringId"]},
        "/customers/{customerId}/freeTrial": {"freeTrialEndDate": "2026-12-01T00:00:00.000Z"},
        "/oauth/token": TOKEN_REQUEST,
        "/_simulator/faults": {"kind": "status", "status": 503},
        "/_simulator/invoices/period": {
            "customerId": ids["customerId"],
            "startTime": "2026-11-24T07:00:00.000Z",
            "endTime": "2026-11-24T08:00:00.000Z",
        },
        "/_simulator/clock/advance": {"seconds": 1},
        "/_simulator/options": {"deduplication": True},
    }


@st.composite
def mutated(draw: st.DrawFn, template: dict[str, Any]) -> Any:
    """The template with one to three fields dropped, retyped, bent out of range, or added."""
    body: dict[str, Any] = json.loads(json.dumps(template))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["drop", "retype", "extra", "metadata", "timestamp", "num"]))
        keys = sorted(body)
        if action == "drop" and keys:
            body.pop(draw(st.sampled_from(keys)))
        elif action == "retype" and keys:
            body[draw(st.sampled_from(keys))] = draw(JSON_VALUES)
        elif action == "extra":
            body[draw(st.text(min_size=1, max_size=12))] = draw(JSON_VALUES)
        elif action == "metadata":
            body["metadata"] = draw(METADATA)
        elif action == "timestamp":
            body[draw(st.sampled_from([*keys, "timestamp"]))] = draw(TIMESTAMPS)
        elif keys:
            body[draw(st.sampled_from(keys))] = draw(st.one_of(NUMBERS, DECIMAL_TEXT))
    if draw(st.integers(0, 9)) == 0:
        return [body, draw(JSON_VALUES)]  # an array body (batches are disabled here)
    return body


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        None,
    ]
)
QUERY_NAMES = [
    "aggregationInterval",
    "aggregationPurpose",
    "startTime",
    "endTime",
    "ignoreEnrollmentDate",
    "invoice",
    "download",
    "environment",
    "customerId",
    "dimensionId",
    "webhookId",
    "expires",
    "signature",
]


@st.composite
def requests(draw: st.DrawFn, family: list[Route], world: World) -> ApiRequest:
    route = draw(st.sampled_from(family))
    path = route.pattern
    for name in ("customerId", "childId", "dimensionId", "offeringId", "measurementId"):
        path = _fill(draw, path, name, world.ids)
    for name in ("webhookId", "invoiceId", "snapshotId"):
        path = _fill(draw, path, name, world.ids)
    table = templates(world.ids)
    template = table.get(route.pattern)
    body_kind = draw(st.sampled_from(["mutated", "json", "bytes", "none"]))
    body: bytes
    if body_kind == "mutated" and template is not None:
        body = json.dumps(draw(mutated(template))).encode()
    elif body_kind in ("json", "mutated"):
        body = json.dumps(draw(JSON_VALUES)).encode()
    elif body_kind == "bytes":
        body = draw(
            st.one_of(
                st.binary(max_size=64),
                st.sampled_from([b"{", b'{"a":', b"\xff\xfe{}", b"[1,]", b"{'a': 1}", b"NaN"]),
            )
        )
    else:
        body = b""
    headers: dict[str, str] = {"host": "paigo-simulator.local"}
    auth = draw(st.sampled_from(["valid", "valid", "valid", "none", "garbage", "basic"]))
    if auth == "valid":
        headers["authorization"] = f"Bearer {world.token}"
    elif auth == "garbage":
        headers["authorization"] = "Bearer " + draw(st.text(min_size=1, max_size=20))
    elif auth == "basic":
        headers["authorization"] = "Basic cGFpZ286c2VjcmV0"
    content_type = draw(CONTENT_TYPES)
    if content_type is not None and body:
        headers["content-type"] = content_type
    query = tuple(
        (name, value.encode("utf-8", "replace").decode("utf-8"))  # as a server would decode it
        for name, value in draw(
            st.lists(
                st.tuples(
                    st.sampled_from(QUERY_NAMES),
                    st.one_of(ODD_TEXT, TIMESTAMPS, st.sampled_from(["true", "hour", "none"])),
                ),
                max_size=3,
            )
        )
    )
    headers_ascii = {k: v.encode("utf-8", "replace").decode("latin-1") for k, v in headers.items()}
    return ApiRequest(route.method, path, query, headers_ascii, body)


def _fill(draw: st.DrawFn, path: str, name: str, ids: Mapping[str, str]) -> str:
    marker = "{" + name + "}"
    if marker not in path:
        return path
    value = draw(st.one_of(st.just(ids[name]), ODD_TEXT.filter(bool)))
    return path.replace(marker, quote(value.encode("utf-8", "surrogatepass"), safe=""))


FAMILIES: dict[str, list[Route]] = {}
for _route in ROUTES:
    _family = _route.pattern.strip("/").split("/")[0]
    if _family == "_simulator":
        _family = "_simulator/" + _route.pattern.split("/")[2].split("{")[0]
    FAMILIES.setdefault(_family, []).append(_route)


# ----------------------------------------------------------------------------- checks


def assert_paigo_error(response: ApiResponse) -> None:
    """A rejection carries the JSON body Paigo (or its gateway, or its token service) uses."""
    body = json.loads(response.body)
    status = response.status
    if isinstance(body, dict) and set(body) == {"error", "error_description"}:  # token endpoint
        assert status in (400, 401, 403)
        assert isinstance(body["error"], str)
        return
    if status == 401:
        assert body == {"message": "Unauthorized"}
    elif status == 400:
        assert set(body) == {"statusCode", "message", "error"}
        assert body["statusCode"] == 400
        assert body["error"] == "Bad Request"
        assert isinstance(body["message"], list)
        assert body["message"]
        assert all(isinstance(m, str) and m for m in body["message"])
    else:
        names = {403: "Forbidden", 404: "Not Found", 409: "Conflict", 413: "Payload Too Large"}
        assert status in names, (status, body)
        assert body["statusCode"] == status
        assert body["error"] == names[status]
        assert isinstance(body["message"], str)
        assert body["message"]


def check(world: World, request: ApiRequest) -> int:
    """Send one request, check the reply and the state; return the status."""
    world.sim.engine.close_due_cycles()
    before = world.state()
    response = world.send(request)
    assert response.status < 500, (request, response)
    if response.status >= 400:
        assert_paigo_error(response)
        assert world.state() == before, f"state changed by a rejected request: {request!r}"
    else:
        # What was accepted must not break later replies (a stored lone surrogate once made
        # every list endpoint answer 500).
        for path in LISTED:
            listed = world.send(
                ApiRequest("GET", path, headers={"authorization": f"Bearer {world.token}"})
            )
            assert listed.status < 500, (request, path, listed)
        world.back_to_baseline()
    return response.status


LISTED = ("/customers", "/dimensions", "/offerings", "/webhooks", "/_simulator/rejected-requests")


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_route_family_rejects_bad_input_cleanly(world: World, family: str) -> None:
    routes = FAMILIES[family]
    statuses: Counter[int] = Counter()

    @FUZZ_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        statuses[check(world, data.draw(requests(routes, world)))] += 1

    run()
    # Not vacuous: the requests reached the routes' own validation, not only the token check.
    assert sum(n for status, n in statuses.items() if status not in (401, 404)) > 0, statuses


# ----------------------------------------------------------------------------- limits


def _request(world: World, method: str, path: str, body: bytes, **headers: str) -> ApiResponse:
    return world.send(
        ApiRequest(
            method,
            path,
            (),
            {
                "authorization": f"Bearer {world.token}",
                "content-type": "application/json",
                **headers,
            },
            body,
        )
    )


def test_body_over_one_mebibyte_gets_413_and_changes_nothing(world: World) -> None:
    usage = dict(templates(world.ids)["/usage"])
    usage["metadata"] = {"pad": "x" * MIB}
    before = world.state()
    response = _request(world, "POST", "/usage", json.dumps(usage).encode())
    assert response.status == 413
    assert json.loads(response.body) == {
        "statusCode": 413,
        "message": "request entity too large",
        "error": "Payload Too Large",
    }
    assert world.state() == before


def test_just_under_the_body_limit_is_judged_on_content(world: World) -> None:
    usage = dict(templates(world.ids)["/usage"])
    usage["metadata"] = {"pad": "x" * (MIB - 1000)}
    response = _request(world, "POST", "/usage", json.dumps(usage).encode())
    assert response.status == 400  # not 413: the body fits; the metadata is too large
    assert any("metadata" in m for m in json.loads(response.body)["message"])


LIMIT_CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "metadata depth 6": ("/usage", {"metadata": _deep(6)}, "metadata"),
    "metadata over 16 KiB": ("/usage", {"metadata": {"k": "x" * (16 * 1024)}}, "metadata"),
    "id of 256 characters": ("/usage", {"customerId": "c" * 256}, "customerId"),
    "decimal of 65 digits": ("/usage", {"recordValue": "9" * 65}, "recordValue"),
    "name of 256 characters": ("/customers", {"customerName": "n" * 256}, "customerName"),
    "email of 2049 characters": ("/customers", {"email": "e" * 2049}, "email"),
    "number over 1e15": ("/offerings", {"subscriptionPrice": 10**15 + 1}, "subscriptionPrice"),
}


@pytest.mark.parametrize("case", sorted(LIMIT_CASES))
def test_limits_have_clear_errors(world: World, case: str) -> None:
    path, change, field = LIMIT_CASES[case]
    body = {**templates(world.ids)[path], **change}
    before = world.state()
    response = _request(world, "POST", path, json.dumps(body).encode())
    assert response.status == 400, response.body
    messages = json.loads(response.body)["message"]
    assert any(field in m for m in messages), messages
    assert world.state() == before
    # Right at the limit, the same field is accepted.


def test_limits_are_limits_not_lower(world: World) -> None:
    """Just inside every limit, the same request is accepted."""
    body = {
        **templates(world.ids)["/usage"],
        "metadata": _deep(4),
        "recordValue": "9" * 64,
    }
    response = _request(world, "POST", "/usage", json.dumps(body).encode())
    assert response.status == 201, response.body
    world.back_to_baseline()


# ----------------------------------------------------------------------------- the SDK side


class CountingTransport(httpx.BaseTransport):
    """Forward to the simulator and count the requests that reach the wire."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        return self.inner.handle_request(request)


SDK_CASES: dict[str, dict[str, Any]] = {
    "metadata depth 6": {"metadata": _deep(6)},
    "metadata over 16 KiB": {"metadata": {"k": "x" * (17 * 1024)}},
    "id of 256 characters": {"customer_id": "c" * 256},
    "decimal of 70 digits": {"record_value": "1" * 70},
    "float value": {"record_value": 1.5},
    "naive timestamp": {"timestamp": START.replace(tzinfo=None)},
    "bad idempotency key": {"idempotency_key": "has space"},
}


@pytest.mark.parametrize("case", sorted(SDK_CASES))
def test_sdk_validates_limits_before_sending(world: World, case: str) -> None:
    counting = CountingTransport(world.sim.transport())
    client = PaigoClient(
        client_id=world.sim.client_id,
        client_secret="paigo-simulator-secret",
        api_url="http://paigo-simulator.local",
        auth_url="http://paigo-simulator.local/oauth/token",
        transport=counting,
        clock=world.sim.clock,
        max_retries=0,
    )
    kwargs: dict[str, Any] = {
        "customer_id": world.ids["customerId"],
        "dimension_id": world.ids["dimensionId"],
        "record_value": 1,
        "timestamp": START - timedelta(minutes=5),
        **SDK_CASES[case],
    }
    with client, pytest.raises(ClientValidationError):
        client.usage.record(**kwargs)
    assert [s for s in counting.sent if not s.endswith("/oauth/token")] == []


SDK_CALLS: dict[str, Any] = {
    "customer name of 300 characters": lambda client, ids: client.customers.create(
        customer_name="n" * 300, email="a@example.test", payment_channel="manual"
    ),
    "batch body over 1 MiB": lambda client, ids: client.usage.record_batch(
        [
            {
                "customer_id": ids["customerId"],
                "dimension_id": ids["dimensionId"],
                "record_value": "1",
                "timestamp": START - timedelta(minutes=5),
                "metadata": {"pad": "x" * 2000},
            }
            for _ in range(600)
        ]
    ),
}


@pytest.mark.parametrize("case", sorted(SDK_CALLS))
def test_sdk_validates_other_operations_before_sending(world: World, case: str) -> None:
    counting = CountingTransport(world.sim.transport())
    client = PaigoClient(
        client_id=world.sim.client_id,
        client_secret="paigo-simulator-secret",
        api_url="http://paigo-simulator.local",
        auth_url="http://paigo-simulator.local/oauth/token",
        transport=counting,
        clock=world.sim.clock,
        max_retries=0,
    )
    with client, pytest.raises(ClientValidationError):
        SDK_CALLS[case](client, world.ids)
    assert [s for s in counting.sent if not s.endswith("/oauth/token")] == []


# ----------------------------------------------------------------------------- the oracle


class BrokenWorld(World):
    """A world whose handler misbehaves in one chosen way, to show `check` notices."""

    def __init__(self, inner: World, mode: str) -> None:
        super().__init__(inner.sim, inner.token, inner.ids, inner.baseline)
        self.mode = mode

    def send(self, request: ApiRequest) -> ApiResponse:
        if self.mode == "500":
            return ApiResponse(500, (), b'{"statusCode": 500, "message": "Internal server error"}')
        if self.mode == "changes state":
            self.sim.engine.options.deduplication = True
            self.sim.engine.create_measurement(measurement_mode="api", measurement_configuration={})
        return ApiResponse(
            400, (), b'{"statusCode": 400, "message": ["nope"], "error": "Bad Request"}'
        )


@pytest.mark.parametrize("mode", ["500", "changes state"])
def test_the_checks_catch_a_server_error_and_a_state_change(world: World, mode: str) -> None:
    broken = BrokenWorld(world, mode)
    with pytest.raises(AssertionError):
        check(broken, ApiRequest("GET", "/dimensions"))
    world.back_to_baseline()


# ----------------------------------------------------------------------------- over HTTP

LIVE_BODIES: dict[str, tuple[bytes, str | None]] = {
    "truncated JSON": (b'{"customerId": "c', "application/json"),
    "not UTF-8": (b'{"customerId": "\xff\xfe"}', "application/json"),
    "JSON as text/plain": (b'{"customerId": "c"}', "text/plain"),
    "form body": (b"customerId=c&recordValue=1", "application/x-www-form-urlencoded"),
    "no content type": (b'{"customerId": "c"}', None),
    "NaN literal": (b'{"recordValue": NaN}', "application/json"),
    "deep nesting": (b"[" * 5000 + b"]" * 5000, "application/json"),
    "2 MiB": (b'{"metadata": {"pad": "' + b"x" * (2 * MIB) + b'"}}', "application/json"),
    "9 MiB": (b'{"metadata": {"pad": "' + b"x" * (9 * MIB) + b'"}}', "application/json"),
}


def test_live_server_rejects_bad_bodies_cleanly() -> None:
    """The ASGI server's own body handling (reading, size limit) ends in Paigo's replies too."""
    server = start_server()
    try:
        token = server.token()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            before = http.get("/_simulator/usage-records").json()["data"]
            for name, (body, content_type) in LIVE_BODIES.items():
                headers = {"Authorization": f"Bearer {token}"}
                if content_type is not None:
                    headers["Content-Type"] = content_type
                reply = http.post("/usage", content=body, headers=headers)
                expected = 413 if "MiB" in name else 400
                assert reply.status_code == expected, (name, reply.text)
                assert_paigo_error(ApiResponse(reply.status_code, (), reply.content))
            assert http.get("/_simulator/usage-records").json()["data"] == before
            rejected = http.get("/_simulator/rejected-requests").json()["data"]
            assert len(rejected) >= len(LIVE_BODIES) - 1  # the 9 MiB body never reaches the API
    finally:
        assert server.stop() == 0


# ----------------------------------------------------------------------------- SDK = server


OWN_CUSTOMER = "<the catalog's customer>"


@st.composite
def near_limits(draw: st.DrawFn) -> dict[str, Any]:
    """A usage record whose metadata, ids and value sit around the server's limits."""
    depth = draw(st.integers(1, 7))
    size = draw(st.integers(16 * 1024 - 40, 16 * 1024 + 40))
    key = draw(st.sampled_from(["k", "ключ", "💡"]))
    leaf = "x" * max(size - 40 * depth, 1)
    metadata: Any = {key: leaf}
    for level in range(depth - 1):
        metadata = {f"l{level}": metadata}
    return {
        "customer_id": draw(st.sampled_from(["c" * 255, "c" * 256, OWN_CUSTOMER])),
        "record_value": draw(st.sampled_from(["9" * 64, "9" * 65, "1." + "5" * 62, "1"])),
        "metadata": metadata,
    }


@FUZZ_SETTINGS
@given(record=near_limits())
def test_sdk_refuses_exactly_what_the_server_refuses(world: World, record: dict[str, Any]) -> None:
    """Around every limit, the SDK raises before sending if and only if the server answers 400."""
    stamp = START - timedelta(minutes=5)
    if record["customer_id"] == OWN_CUSTOMER:
        record = {**record, "customer_id": world.ids["customerId"]}
    body = {
        "customerId": record["customer_id"],
        "dimensionId": world.ids["dimensionId"],
        "recordValue": record["record_value"],
        "timestamp": "2026-11-24T07:55:00.000Z",
        "metadata": record["metadata"],
    }
    server_reply = _request(world, "POST", "/usage", json.dumps(body).encode())
    world.back_to_baseline()
    counting = CountingTransport(world.sim.transport())
    client = PaigoClient(
        client_id=world.sim.client_id,
        client_secret="paigo-simulator-secret",
        api_url="http://paigo-simulator.local",
        auth_url="http://paigo-simulator.local/oauth/token",
        transport=counting,
        clock=world.sim.clock,
        max_retries=0,
    )
    with client:
        try:
            client.usage.record(
                customer_id=record["customer_id"],
                dimension_id=world.ids["dimensionId"],
                record_value=record["record_value"],
                timestamp=stamp,
                metadata=record["metadata"],
            )
        except ClientValidationError:
            refused_locally = True
        except PaigoError:
            refused_locally = False
        else:
            refused_locally = False
    world.back_to_baseline()
    assert refused_locally == (server_reply.status == 400), (server_reply, record)


# ----------------------------------------------------------------------------- clock moves

WIRE_TIME = "%Y-%m-%dT%H:%M:%SZ"
HUGE_MOVES = st.one_of(
    st.fixed_dictionaries(
        {
            "days": st.one_of(
                st.integers(0, 10**16), st.floats(0, 1e16, allow_nan=False, allow_infinity=False)
            )
        }
    ),
    st.dictionaries(
        st.sampled_from(["days", "hours", "minutes", "seconds"]),
        st.one_of(st.integers(-(10**3), 10**18), st.sampled_from([10**15, 10**15 + 1, 1e300])),
        min_size=1,
    ),
    st.fixed_dictionaries(
        {
            # Hypothesis bounds are naive; the strings are written as UTC.
            "to": st.datetimes(
                min_value=datetime(2000, 1, 1),  # noqa: DTZ001
                max_value=datetime(9999, 12, 31, 23, 59, 59),  # noqa: DTZ001
            ).map(lambda moment: moment.strftime(WIRE_TIME))
        }
    ),
    st.sampled_from(
        [
            {"to": "9999-12-31T23:59:59Z"},
            {"to": "9000-01-01T00:00:00Z"},
            {"to": "9000-01-01T00:00:01Z"},
            {"to": "2026-11-24T07:59:59Z"},
            {"to": "2200-01-01T00:00:00Z", "days": 1},
        ]
    ),
)


@pytest.fixture(scope="module")
def moving() -> Iterator[World]:
    with Simulator(clock=ManualClock(START), seed=22) as sim:
        with sim.client() as client:
            make_catalog(client)
        # Keep each accepted move's catch-up small; past this bound a move is refused.
        sim.engine.options.max_closings_per_move = 40
        yield World(sim, issue_token(sim), {}, sim.snapshot())


@FUZZ_SETTINGS
@given(move=HUGE_MOVES)
def test_huge_clock_moves_are_refused_whole_or_applied(moving: World, move: dict[str, Any]) -> None:
    """A clock move either happens (and every route still answers) or is a 400 changing nothing."""
    sim = moving.sim
    before, now = moving.state(), sim.clock.now()
    reply = sim.handler.handle(
        ApiRequest(
            "POST",
            "/_simulator/clock/advance",
            headers={"content-type": "application/json"},
            body=json.dumps(move).encode(),
        )
    )
    assert reply.status in (200, 400), reply
    if reply.status == 400:
        assert_paigo_error(reply)
        assert sim.clock.now() == now
        assert moving.state() == before
    moving.token = issue_token(sim)  # a big move outlives every token
    for path in LISTED:
        listed = moving.send(
            ApiRequest("GET", path, headers={"authorization": f"Bearer {moving.token}"})
        )
        assert listed.status == 200, (move, path, listed)
    sim.restore(moving.baseline)  # state and clock back to START
