"""The dashboard's routes: its page and files, its session, and the guard it shares with admin."""

from __future__ import annotations

import json

from simulator import Simulator
from simulator.api.messages import ApiRequest, ApiResponse


def ask(sim: Simulator, method: str, path: str, **headers: str) -> ApiResponse:
    request = ApiRequest(
        method=method, path=path, headers=headers, body=b"{}" if method == "POST" else b""
    )
    return sim.asgi_app().handler.handle(request)


def header(response: ApiResponse, name: str) -> str | None:
    return dict(response.headers).get(name)


def test_the_page_and_its_files_are_served_with_a_strict_policy():
    with Simulator() as sim:
        page = ask(sim, "GET", "/dashboard")
        script = ask(sim, "GET", "/dashboard/static/app.js")
        style = ask(sim, "GET", "/dashboard/static/app.css")
    assert page.status == 200
    assert header(page, "content-type") == "text/html; charset=utf-8"
    assert b'<script src="/dashboard/static/app.js"' in page.body
    assert "script-src 'self'" in (header(page, "content-security-policy") or "")
    assert "frame-ancestors 'none'" in (header(page, "content-security-policy") or "")
    assert script.status == 200
    assert header(script, "content-type") == "text/javascript; charset=utf-8"
    assert b"/dashboard/session" in script.body
    assert style.status == 200


def test_unknown_dashboard_paths_and_methods_are_refused():
    with Simulator() as sim:
        assert ask(sim, "GET", "/dashboard/static/../__init__.py").status == 404
        assert ask(sim, "GET", "/dashboard/nothing").status == 404
        assert ask(sim, "DELETE", "/dashboard").status == 405


def test_the_session_hands_out_a_token_that_paigo_routes_accept():
    with Simulator() as sim:
        reply = ask(sim, "POST", "/dashboard/session", **{"content-type": "application/json"})
        assert reply.status == 200
        token = json.loads(reply.body)["accessToken"]
        listed = ask(sim, "GET", "/dimensions", authorization=f"Bearer {token}")
        without = ask(sim, "GET", "/dimensions")
    assert listed.status == 200
    assert without.status == 401


def test_with_an_admin_token_the_session_needs_it():
    with Simulator(admin_token="s3cret") as sim:
        assert ask(sim, "GET", "/dashboard").status == 200  # the page itself holds no data
        assert ask(sim, "POST", "/dashboard/session").status == 401
        wrong = ask(sim, "POST", "/dashboard/session", **{"x-simulator-admin-token": "nope"})
        right = ask(sim, "POST", "/dashboard/session", **{"x-simulator-admin-token": "s3cret"})
    assert wrong.status == 401
    assert right.status == 200


def test_without_admin_routes_there_is_no_dashboard():
    with Simulator(admin_enabled=False) as sim:
        assert ask(sim, "GET", "/dashboard").status == 404
        assert ask(sim, "GET", "/dashboard/static/app.js").status == 404
        assert ask(sim, "POST", "/dashboard/session").status == 404


def test_other_requests_reach_the_api_unchanged():
    with Simulator() as sim:
        reply = ask(sim, "GET", "/customers")
        assert reply.status == 401
        assert ask(sim, "GET", "/dashboards").status == 404
