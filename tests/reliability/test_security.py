"""A locked-down simulator: loopback by default, tokens everywhere, fenced admin, no leaks."""

from __future__ import annotations

import json
import logging
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

import simulator.server
from paigo_sdk import PaigoClient
from paigo_sdk.errors import AuthenticationError, PaigoError
from simulator import ManualClock, Simulator
from simulator._cli import build_parser, exposure_warning, main
from simulator.api.messages import ApiRequest, ApiResponse
from simulator.api.routes import ROUTES
from simulator.server import is_loopback
from tests.e2e.conftest import start_server
from tests.reliability.conftest import START, make_catalog, no_sleep

SECRET = "s3cr3t-Client-Secret-7f9a"
ADMIN_TOKEN = "adm1n-Token-e4c2"
HOOK_KEY = "whsec-Hook-Key-91b0"
AUDIENCE = "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com"


# ----------------------------------------------------------------------------- binding


def test_serve_binds_loopback_by_default() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1"
    assert is_loopback(args.host)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("10.0.0.1", False),
        ("example.com", False),
    ],
)
def test_loopback_decision(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


class NeverServes:
    """Stands in for `SimulatorServer`: binds nothing, serves nothing."""

    def __init__(self, app: object, *, host: str, port: int, **options: object) -> None:
        self.url = simulator.server.format_base_url(host, port or 8787)

    def run(self) -> None:
        return None


@pytest.mark.parametrize(
    ("extra", "warned"),
    [
        (["--host", "0.0.0.0"], True),
        (["--host", "192.168.1.20"], True),
        (["--host", "127.0.0.1"], False),
        ([], False),
    ],
)
def test_cli_warns_loudly_off_loopback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    warned: bool,
) -> None:
    monkeypatch.setattr(simulator.server, "SimulatorServer", NeverServes)
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", "0", *extra])
    assert exit_info.value.code == 0
    err = capsys.readouterr().err
    if warned:
        assert "WARNING" in err
        assert f"listening on {extra[1]}" in err
        assert "not a loopback address" in err
        assert "/_simulator/" in err  # admin routes are open unless a token or --no-admin
    else:
        assert "WARNING" not in err


def test_cli_warning_mentions_no_admin_exposure_when_protected(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(simulator.server, "SimulatorServer", NeverServes)
    with pytest.raises(SystemExit):
        main(["serve", "--port", "0", "--host", "0.0.0.0", "--admin-token", ADMIN_TOKEN])
    captured = capsys.readouterr()
    assert "WARNING" in captured.err
    assert "/_simulator/" not in captured.err
    assert ADMIN_TOKEN not in captured.out + captured.err


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "203.0.113.7"])
def test_exposure_warning_decision(host: str) -> None:
    open_admin = exposure_warning(host, admin_enabled=True, admin_token=None)
    assert open_admin is not None
    assert host in open_admin
    assert "/_simulator/" in open_admin
    fenced = exposure_warning(host, admin_enabled=True, admin_token=ADMIN_TOKEN)
    assert fenced is not None
    assert "/_simulator/" not in fenced
    assert ADMIN_TOKEN not in fenced
    assert exposure_warning(host, admin_enabled=False, admin_token=None) is not None
    assert exposure_warning("127.0.0.1", admin_enabled=True, admin_token=None) is None


# ----------------------------------------------------------------------------- bearer tokens


@dataclass
class Secured:
    sim: Simulator
    customer_id: str
    other_customer_id: str
    dimension_id: str
    other_invoice_id: str

    def send(self, method: str, path: str, token: str | None = None, **kw: Any) -> ApiResponse:
        headers = {"content-type": "application/json", **kw.pop("headers", {})}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        body = kw.pop("body", b"")
        return self.sim.handler.handle(ApiRequest(method, path, (), headers, body))

    def token(self) -> str:
        reply = self.send(
            "POST",
            "/oauth/token",
            body=json.dumps(
                {
                    "audience": AUDIENCE,
                    "grant_type": "client_credentials",
                    "client_id": "paigo-simulator",
                    "client_secret": SECRET,
                }
            ).encode(),
        )
        assert reply.status == 200
        return str(json.loads(reply.body)["access_token"])

    def state(self) -> bytes:
        return pickle.dumps(self.sim.snapshot().state)


