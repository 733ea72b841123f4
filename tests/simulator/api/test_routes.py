"""The route table: every Paigo operation is routed; unknown routes get a 404; admin gating."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import yaml

from simulator.api import Api
from simulator.api.routes import PAIGO_OPERATION_COUNT, ROUTES, match
from simulator.clock import ManualClock
from simulator.engine import Engine

if TYPE_CHECKING:
    from tests.simulator.api.conftest import ApiClient


def _spec_operations() -> set[tuple[str, str]]:
    from pathlib import Path

    path = Path(__file__).resolve().parents[3].parent / "shared/reference/paigo-openapi-v1.10.yml"
    if not path.exists():
        pytest.skip("Paigo's OpenAPI export is not beside the repository")
    spec = yaml.safe_load(path.read_text())
    return {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}


def test_every_paigo_operation_has_a_route_and_nothing_more() -> None:
    routed = {(r.method, r.pattern) for r in ROUTES if r.access in ("paigo", "portal")}
    assert len(routed) == PAIGO_OPERATION_COUNT == 48
    assert routed == _spec_operations()


def test_every_handler_has_a_docstring_naming_the_operation() -> None:
    for route in ROUTES:
        doc = route.handler.__doc__ or ""
        assert doc.strip(), route
        if route.access in ("paigo", "portal"):
            assert "Paigo" in doc, route.handler.__name__


def test_literal_webhook_paths_win_over_the_id_pattern() -> None:
    found = match("GET", "/webhooks/test")
    assert found is not None
    assert found.route.handler.__name__ == "check_webhook_connection"
    found = match("GET", "/webhooks/abc")
    assert found is not None
    assert found.params == {"webhookId": "abc"}


def test_path_parameters_are_percent_decoded() -> None:
    found = match("GET", "/customers/a%2Fb%20c")
    assert found is not None
    assert found.params == {"customerId": "a/b c"}


def test_trailing_slash_is_ignored() -> None:
    assert match("GET", "/dimensions/") is not None


@pytest.mark.parametrize(("method", "path"), [("GET", "/nope"), ("PATCH", "/dimensions")])
def test_unknown_routes_get_nestjs_404(client: ApiClient, method: str, path: str) -> None:
    reply = client.request(method, path)
    assert reply.status == 404
    assert reply.json == {
        "message": f"Cannot {method} {path}",
        "error": "Not Found",
        "statusCode": 404,
    }


def test_admin_routes_disappear_when_disabled(engine: Engine, clock: ManualClock) -> None:
    from tests.simulator.api.conftest import ApiClient as Client

    client = Client(Api(engine, clock=clock, admin_enabled=False))
    reply = client.get("/_simulator/clock", auth=False)
    assert reply.status == 404
    assert reply.json["message"] == "Cannot GET /_simulator/clock"


def test_admin_token_protects_admin_routes(engine: Engine, clock: ManualClock) -> None:
    from tests.simulator.api.conftest import ApiClient as Client

    client = Client(Api(engine, clock=clock, admin_token="adm1n"))
    assert client.get("/_simulator/clock", auth=False).status == 401
    assert client.get("/_simulator/clock", auth="wrong").status == 401
    assert client.get("/_simulator/clock", auth="adm1n").status == 200
    reply = client.get(
        "/_simulator/clock", auth=False, headers={"X-Simulator-Admin-Token": "adm1n"}
    )
    assert reply.status == 200


def test_rejected_requests_are_recorded(api: Api, client: ApiClient) -> None:
    client.get("/dimensions", auth=False)
    client.get("/nowhere")
    rejected = api.rejected_requests
    assert [(r.method, r.path, r.status) for r in rejected] == [
        ("GET", "/dimensions", 401),
        ("GET", "/nowhere", 404),
    ]
    assert rejected[0].messages == ("Unauthorized",)
    api.clear_rejected_requests()
    assert api.rejected_requests == []


def test_unexpected_errors_become_a_generic_500(
    api: Api, client: ApiClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(api.engine, "read_dimensions", explode)
    reply = client.get("/dimensions")
    assert reply.status == 500
    assert reply.json == {"statusCode": 500, "message": "Internal server error"}
    assert "boom" not in reply.body.decode()
    assert any("boom" in r.exc_text for r in caplog.records if r.exc_text)
