"""Fault rules: matching, seeded probabilities, `times`, counters, token faults, admin routes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest

from simulator import Simulator
from simulator.api.messages import ApiHandler, ApiRequest, ApiResponse
from simulator.faults import (
    FAULT_KINDS,
    FaultKind,
    FaultPlan,
    FaultRule,
    Faults,
    NetworkFailure,
    apply_fault,
    fault_response,
)


class RecordingHandler:
    """A handler that answers 200 and remembers every request it was given."""

    def __init__(self) -> None:
        self.requests: list[ApiRequest] = []

    def handle(self, request: ApiRequest) -> ApiResponse:
        self.requests.append(request)
        return ApiResponse(200, (("content-type", "application/json"),), b"{}")


class FakeTokens:
    def __init__(self) -> None:
        self.expired = 0
        self.revoked: list[str] = []

    def expire_tokens(self) -> None:
        self.expired += 1

    def revoke_token(self, token: str) -> None:
        self.revoked.append(token)


def request(method: str = "POST", path: str = "/usage", **headers: str) -> ApiRequest:
    return ApiRequest(method=method, path=path, headers=dict(headers))


class TestMatching:
    @pytest.mark.parametrize(
        ("rule", "method", "path", "expected"),
        [
            (FaultRule(kind="drop"), "GET", "/dimensions", True),
            (FaultRule(kind="drop", method="post", path="/usage"), "POST", "/usage", True),
            (FaultRule(kind="drop", method="POST", path="/usage"), "GET", "/usage", False),
            (FaultRule(kind="drop", path="/customers/*/usage"), "GET", "/customers/c1/usage", True),
            (FaultRule(kind="drop", path="/customers/*"), "GET", "/customers", False),
            (FaultRule(kind="drop", path="re:/customers/[^/]+"), "GET", "/customers/c1", True),
            (FaultRule(kind="drop", path="re:/customers/[^/]+"), "GET", "/customers/c1/x", False),
        ],
    )
    def test_rule_matches_method_and_whole_path(self, rule, method, path, expected):
        assert rule.matches(method, path) is expected

    def test_simulator_routes_are_never_faulted(self):
        faults = Faults()
        faults.add(FaultRule(kind="status", status=503))
        assert faults.prepare(request("GET", "/_simulator/faults")).outcome is None
        assert faults.prepare(request("GET", "/dimensions")).outcome is not None


class TestValidation:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"kind": "explode"},
            {"kind": "status"},
            {"kind": "status", "status": 200},
            {"kind": "drop", "status": 503},
            {"kind": "drop", "probability": 1.5},
            {"kind": "drop", "times": 0},
            {"kind": "latency", "latency": -1},
            {"kind": "status", "status": 429, "retry_after": -1},
            {"kind": "drop", "path": "re:("},
        ],
    )
    def test_invalid_rules_are_refused(self, kwargs):
        with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
            FaultRule(**kwargs)

    def test_parse_key_value_spec(self):
        rule = FaultRule.parse("kind=status,status=503,method=POST,path=/usage,times=2")
        assert rule == FaultRule(kind="status", status=503, method="POST", path="/usage", times=2)

    def test_parse_leading_kind_and_camel_case_keys(self):
        rule = FaultRule.parse("status, status=429, retryAfter=1.5")
        assert (rule.kind, rule.status, rule.retry_after) == ("status", 429, 1.5)

    def test_parse_json_round_trips_through_to_dict(self):
        rule = FaultRule(kind="hang", method="GET", path="re:/x.*", probability=0.5, seed=3)
        assert FaultRule.parse(json.dumps(rule.to_dict())) == rule

    @pytest.mark.parametrize(
        "spec",
        ["", "status=503", "kind=status,status=abc", "kind=drop,colour=red", "{not json", "[1]"],
    )
    def test_parse_rejects_bad_specs(self, spec):
        with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
            FaultRule.parse(spec)

    def test_boolean_is_not_a_number(self):
        with pytest.raises(ValueError, match="times"):
            FaultRule.from_dict({"kind": "drop", "times": True})


class TestDecisions:
    def test_times_limits_firing_to_the_next_n_matching_calls(self):
        faults = Faults()
        rule_id = faults.add(FaultRule(kind="status", status=500, path="/usage", times=2))
        outcomes = [faults.prepare(request()).outcome for _ in range(4)]
        assert [o is not None for o in outcomes] == [True, True, False, False]
        [record] = faults.list()
        assert (record.fired, record.remaining) == (2, 0)
        assert faults.fired(rule_id) == 2

    def test_non_matching_requests_do_not_use_up_times(self):
        faults = Faults()
        faults.add(FaultRule(kind="drop", path="/usage", times=1))
        assert faults.prepare(request("GET", "/dimensions")).outcome is None
        assert faults.prepare(request()).outcome is not None

    def test_same_seed_gives_the_same_sequence(self):
        def run(seed: int) -> list[bool]:
            faults = Faults()
            faults.add(FaultRule(kind="drop", probability=0.5, seed=seed))
            return [faults.prepare(request()).outcome is not None for _ in range(64)]

        assert run(7) == run(7)
        assert run(7) != run(8)
        assert 0 < sum(run(7)) < 64

    def test_registry_seed_makes_unseeded_rules_reproducible(self):
        def run() -> list[bool]:
            faults = Faults(seed=42)
            faults.add(FaultRule(kind="drop", probability=0.3))
            return [faults.prepare(request()).outcome is not None for _ in range(64)]

        assert run() == run()

    def test_counters_separate_matches_from_firings(self):
        faults = Faults()
        faults.add(FaultRule(kind="drop", probability=0.5, seed=1))
        for _ in range(20):
            faults.prepare(request())
        [record] = faults.list()
        assert record.matched == 20
        assert 0 < record.fired < 20

    def test_latency_accumulates_and_first_terminal_rule_wins(self):
        faults = Faults()
        faults.add(FaultRule(kind="latency", latency=0.25))
        first = faults.add(FaultRule(kind="status", status=502, latency=0.5))
        later = faults.add(FaultRule(kind="drop"))
        plan = faults.prepare(request())
        assert plan.latency == 0.75
        assert plan.outcome is not None
        assert plan.outcome.kind == "status"
        assert faults.fired(first) == 1
        assert faults.fired(later) == 0

    def test_remove_and_clear(self):
        faults = Faults()
        first = faults.add(FaultRule(kind="drop"))
        faults.add(FaultRule(kind="hang"))
        faults.remove(first)
        assert [r.rule.kind for r in faults.list()] == ["hang"]
        with pytest.raises(KeyError):
            faults.remove(first)
        faults.clear()
        assert faults.list() == []


class TestTokenFaults:
    def test_expire_token_expires_every_token_before_the_request(self):
        tokens = FakeTokens()
        faults = Faults(tokens=tokens)
        faults.add(FaultRule(kind="expire_token", times=1))
        plan = faults.prepare(request(authorization="Bearer abc"))
        assert plan.outcome is None
        assert tokens.expired == 1

    def test_revoke_token_revokes_the_requests_bearer_token(self):
        tokens = FakeTokens()
        faults = Faults(tokens=tokens)
        faults.add(FaultRule(kind="revoke_token"))
        faults.prepare(request(authorization="Bearer abc"))
        faults.prepare(request())
        assert tokens.revoked == ["abc"]


class TestStatusReplies:
    def test_429_carries_retry_after_when_asked(self):
        reply = fault_response(FaultRule(kind="status", status=429, retry_after=2))
        assert reply.status == 429
        assert ("retry-after", "2") in reply.headers
        assert json.loads(reply.body) == {"message": "Too Many Requests"}

    def test_429_without_retry_after(self):
        reply = fault_response(FaultRule(kind="status", status=429))
        assert all(name != "retry-after" for name, _ in reply.headers)

    @pytest.mark.parametrize("status", [500, 502, 503, 504, 418])
    def test_every_status_has_a_json_message(self, status):
        reply = fault_response(FaultRule(kind="status", status=status))
        assert reply.status == status
        assert isinstance(json.loads(reply.body)["message"], str)


class TestKindsAsData:
    def test_every_kind_is_described_once(self):
        assert set(FAULT_KINDS) == set(get_args(FaultKind))
        assert all(spec.kind == kind for kind, spec in FAULT_KINDS.items())

    def test_the_docs_table_lists_exactly_the_described_kinds(self):
        page = (Path(__file__).parents[2] / "docs" / "simulator" / "faults.md").read_text()
        table = page.split("## Kinds", 1)[1].split("\n\n", 2)[1]
        documented = re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE)
        assert documented == list(FAULT_KINDS)

    @pytest.mark.parametrize(
        ("kind", "failure", "applied"),
        [
            ("hang", "timeout", False),
            ("drop", "disconnect", False),
            ("refuse", "refuse", False),
            ("lost_response", "disconnect", True),
        ],
    )
    def test_network_failures_and_whether_the_request_is_applied(self, kind, failure, applied):
        inner = RecordingHandler()
        rule = FaultRule(kind=kind, method="POST", path="/usage")
        answer = apply_fault(FaultPlan(outcome=rule), request(), inner.handle)
        assert isinstance(answer, NetworkFailure)
        assert answer.kind == failure
        assert len(inner.requests) == (1 if applied else 0)
        assert answer.message.startswith(f"simulated {kind} fault on POST /usage: ")

    def test_status_answers_the_gateway_reply_without_applying(self):
        inner = RecordingHandler()
        rule = FaultRule(kind="status", status=503)
        answer = apply_fault(FaultPlan(outcome=rule), request(), inner.handle)
        assert answer == fault_response(rule)
        assert inner.requests == []

    @pytest.mark.parametrize(
        ("body", "reply"),
        [
            (b'{"recordValue": "1"}', {"message": "Usage record created"}),
            (
                b'[{"recordValue": "1"}, {"recordValue": "2"}]',
                {"message": "Usage records created", "data": [{"status": "created"}] * 2},
            ),
        ],
    )
    def test_discard_acknowledges_without_applying(self, body, reply):
        inner = RecordingHandler()
        rule = FaultRule(kind="discard", method="POST", path="/usage")
        usage = ApiRequest(method="POST", path="/usage", headers={}, body=body)
        answer = apply_fault(FaultPlan(outcome=rule), usage, inner.handle)
        assert isinstance(answer, ApiResponse)
        assert answer.status == 201
        assert json.loads(answer.body) == reply
        assert inner.requests == []

    def test_no_outcome_is_the_handlers_reply(self):
        inner = RecordingHandler()
        answer = apply_fault(FaultPlan(latency=0.5), request(), inner.handle)
        assert isinstance(answer, ApiResponse)
        assert answer.status == 200
        assert len(inner.requests) == 1


class TestAdminRoutes:
    """The `/_simulator/faults` routes, served by the API's admin routes."""

    def call(
        self, handler: ApiHandler, method: str, path: str, body: object = None, **headers: str
    ) -> tuple[int, Any]:
        raw = b"" if body is None else json.dumps(body).encode()
        if raw:
            headers.setdefault("content-type", "application/json")
        reply = handler.handle(ApiRequest(method=method, path=path, headers=headers, body=raw))
        return reply.status, json.loads(reply.body)

    def test_add_list_remove_and_clear_over_http(self):
        sim = Simulator()
        handler = sim.handler
        status, created = self.call(
            handler, "POST", "/_simulator/faults", {"kind": "status", "status": 503, "times": 1}
        )
        assert status == 201
        assert created["kind"] == "status"
        assert created["remaining"] == 1
        assert re.fullmatch(r"fault-\d+", created["id"])
        status, listed = self.call(handler, "GET", "/_simulator/faults")
        assert status == 200
        assert [f["id"] for f in listed["faults"]] == [created["id"]]
        assert self.call(handler, "DELETE", f"/_simulator/faults/{created['id']}")[0] == 200
        status, missing = self.call(handler, "DELETE", f"/_simulator/faults/{created['id']}")
        assert status == 404
        assert missing["message"] == f"Fault with ID: {created['id']} not found"
        self.call(handler, "POST", "/_simulator/faults", {"kind": "drop"})
        assert self.call(handler, "DELETE", "/_simulator/faults")[0] == 200
        assert sim.faults.list() == []

    @pytest.mark.parametrize(
        "body", [{"kind": "status"}, {"kind": "nope"}, [1], {"kind": "drop", "x": 1}]
    )
    def test_bad_rule_is_a_paigo_shaped_400(self, body):
        sim = Simulator()
        status, reply = self.call(sim.handler, "POST", "/_simulator/faults", body)
        assert status == 400
        assert reply["error"] == "Bad Request"
        assert isinstance(reply["message"], list)
        assert sim.faults.list() == []

    def test_a_neighbouring_path_is_not_a_faults_route(self):
        status, reply = self.call(Simulator().handler, "GET", "/_simulator/faultsx")
        assert status == 404
        assert reply["message"] == "Cannot GET /_simulator/faultsx"

    def test_the_admin_token_guards_them(self):
        sim = Simulator(admin_token="s3cret")
        assert self.call(sim.handler, "GET", "/_simulator/faults")[0] == 401
        status, _ = self.call(
            sim.handler, "GET", "/_simulator/faults", **{"x-simulator-admin-token": "s3cret"}
        )
        assert status == 200

    def test_they_are_absent_when_admin_routes_are_disabled(self):
        sim = Simulator(admin_enabled=False)
        assert self.call(sim.handler, "GET", "/_simulator/faults")[0] == 404
        assert self.call(sim.handler, "GET", "/_simulator/rate-limits")[0] == 404

    def test_rate_limit_routes_add_list_and_clear(self):
        sim = Simulator()
        status, created = self.call(
            sim.handler, "POST", "/_simulator/rate-limits", {"rate": 1, "burst": 2}
        )
        assert status == 201
        assert (created["rate"], created["burst"]) == (1, 2)
        status, listed = self.call(sim.handler, "GET", "/_simulator/rate-limits")
        assert [rule["id"] for rule in listed["rateLimits"]] == [created["id"]]
        assert self.call(sim.handler, "POST", "/_simulator/rate-limits", {"rate": -1})[0] == 400
        assert self.call(sim.handler, "DELETE", "/_simulator/rate-limits")[0] == 200
        assert sim.rate_limits.list() == []
