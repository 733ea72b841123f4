"""Clock moves are validated before anything changes: the simulator, its HTTP route, its engine."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta

import pytest

from simulator import ManualClock, Simulator
from simulator.api.messages import ApiRequest
from simulator.clock import ClockMoveRefused
from tests.reliability.conftest import START, make_catalog

JSON = {"content-type": "application/json"}


def billed_simulator() -> Simulator:
    sim = Simulator(clock=ManualClock(START), seed=4)
    with sim.client() as client:
        make_catalog(client)  # one customer on a monthly offering
    return sim


def state(sim: Simulator) -> bytes:
    return pickle.dumps(sim.snapshot().state)


def test_advance_closing_too_many_cycles_is_refused_with_nothing_changed() -> None:
    with billed_simulator() as sim:
        sim.engine.options.max_closings_per_move = 3
        before = state(sim)
        with pytest.raises(ClockMoveRefused, match="more than 3 billing cycles"):
            sim.advance(days=31 * 5)
        with pytest.raises(ClockMoveRefused):
            sim.set_time(START + timedelta(days=31 * 5))
        assert sim.clock.now() == START
        assert state(sim) == before
        sim.advance(days=31 * 2)  # two cycles: within the bound, and billed
        assert state(sim) != before


def test_advance_past_the_calendar_is_refused_with_nothing_changed() -> None:
    with billed_simulator() as sim:
        before = state(sim)
        with pytest.raises(ClockMoveRefused):
            sim.set_time(datetime(9999, 12, 31, tzinfo=UTC))
        with pytest.raises(ClockMoveRefused):
            sim.advance(days=3_000_000)
        with pytest.raises(ClockMoveRefused):
            sim.advance(timedelta.max)
        assert sim.clock.now() == START
        assert state(sim) == before


def test_the_engine_refuses_a_catch_up_beyond_the_calendar() -> None:
    # LATEST_MOMENT keeps clocks far from this; the engine checks on its own all the same.
    with billed_simulator() as sim:
        sim.engine.options.max_closings_per_move = 10**9
        with pytest.raises(ClockMoveRefused, match="beyond the calendar"):
            sim.engine.check_clock_move(datetime(9999, 12, 31, 23, tzinfo=UTC))


@pytest.mark.parametrize(
    "body",
    [
        {"to": "9999-12-31T23:59:59Z"},
        {"days": 999_999_999_999},
        {"seconds": 10**15},
        {"to": "2020-01-01T00:00:00Z"},
    ],
)
def test_the_clock_route_refuses_with_400_and_every_route_keeps_answering(body: object) -> None:
    with billed_simulator() as sim:
        before = state(sim)
        reply = sim.handler.handle(
            ApiRequest(
                "POST", "/_simulator/clock/advance", headers=JSON, body=json.dumps(body).encode()
            )
        )
        assert reply.status == 400
        assert json.loads(reply.body)["error"] == "Bad Request"
        assert sim.clock.now() == START
        assert state(sim) == before
        with sim.client() as client:
            (customer,) = client.customers.list()
        assert sim.engine.retrieve_customer(customer.customer_id).invoice_ids == []


def test_snapshots_kept_over_http_are_bounded_in_count_and_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from simulator.api import admin

    with billed_simulator() as sim:

        def post(path: str) -> tuple[int, object]:
            reply = sim.handler.handle(ApiRequest("POST", path, headers=JSON, body=b"{}"))
            return reply.status, json.loads(reply.body)

        monkeypatch.setattr(admin, "MAX_SNAPSHOTS", 2)
        assert post("/_simulator/snapshots")[0] == 201
        assert post("/_simulator/snapshots")[0] == 201
        status, body = post("/_simulator/snapshots")
        assert status == 400
        assert "at most 2 snapshots" in str(body)
        assert len(sim.api.snapshots) == 2
        cleared = sim.handler.handle(ApiRequest("DELETE", "/_simulator/snapshots"))
        assert json.loads(cleared.body)["deleted"] == 2
        monkeypatch.setattr(admin, "MAX_SNAPSHOT_BYTES", 1000)
        status, body = post("/_simulator/snapshots")
        assert status == 400
        assert "would take the snapshots kept past 1000 bytes" in str(body)
        assert sim.api.snapshots == {}
