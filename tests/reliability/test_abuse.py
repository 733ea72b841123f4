"""`paigo-simulator serve` stays up under abuse, checked over real loopback sockets.

Text that is not valid Unicode, huge clock moves, requests from other sites, signed links, and
clients that open sockets and stall: each is refused or cut off, and a normal client is still
served afterwards.
"""

from __future__ import annotations

import contextlib
import json
import socket
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


# ----------------------------------------------------------------------------- bounded work


def test_fault_path_patterns_cannot_backtrack(http: httpx.Client) -> None:
    http.delete("/_simulator/faults").raise_for_status()
    try:
        added = http.post(
            "/_simulator/faults", json={"kind": "status", "status": 503, "path": "re:/(a+)+x"}
        )
        assert added.status_code == 201, added.text
        # Catastrophic for a backtracking engine; RE2 answers at once: no match, no fault.
        reply = http.get("/" + "a" * 64)  # 2**64 ways to split for a backtracking matcher
        assert reply.status_code == 404
        refused = http.post(
            "/_simulator/faults", json={"kind": "drop", "path": "re:(a)\\1"}
        )  # a backreference: not in RE2's syntax
        assert refused.status_code == 400
        assert "invalid path regular expression" in refused.json()["message"][0]
    finally:
        http.delete("/_simulator/faults").raise_for_status()


def test_snapshots_are_bounded_with_a_clear_error(http: httpx.Client) -> None:
    http.delete("/_simulator/snapshots").raise_for_status()
    for _ in range(64):
        assert http.post("/_simulator/snapshots").status_code == 201
    messages = error(http.post("/_simulator/snapshots"), 400)
    assert "at most 64 snapshots" in messages[0]
    assert http.post("/_simulator/snapshots/snap-64/restore").status_code == 200
    assert http.delete("/_simulator/snapshots").json()["deleted"] == 64
    assert http.post("/_simulator/snapshots").status_code == 201


# ----------------------------------------------------------------------------- other sites


def port_of(server: ServerProcess) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("evil.example:{port}", True),  # DNS rebinding: a name the attacker points at 127.0.0.1
        ("evil.example", True),
        ("127.0.0.1:1", True),
        ("127.0.0.1:{port}", False),
        ("localhost:{port}", False),
        ("LOCALHOST:{port}", False),
        ("[::1]:{port}", False),
    ],
)
def test_the_host_header_must_name_the_server(
    server: ServerProcess, http: httpx.Client, host: str, refused: bool
) -> None:
    reply = http.get("/customers", headers={"host": host.format(port=port_of(server))})
    if refused:
        assert "Host header" in error(reply, 421)
    else:
        assert reply.status_code == 200, reply.text


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://localhost:3000", "https://127.0.0.1:{port}"]
)
def test_a_page_from_another_site_cannot_reset_or_change_the_simulator(
    server: ServerProcess, http: httpx.Client, origin: str
) -> None:
    assert http.post("/customers", json={"customerName": "Kept", **CUSTOMER}).status_code == 201
    foreign = {"origin": origin.format(port=port_of(server))}
    assert "other sites" in error(http.post("/_simulator/reset", headers=foreign), 403)
    clock = http.post("/_simulator/clock/advance", json={"days": 1}, headers=foreign)
    error(clock, 403)
    assert [c["customerName"] for c in http.get("/customers").json()["data"]] == ["Kept"]
    own = {"origin": server.url}
    assert http.post("/_simulator/reset", headers=own).status_code == 200
    assert http.get("/customers").json()["data"] == []


def test_a_form_or_text_post_cannot_change_the_simulator(http: httpx.Client) -> None:
    assert http.post("/customers", json={"customerName": "Kept", **CUSTOMER}).status_code == 201
    for content_type, body in [
        ("application/x-www-form-urlencoded", b"a=1"),
        ("text/plain", b"{}"),
        ("multipart/form-data; boundary=x", b"--x--\r\n"),
    ]:
        reply = http.post("/_simulator/reset", content=body, headers={"content-type": content_type})
        assert error(reply, 400) == ["Content-Type must be application/json"]
    assert len(http.get("/customers").json()["data"]) == 1
    form = http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "paigo-simulator",
            "client_secret": "paigo-simulator-secret",
        },
    )
    assert form.status_code == 200, form.text  # OAuth clients post forms: still accepted


