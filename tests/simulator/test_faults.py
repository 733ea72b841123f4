"""Fault rules: matching, seeded probabilities, `times`, counters, token faults, admin routes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from simulator.api.messages import ApiRequest, ApiResponse
from simulator.faults import FaultRule, Faults, FaultsHandler, fault_response


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


class TestAdminRoutes:
    def call(
        self, handler: FaultsHandler, method: str, path: str, body: object = None, **headers: str
    ) -> tuple[int, Any]:
        raw = b"" if body is None else json.dumps(body).encode()
        reply = handler.handle(ApiRequest(method=method, path=path, headers=headers, body=raw))
        return reply.status, json.loads(reply.body)

    def test_add_list_remove_and_clear_over_http(self):
        inner = RecordingHandler()
        faults = Faults()
        handler = FaultsHandler(inner, faults)
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
        assert self.call(handler, "DELETE", f"/_simulator/faults/{created['id']}")[0] == 404
        self.call(handler, "POST", "/_simulator/faults", {"kind": "drop"})
        assert self.call(handler, "DELETE", "/_simulator/faults")[0] == 200
        assert faults.list() == []
        assert inner.requests == []

    @pytest.mark.parametrize(
        "body", [{"kind": "status"}, {"kind": "nope"}, [1], {"kind": "drop", "x": 1}]
    )
    def test_bad_rule_is_a_paigo_shaped_400(self, body):
        status, reply = self.call(
            FaultsHandler(RecordingHandler(), Faults()), "POST", "/_simulator/faults", body
        )
        assert status == 400
        assert reply["error"] == "Bad Request"
        assert isinstance(reply["message"], list)

    def test_other_paths_go_to_the_wrapped_handler(self):
        inner = RecordingHandler()
        FaultsHandler(inner, Faults()).handle(ApiRequest(method="GET", path="/_simulator/faultsx"))
        assert [r.path for r in inner.requests] == ["/_simulator/faultsx"]

    def test_authorizer_can_refuse(self):
        refusal = ApiResponse(401, (), b'{"message": "Unauthorized"}')
        handler = FaultsHandler(RecordingHandler(), Faults(), authorize=lambda _: refusal)
        assert self.call(handler, "GET", "/_simulator/faults") == (401, {"message": "Unauthorized"})
