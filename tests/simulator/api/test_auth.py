"""The token endpoint, bearer checks, expiry on the simulator clock and revocation."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from simulator.api import DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Api
from simulator.clock import ManualClock
from simulator.engine import Engine

if TYPE_CHECKING:
    from tests.simulator.api.conftest import ApiClient

GRANT = {
    "audience": DEFAULT_AUDIENCE,
    "grant_type": "client_credentials",
    "client_id": DEFAULT_CLIENT_ID,
    "client_secret": DEFAULT_CLIENT_SECRET,
}


def test_token_endpoint_issues_a_bearer_token(client: ApiClient) -> None:
    reply = client.post("/oauth/token", json=GRANT, auth=False)
    assert reply.status == 200
    body = reply.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400
    assert body["access_token"].count(".") == 2  # JWT-shaped


def test_token_endpoint_accepts_a_trailing_slash_and_form_encoding(client: ApiClient) -> None:
    reply = client.post(
        "/oauth/token/",
        body=b"grant_type=client_credentials&client_id=paigo-simulator&client_secret=paigo-simulator-secret",
        headers={"content-type": "application/x-www-form-urlencoded"},
        auth=False,
    )
    assert reply.status == 200


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "access_denied"),
        ({"client_id": "nobody"}, 401, "access_denied"),
        ({"audience": "https://elsewhere.example"}, 403, "access_denied"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": None}, 400, "invalid_request"),
    ],
)
def test_token_endpoint_rejections(client: ApiClient, change, status, error) -> None:
    grant = {**GRANT, **change}
    grant = {k: v for k, v in grant.items() if v is not None}
    reply = client.post("/oauth/token", json=grant, auth=False)
    assert reply.status == status
    assert reply.json["error"] == error
    assert DEFAULT_CLIENT_SECRET not in reply.body.decode()


def test_token_endpoint_rejects_malformed_json(client: ApiClient) -> None:
    reply = client.post(
        "/oauth/token", body=b"{", headers={"content-type": "application/json"}, auth=False
    )
    assert reply.status == 400
    assert reply.json["error"] == "invalid_request"


def test_missing_audience_means_the_default_one(client: ApiClient) -> None:
    grant = {k: v for k, v in GRANT.items() if k != "audience"}
    assert client.post("/oauth/token", json=grant, auth=False).status == 200


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer nope", "Basic abc", "bearer  "]
)
def test_paigo_routes_need_a_valid_token(client: ApiClient, authorization) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    reply = client.get("/dimensions", headers=headers, auth=False)
    assert reply.status == 401
    assert reply.json == {"message": "Unauthorized"}


def test_tokens_expire_on_the_simulator_clock(engine: Engine, clock: ManualClock) -> None:
    api = Api(engine, clock=clock, token_lifetime=60)
    token = api.tokens.issue_client_token(
        grant_type="client_credentials",
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        audience=None,
    )
    assert api.tokens.check(f"Bearer {token}") is not None
    clock.advance(timedelta(seconds=59))
    assert api.tokens.check(f"Bearer {token}") is not None
    clock.advance(timedelta(seconds=1))
    assert api.tokens.check(f"Bearer {token}") is None


def test_expire_and_revoke(api: Api) -> None:
    issue = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "audience": DEFAULT_AUDIENCE,
    }
    first = api.tokens.issue_client_token(**issue)
    second = api.tokens.issue_client_token(**issue)
    assert api.revoke_token(first) is True
    assert api.revoke_token(first) is False
    assert api.tokens.check(f"Bearer {first}") is None
    assert api.tokens.check(f"Bearer {second}") is not None
    assert api.expire_tokens() == 1
    assert api.tokens.check(f"Bearer {second}") is None


def test_custom_credentials_and_lifetime(engine: Engine, clock: ManualClock) -> None:
    api = Api(engine, clock=clock, credentials={"me": "s3cret"}, token_lifetime=120)
    from tests.simulator.api.conftest import ApiClient as Client

    client = Client(api)
    ok = client.post(
        "/oauth/token",
        json={"grant_type": "client_credentials", "client_id": "me", "client_secret": "s3cret"},
        auth=False,
    )
    assert ok.status == 200
    assert ok.json["expires_in"] == 120
    default = client.post("/oauth/token", json=GRANT, auth=False)
    assert default.status == 401


def test_reprs_hold_no_secrets(api: Api, client: ApiClient) -> None:
    token = client.token
    assert token not in repr(api)
    assert DEFAULT_CLIENT_SECRET not in repr(api.tokens)
    principal = api.tokens.check(f"Bearer {token}")
    assert principal is not None
    assert token not in repr(principal)