def test_signed_links_ignore_forwarded_headers_and_refuse_bad_signatures(
    server: ServerProcess, http: httpx.Client
) -> None:
    customer = http.post("/customers", json={"customerName": "Acme", **CUSTOMER}).json()
    created = http.post(
        "/invoices",
        json={
            "customerId": customer["customerId"],
            "items": [{"name": "Seats", "quantity": 1, "unitCost": 10}],
        },
    )
    assert created.status_code == 201, created.text
    invoice_id = created.json()["invoiceId"]
    forwarded = {
        "x-forwarded-proto": "https",
        "x-forwarded-host": "evil.example",
        "forwarded": "host=evil.example;proto=https",
    }
    reply = http.get(f"/invoices/{invoice_id}", params={"download": "true"}, headers=forwarded)
    data = reply.json()["data"]
    link = (data[0] if isinstance(data, list) else data)["invoiceUrl"]
    assert link.startswith(server.url + "/_simulator/invoices/")
    path, _, query = link.removeprefix(server.url).partition("?")
    expires = dict(pair.split("=") for pair in query.split("&"))["expires"]
    for signature in ["%C3%A9" * 32, "é" * 64, "z" * 64, "", "%00", "0" * 500]:
        bad = http.get(f"{path}?expires={expires}&signature={signature}")
        assert error(bad, 403) == "Forbidden resource", signature
    for altered in ["١٢", "²", "-1", "1e9", "9" * 400]:
        bad = http.get(f"{path}?expires={altered}&signature={'0' * 64}")
        assert error(bad, 403) == "Forbidden resource", altered
    assert http.get(f"{path}?signature={'0' * 64}").status_code == 400  # no expires at all


# ----------------------------------------------------------------------------- slow clients

CAP = 8
STALLED = CAP + 4
READ_BOUND = 20.0
"""How long a test waits for the server to answer or close a stalled socket; never asserted on."""


@pytest.fixture(scope="module")
def limited() -> Iterator[ServerProcess]:
    process = start_server(
        "--header-timeout", "1", "--body-timeout", "1", "--max-connections", str(CAP)
    )
    yield process
    process.stop()


def connect(server: ServerProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port_of(server)), timeout=READ_BOUND)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or READ_BOUND passes)."""
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(4096):
            received += chunk
    return received


def served(server: ServerProcess) -> None:
    """Assert a normal client gets a normal answer."""
    reply = httpx.get(f"{server.url}/_simulator/clock", timeout=READ_BOUND)
    assert reply.status_code == 200
    assert reply.json()["message"] == "Clock read"


def test_idle_sockets_are_closed_and_others_still_served(limited: ServerProcess) -> None:
    sockets = [connect(limited) for _ in range(CAP)]
    try:
        for sock in sockets:
            assert read_until_closed(sock) == b""  # closed by the server, nothing said
    finally:
        for sock in sockets:
            sock.close()
    served(limited)


def test_half_sent_heads_get_408_and_connections_past_the_cap_503(
    limited: ServerProcess,
) -> None:
    head = f"GET /customers HTTP/1.1\r\nHost: 127.0.0.1:{port_of(limited)}\r\nX-Slow: ".encode()
    sockets = [connect(limited) for _ in range(STALLED)]
    try:
        for sock in sockets:
            with contextlib.suppress(OSError):  # one past the cap may be closed already
                sock.sendall(head)
        answers = [read_until_closed(sock) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    statuses = sorted(answer.split(b" ", 2)[1].decode() for answer in answers)
    assert statuses == ["408"] * CAP + ["503"] * (STALLED - CAP)
    served(limited)


def test_a_body_that_stalls_gets_408(limited: ServerProcess) -> None:
    sock = connect(limited)
    try:
        sock.sendall(
            f"POST /_simulator/clock/advance HTTP/1.1\r\nHost: 127.0.0.1:{port_of(limited)}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode()
        )
        answer = read_until_closed(sock)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"the request body did not arrive in time" in answer
    served(limited)