@pytest.fixture
def secured() -> Iterator[Secured]:
    hooks = httpx.MockTransport(lambda r: httpx.Response(200))
    with Simulator(
        clock=ManualClock(START),
        seed=3,
        client_secret=SECRET,
        admin_token=ADMIN_TOKEN,
        webhook_transport=hooks,
    ) as sim:
        with sim.client() as client:
            customer_id, dimension_id = make_catalog(client)
            other = client.customers.create(
                customer_name="Other", email="o@example.test", payment_channel="manual"
            )
            invoice = client.invoices.create(
                customer_id=other.customer_id,
                items=[{"name": "Setup", "quantity": 1, "unit_cost": 5}],
            )
        assert invoice.invoice_id is not None
        yield Secured(sim, customer_id, other.customer_id, dimension_id, invoice.invoice_id)


PAIGO_ROUTES = [r for r in ROUTES if r.access in ("paigo", "portal")]


def _path(pattern: str, secured: Secured) -> str:
    return (
        pattern.replace("{customerId}", secured.customer_id)
        .replace("{childId}", secured.other_customer_id)
        .replace("{dimensionId}", secured.dimension_id)
        .replace("{offeringId}", "o")
        .replace("{measurementId}", "m")
        .replace("{webhookId}", "w")
        .replace("{invoiceId}", secured.other_invoice_id)
    )


def test_the_route_table_has_every_paigo_operation() -> None:
    assert len(PAIGO_ROUTES) == 48


@pytest.mark.parametrize(
    "credential", ["none", "garbage", "basic", "expired", "revoked", "admin token", "secret"]
)
def test_every_paigo_route_requires_a_valid_bearer_token(secured: Secured, credential: str) -> None:
    token: str | None
    headers: dict[str, str] = {}
    if credential == "none":
        token = None
    elif credential == "garbage":
        token = "eyJhbGciOiJub25lIn0.e30."
    elif credential == "basic":
        token = None
        headers["authorization"] = "Basic cGFpZ28tc2ltdWxhdG9yOnNlY3JldA=="
    elif credential == "expired":
        token = secured.token()
        secured.sim.advance(days=2)
    elif credential == "revoked":
        token = secured.token()
        assert secured.sim.api.revoke_token(token)
    elif credential == "admin token":
        token = ADMIN_TOKEN
    else:
        token = SECRET
    before = secured.state()
    for route in PAIGO_ROUTES:
        path = _path(route.pattern, secured)
        reply = secured.send(route.method, path, token, headers=headers, body=b"{}")
        assert reply.status == 401, (route.method, path, reply)
        assert json.loads(reply.body) == {"message": "Unauthorized"}
    if credential != "expired":  # advancing the clock two days may close cycles
        assert secured.state() == before


def test_a_valid_token_opens_the_routes(secured: Secured) -> None:
    """The control for the test above: the same requests with a token are not refused as 401."""
    token = secured.token()
    statuses = {
        (r.method, r.pattern): secured.send(r.method, _path(r.pattern, secured), token).status
        for r in PAIGO_ROUTES
        if r.method == "GET"
    }
    assert 401 not in statuses.values()
    assert statuses["GET", "/dimensions"] == 200


# ----------------------------------------------------------------------------- portal tokens


def test_portal_tokens_see_only_their_own_customer(secured: Secured) -> None:
    token = secured.token()
    reply = secured.send("GET", f"/customers/{secured.customer_id}/token", token)
    assert reply.status == 200
    portal = str(json.loads(reply.body)["access_token"])
    own = secured.customer_id
    other = secured.other_customer_id
    for route in PAIGO_ROUTES:
        for customer in (own, other):
            path = _path(route.pattern.replace("{customerId}", customer), secured)
            reply = secured.send(route.method, path, portal)
            if route.access == "portal" and customer == own and "{invoiceId}" not in route.pattern:
                assert reply.status not in (401, 403), (route.method, path, reply)
            else:
                assert reply.status in (403, 404), (route.method, path, reply)
    # The other customer's invoice is out of reach, though the route admits portal tokens.
    reply = secured.send("GET", f"/invoices/{secured.other_invoice_id}", portal)
    assert reply.status in (403, 404)
    assert secured.other_invoice_id.encode() not in reply.body


# ----------------------------------------------------------------------------- admin routes


