"""Opt-in rate limits: token buckets per route on the simulator's clock, 429 with Retry-After."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from paigo_sdk.errors import RateLimitError
from simulator import ManualClock, RemoteSimulator, Simulator
from simulator.ratelimits import RateLimitRule

START = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
def sim():
    with Simulator(clock=ManualClock(START)) as instance:
        yield instance


def create(client, name: str) -> None:
    client.customers.create(customer_name=name, email="a@example.com", payment_channel="manual")


def test_no_limits_by_default(sim):
    with sim.client(max_retries=0) as client:
        for i in range(200):
            create(client, f"c{i}")
    assert len(sim.engine.list_customers()) == 200


def test_a_bucket_refuses_past_its_burst_and_refills_with_simulated_time(sim):
    sim.rate_limits.add(RateLimitRule(rate=0.5, burst=2, method="POST", path="/customers"))
    with sim.client(max_retries=0) as client:
        create(client, "one")
        create(client, "two")
        with pytest.raises(RateLimitError) as refused:
            create(client, "three")
        assert refused.value.status_code == 429
        assert refused.value.retry_after == 2
        assert refused.value.body == {"message": "Too Many Requests"}
        assert len(sim.engine.list_customers()) == 2  # the refused request changed nothing
        client.customers.list()  # another route (GET) is not limited
        sim.advance(seconds=2)  # one token back
        create(client, "three")
        with pytest.raises(RateLimitError):
            create(client, "four")


def test_each_route_has_its_own_bucket(sim):
    with sim.client(max_retries=0) as client:
        create(client, "a")
        create(client, "b")
        first, second = (c.customer_id for c in client.customers.list())
        sim.rate_limits.add(RateLimitRule(rate=1, burst=1, method="GET", path="/customers/*"))
        client.customers.retrieve(first)
        client.customers.retrieve(second)  # a different route path: a full bucket
        with pytest.raises(RateLimitError):
            client.customers.retrieve(first)


def test_admin_routes_and_the_token_endpoint_are_never_limited(sim):
    sim.rate_limits.add(RateLimitRule(rate=1, burst=1))
    http = httpx.Client(transport=sim.transport(), base_url="http://sim")
    for _ in range(5):
        assert http.get("/_simulator/clock").status_code == 200
        token = http.post(
            "/oauth/token",
            json={
                "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
                "grant_type": "client_credentials",
                "client_id": sim.client_id,
                "client_secret": "paigo-simulator-secret",
            },
        )
        assert token.status_code == 200
    http.close()


def test_reset_clears_the_limits(sim):
    sim.rate_limits.add(RateLimitRule(rate=1, burst=1))
    sim.reset()
    assert sim.rate_limits.list() == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rate=0,burst=1", "rate must be a positive"),
        ("rate=1,burst=0", "burst must be an integer"),
        ("rate=1", "needs rate and burst"),
        ("rate=1,burst=1,colour=red", "unknown rate limit fields"),
        ("rate=x,burst=1", "rate must be a number"),
    ],
)
def test_bad_rules_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        RateLimitRule.parse(spec)


def test_rules_over_http_and_from_a_remote_simulator(sim):
    with sim.serve() as server, RemoteSimulator(server.url) as remote:
        rule_id = remote.rate_limits.add(RateLimitRule(rate=1, burst=1, path="/offerings"))
        [listed] = remote.rate_limits.list()
        assert listed == {"id": rule_id, "rate": 1, "burst": 1, "method": "*", "path": "/offerings"}
        bad = httpx.post(f"{server.url}/_simulator/rate-limits", json={"rate": -1}, timeout=30)
        assert bad.status_code == 400
        with remote.client(max_retries=0) as client:
            client.offerings.list()
            with pytest.raises(RateLimitError):
                client.offerings.list()
        remote.reset()
        assert remote.rate_limits.list() == []


def test_serve_preloads_rules_from_the_command_line():
    from simulator._cli import build_parser

    args = build_parser().parse_args(
        ["serve", "--rate-limit", "method=post,path=/usage,rate=10,burst=20"]
    )
    [rule] = args.rate_limits
    assert rule == RateLimitRule(rate=10.0, burst=20, method="POST", path="/usage")
    assert json.dumps(rule.rate) == "10.0"
