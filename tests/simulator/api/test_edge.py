"""The request edge: text that is not valid Unicode, and body types state changes refuse."""

from __future__ import annotations

import json

import httpx
import pytest

from simulator import ManualClock, Simulator
from simulator.api.edge import decode_path, decode_query, invalid_text, media_type_refusal
from simulator.api.messages import ApiRequest
from tests.simulator.api.conftest import START, ApiClient

CUSTOMER = {"email": "a@b.test", "paymentChannel": "manual"}


def json_request(body: bytes, path: str = "/customers") -> ApiRequest:
    return ApiRequest("POST", path, headers={"content-type": "application/json"}, body=body)


# ----------------------------------------------------------------------------- decoding


def test_query_bytes_that_are_not_utf8_stay_visible() -> None:
    assert decode_query(b"a=%C3%A9&b=") == (("a", "é"), ("b", ""))
    (name, value), *_ = decode_query(b"name=%ED%A0%80")
    assert name == "name"
    assert value != "\ufffd" * 3  # not silently replaced...
    assert invalid_text(ApiRequest("GET", "/customers", query=(("name", value),)))  # ...refused


def test_path_bytes_that_are_not_utf8_are_refused() -> None:
    assert invalid_text(ApiRequest("GET", decode_path(b"/customers/\xff")))
    assert invalid_text(ApiRequest("GET", "/customers/%ED%A0%80"))
    assert invalid_text(ApiRequest("GET", "/customers/%FF"))
    assert not invalid_text(ApiRequest("GET", "/customers/%C3%A9t%C3%A9"))


@pytest.mark.parametrize(
    "body",
    [
        b'{"customerName": "\\ud800"}',
        b'{"customerName": "x\\udfff"}',
        b'{"customerName": "\\ude00\\ud83d"}',  # a pair in the wrong order is two lone halves
        b'{"metadata": {"\\uDBFF": "key"}}',
        b'[{"metadata": {"a": ["\\ud800"]}}]',
        b'{"customerName": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 bytes
        b'{"customerName": "\xff"}',
    ],
)
def test_json_bodies_with_lone_surrogates_are_refused(body: bytes) -> None:
    assert invalid_text(json_request(body))


@pytest.mark.parametrize(
    "body",
    [
        b'{"customerName": "\\ud83d\\ude00"}',  # an emoji as json.dumps writes it
        b'{"customerName": "\\\\ud800"}',  # a backslash, then the letters ud800
        b'{"customerName": "caf\xc3\xa9"}',
        b'{"customerName": "\\ud800',  # malformed: left to the route's parser
    ],
)
def test_valid_text_passes(body: bytes) -> None:
    assert invalid_text(json_request(body)) == []


def test_headers_and_form_bodies_are_checked() -> None:
    assert invalid_text(ApiRequest("GET", "/customers", headers={"x-name": "\ud800"}))
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert invalid_text(ApiRequest("POST", "/oauth/token", headers=form, body=b"a=%ED%A0%80"))
    assert invalid_text(ApiRequest("POST", "/oauth/token", headers=form, body=b"a=\xff"))
    assert not invalid_text(ApiRequest("POST", "/oauth/token", headers=form, body=b"a=%C3%A9+b"))


# ----------------------------------------------------------------------------- through the API


def test_a_lone_surrogate_in_a_customer_name_is_refused_and_never_stored(
    client: ApiClient,
) -> None:
    before = client.state()
    body = json.dumps({"customerName": "\ud800", **CUSTOMER}).encode()  # ensure_ascii escapes it
    reply = client.post("/customers", body=body, headers={"content-type": "application/json"})
    assert reply.status == 400
    assert reply.json["error"] == "Bad Request"
    assert isinstance(reply.json["message"], list)
    assert client.state() == before
    assert client.get("/customers").status == 200
    assert client.get("/_simulator/rejected-requests").status == 200


def test_surrogates_in_queries_paths_and_credentials_are_400s(client: ApiClient) -> None:
    assert client.get("/customers", query={"name": "\ud800"}).status == 400
    assert client.get("/customers/\ud800").status == 400
    assert client.get("/customers/%ED%A0%80").status == 400
    token = client.post(
        "/oauth/token",
        body=b'{"grant_type": "client_credentials", "client_id": "\\ud800", "client_secret": "x"}',
        headers={"content-type": "application/json"},
        auth=False,
    )
    assert token.status == 400
    assert token.json["error"] == "invalid_request"
    listed = client.get("/_simulator/rejected-requests")
    assert listed.status == 200
    assert any("\\ud800" in item["path"] for item in listed.json["data"])


def test_the_in_process_transport_refuses_what_the_server_refuses() -> None:
    with (
        Simulator(clock=ManualClock(START)) as sim,
        httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http,
    ):
        for query in (b"name=%ED%A0%80", b"name=%FF"):
            reply = http.get(httpx.URL("/_simulator/usage-records", query=query))
            assert reply.status_code == 400, query
            assert reply.json()["message"] == ["the query string is not valid UTF-8"]


# ----------------------------------------------------------------------------- body types


@pytest.mark.parametrize(
    ("method", "pattern", "content_type", "body", "refused"),
    [
        ("POST", "/_simulator/reset", None, b"", False),
        ("POST", "/_simulator/reset", "application/json", b"{}", False),
        ("POST", "/_simulator/reset", "application/merge-patch+json", b"{}", False),
        ("POST", "/_simulator/reset", "text/plain", b"", True),
        ("POST", "/_simulator/reset", "application/x-www-form-urlencoded", b"a=1", True),
        ("POST", "/_simulator/reset", "multipart/form-data; boundary=x", b"--x--", True),
        ("POST", "/_simulator/reset", None, b"{}", True),
        ("PUT", "/_simulator/settings", "text/plain", b"{}", True),
        ("DELETE", "/_simulator/faults", "text/plain", b"", True),
        ("GET", "/customers", "text/plain", b"", False),
        ("POST", "/oauth/token", "application/x-www-form-urlencoded", b"a=1", False),
        ("POST", "/oauth/token", "text/plain", b"a=1", True),
        ("POST", "/settings/invoiceImage", "multipart/form-data; boundary=x", b"--x--", False),
        ("POST", "/settings/invoiceImage", "image/png", b"\x89PNG", False),
    ],
)
def test_state_changes_take_json_bodies_only(
    method: str, pattern: str, content_type: str | None, body: bytes, refused: bool
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    request = ApiRequest(method, pattern, headers=headers, body=body)
    assert (media_type_refusal(request, pattern) is not None) is refused


def test_a_form_post_cannot_reset_the_simulator(client: ApiClient) -> None:
    assert client.post("/customers", json={"customerName": "Kept", **CUSTOMER}).status == 201
    reply = client.post(
        "/_simulator/reset",
        body=b"",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 400
    assert reply.json["message"] == ["Content-Type must be application/json"]
    assert [c["customerName"] for c in client.get("/customers").json["data"]] == ["Kept"]