ADMIN_PROBES = [
    ("GET", "/_simulator/clock"),
    ("POST", "/_simulator/reset"),
    ("POST", "/_simulator/snapshots"),
    ("GET", "/_simulator/usage-records"),
    ("GET", "/_simulator/options"),
    ("POST", "/_simulator/tokens/expire"),
    ("GET", "/_simulator/faults"),
    ("DELETE", "/_simulator/faults"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_PROBES)
def test_admin_routes_need_their_own_token(secured: Secured, method: str, path: str) -> None:
    api_token = secured.token()
    before = secured.state()
    for token in (None, "wrong", api_token, SECRET):
        reply = secured.send(method, path, token)
        assert reply.status == 401, (token, reply)
    reply = secured.send(method, path, headers={"x-simulator-admin-token": "wrong"})
    assert reply.status == 401
    assert secured.state() == before
    reply = secured.send(method, path, headers={"x-simulator-admin-token": ADMIN_TOKEN})
    assert reply.status in (200, 201), reply


@pytest.mark.parametrize(("method", "path"), ADMIN_PROBES)
def test_admin_routes_can_be_disabled(method: str, path: str) -> None:
    with Simulator(admin_enabled=False) as sim:
        reply = sim.handler.handle(ApiRequest(method, path))
        assert reply.status == 404
        assert json.loads(reply.body)["statusCode"] == 404


# ----------------------------------------------------------------------------- webhooks


def test_webhook_deliveries_carry_the_security_key() -> None:
    sent: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    with Simulator(
        clock=ManualClock(START),
        webhook_transport=httpx.MockTransport(receive),
    ) as sim:
        with sim.client() as client:
            client.webhooks.subscribe(
                hook_url="http://127.0.0.1:9/keyed",
                webhook_type="CUSTOMER_CREATED",
                security_key=HOOK_KEY,
            )
            client.webhooks.subscribe(
                hook_url="http://127.0.0.1:9/plain", webhook_type="CUSTOMER_CREATED"
            )
            client.customers.create(
                customer_name="Hooked", email="h@example.test", payment_channel="manual"
            )
        assert sim.wait_for_webhooks(10)
    by_url = {str(r.url): r for r in sent}
    assert by_url["http://127.0.0.1:9/keyed"].headers["x-paigo-security"] == HOOK_KEY
    assert "x-paigo-security" not in by_url["http://127.0.0.1:9/plain"].headers
    # The key goes only in the header, never in the payload.
    assert HOOK_KEY.encode() not in by_url["http://127.0.0.1:9/keyed"].content


# ----------------------------------------------------------------------------- no leaks


class Recording(httpx.BaseTransport):
    """Forward to the simulator and keep every bearer token seen on the wire."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.tokens: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value:
            self.tokens.add(value)
        response = self.inner.handle_request(request)
        if request.url.path == "/oauth/token" and response.status_code == 200:
            response.read()
            self.tokens.add(response.json()["access_token"])
        return response


def test_secrets_never_reach_logs_errors_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    received: list[httpx.Request] = []

    def failing_receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)  # the first attempt fails (and is logged), the retry succeeds
        return httpx.Response(500 if len(received) == 1 else 200)

    hooks = httpx.MockTransport(failing_receiver)
    texts: list[str] = []
    with Simulator(
        clock=ManualClock(START),
        seed=8,
        client_secret=SECRET,
        admin_token=ADMIN_TOKEN,
        webhook_transport=hooks,
    ) as sim:
        recording = Recording(sim.transport())
        client = PaigoClient(
            client_id="paigo-simulator",
            client_secret=SECRET,
            api_url="http://paigo-simulator.local",
            auth_url="http://paigo-simulator.local/oauth/token",
            transport=recording,
            clock=sim.clock,
            sleep=no_sleep,
        )
        with client:
            hook = client.webhooks.subscribe(
                hook_url="http://127.0.0.1:9/h",
                webhook_type="CUSTOMER_CREATED",
                security_key=HOOK_KEY,
            )
            customer_id, dimension_id = make_catalog(client)
            client.usage.record(
                customer_id=customer_id,
                dimension_id=dimension_id,
                record_value=1,
                timestamp=START - timedelta(minutes=1),
            )
            sim.api.expire_tokens()  # a 401, a refresh, a retry
            client.usage.record(
                customer_id=customer_id,
                dimension_id=dimension_id,
                record_value=2,
                timestamp=START - timedelta(minutes=1),
            )
            portal = client.customers.retrieve_token(customer_id).access_token
            with client.usage.batcher(flush_interval=0.01) as batcher:
                batcher.add(customer_id, dimension_id, 3)
                batcher.add("cus-missing", dimension_id, 3)
                report = batcher.close(timeout=10)
            assert len(report.rejected) == 1
            texts += [repr(report), str(report.rejected[0])]
            for call in (
                lambda: client.customers.retrieve("cus-missing"),
                lambda: client.usage.record(
                    customer_id=customer_id,
                    dimension_id=dimension_id,
                    record_value="1",
                    timestamp=START + timedelta(days=1),
                ),
            ):
                with pytest.raises(PaigoError) as caught:
                    call()
                texts += [str(caught.value), repr(caught.value)]
            texts += [repr(client), repr(client.with_options(timeout=3)), repr(hook), str(hook)]
            token_model = client.customers.retrieve_token(customer_id)
            texts += [repr(token_model), str(token_model)]
            recording.tokens.add(token_model.access_token)
            texts += [repr(sim), repr(sim.api), repr(sim.api.tokens), repr(sim.handler)]
        wrong = PaigoClient(
            client_id="paigo-simulator",
            client_secret=SECRET + "-wrong",
            api_url="http://paigo-simulator.local",
            auth_url="http://paigo-simulator.local/oauth/token",
            transport=sim.transport(),
            max_retries=0,
        )
        with wrong, pytest.raises(AuthenticationError) as denied:
            wrong.dimensions.list()
        texts += [str(denied.value), repr(denied.value), repr(wrong)]
        # Admin requests with a wrong and the right token.
        for admin in ("wrong-admin-token", ADMIN_TOKEN):
            sim.handler.handle(
                ApiRequest("GET", "/_simulator/clock", (), {"x-simulator-admin-token": admin})
            )
        texts += [repr(r) for r in sim.rejected_requests]
        sim.advance(seconds=5)  # the failed delivery's retry falls due
        texts += [repr(d) for d in sim.webhook_deliveries]
    assert len(received) == 2, "a delivery failed once, so delivery logging ran"
    assert len(recording.tokens) >= 2  # the first token and the one after the refresh
    secrets = {
        SECRET,
        SECRET + "-wrong",
        ADMIN_TOKEN,
        "wrong-admin-token",
        HOOK_KEY,
        portal,
        *recording.tokens,
    }
    logged = "\n".join(
        [caplog.text, *(r.getMessage() for r in caplog.records), *(map(str, caplog.records))]
    )
    haystack = logged + "\n".join(texts)
    assert caplog.records, "the journey logged something at DEBUG"
    leaked = {s for s in secrets if s in haystack}
    assert leaked == set()
    # Not even a recognisable part of a token (a JWT's signature segment, say).
    for token in recording.tokens:
        for part in re.split(r"[.]", token):
            if len(part) >= 16:
                assert part not in haystack


def test_engine_reprs_hide_webhook_keys() -> None:
    hooks = httpx.MockTransport(lambda r: httpx.Response(200))
    with Simulator(webhook_transport=hooks) as sim:
        with sim.client() as client:
            hook = client.webhooks.subscribe(
                hook_url="http://127.0.0.1:9/h",
                webhook_type="CUSTOMER_CREATED",
                security_key=HOOK_KEY,
            )
            client.customers.create(
                customer_name="Hooked", email="h@example.test", payment_channel="manual"
            )
        assert sim.wait_for_webhooks(10)
        texts = [repr(d) for d in sim.webhook_deliveries]
        texts.append(repr(sim.engine.retrieve_webhook(hook.id)))
    assert len(texts) == 2
    assert all(HOOK_KEY not in text for text in texts)


def test_live_server_fences_every_route_and_logs_no_secret() -> None:
    """Over HTTP, with debug logging: 401 everywhere without the right token; no secret printed."""
    server = start_server(
        "--client-secret", SECRET, "--admin-token", ADMIN_TOKEN, "--log-level", "debug"
    )
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            token = server.token()
            for route in PAIGO_ROUTES:
                path = route.pattern.replace("{", "").replace("}", "")
                for headers in ({}, {"Authorization": f"Bearer {ADMIN_TOKEN}"}):
                    reply = http.request(route.method, path, headers=headers)
                    assert reply.status_code == 401, (route.method, path, reply.text)
            for method, path in ADMIN_PROBES:
                for headers in ({}, {"Authorization": f"Bearer {token}"}):
                    reply = http.request(method, path, headers=headers)
                    assert reply.status_code == 401, (method, path, reply.text)
            assert http.get("/dimensions", headers={"Authorization": f"Bearer {token}"}).is_success
            admin = {"X-Simulator-Admin-Token": ADMIN_TOKEN}
            assert http.get("/_simulator/clock", headers=admin).is_success
            assert http.post("/_simulator/tokens/expire", headers=admin).is_success
            expired = http.get("/dimensions", headers={"Authorization": f"Bearer {token}"})
            assert expired.status_code == 401
    finally:
        assert server.stop() == 0
    output = "\n".join(server.output)
    assert "Admin routes" in output  # the banner was captured, so the output is the right one
    for secret in (ADMIN_TOKEN, token):
        assert secret not in output
