"""Opt-in read-after-write lag of the usage view (B13), measured on the simulator's clock."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from simulator import ManualClock, Simulator
from tests.simulator.journey import setup_customer

START = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def sim():
    with Simulator(clock=ManualClock(START), array_batches=True) as instance:
        yield instance


def setup(sim: Simulator, client) -> tuple[str, str]:
    """Enrol a customer, then let five minutes pass so records can be dated after enrolment."""
    ids = setup_customer(client)
    sim.advance(minutes=5)
    return ids


def raw_values(client, customer_id: str) -> list[Decimal]:
    [series] = client.customers.retrieve_usage(customer_id, aggregation_interval="none")
    return [record.record_value for record in series.usage]


def day_total(client, customer_id: str) -> Decimal:
    [series] = client.customers.retrieve_usage(customer_id, aggregation_interval="day")
    return sum((bucket.value for bucket in series.usage), Decimal(0))


def record(client, customer_id: str, dimension_id: str, value: str, sim: Simulator) -> None:
    client.usage.record(
        customer_id=customer_id,
        dimension_id=dimension_id,
        record_value=value,
        timestamp=sim.clock.now() - timedelta(minutes=1),
    )


def test_without_a_lag_a_record_shows_at_once(sim):
    assert sim.usage_lag == timedelta(0)
    with sim.client() as client:
        customer_id, dimension_id = setup(sim, client)
        record(client, customer_id, dimension_id, "3", sim)
        assert raw_values(client, customer_id) == [Decimal(3)]


def test_a_record_shows_only_once_the_clock_passes_the_lag(sim):
    sim.usage_lag = 30
    with sim.client() as client:
        customer_id, dimension_id = setup(sim, client)
        record(client, customer_id, dimension_id, "3", sim)
        assert raw_values(client, customer_id) == []
        assert day_total(client, customer_id) == 0
        sim.advance(seconds=29)
        assert raw_values(client, customer_id) == []
        sim.advance(seconds=1)
        assert raw_values(client, customer_id) == [Decimal(3)]
        assert day_total(client, customer_id) == Decimal(3)


def test_each_write_becomes_visible_after_its_own_arrival(sim):
    sim.usage_lag = timedelta(seconds=10)
    with sim.client() as client:
        customer_id, dimension_id = setup(sim, client)
        record(client, customer_id, dimension_id, "1", sim)
        sim.advance(seconds=6)
        record(client, customer_id, dimension_id, "20", sim)
        sim.advance(seconds=4)  # the first is 10 s old, the second 4 s
        assert raw_values(client, customer_id) == [Decimal(1)]
        assert day_total(client, customer_id) == Decimal(1)
        sim.advance(seconds=6)
        assert raw_values(client, customer_id) == [Decimal(1), Decimal(20)]
        assert day_total(client, customer_id) == Decimal(21)


def test_a_batch_shows_all_at_once(sim):
    sim.usage_lag = 5
    with sim.client() as client:
        customer_id, dimension_id = setup(sim, client)
        moment = sim.clock.now() - timedelta(minutes=1)
        client.usage.record_batch(
            [
                {
                    "customer_id": customer_id,
                    "dimension_id": dimension_id,
                    "record_value": value,
                    "timestamp": moment,
                }
                for value in ("1", "2", "4")
            ]
        )
        assert raw_values(client, customer_id) == []
        sim.advance(seconds=5)
        assert raw_values(client, customer_id) == [Decimal(1), Decimal(2), Decimal(4)]


def test_invoices_and_inspection_see_records_the_view_still_hides(sim):
    sim.usage_lag = 3600
    with sim.client() as client:
        customer_id, dimension_id = setup(sim, client)
        record(client, customer_id, dimension_id, "2", sim)
        record(client, customer_id, dimension_id, "3", sim)
        assert raw_values(client, customer_id) == []
        assert [r.record_value for r in sim.usage_records(customer_id=customer_id)] == [
            Decimal(2),
            Decimal(3),
        ]
        preview = sim.preview_invoice(customer_id)
        # 5 GB at 0.08 per GB: the preview bills what the usage view does not show yet.
        assert sum((line.amount for line in preview.line_items), Decimal(0)) == Decimal("0.40")


def test_records_accepted_before_a_lag_was_set_stay_visible(sim):
    with sim.client() as client:
        customer_id, dimension_id = setup(sim, client)
        record(client, customer_id, dimension_id, "1", sim)
        sim.usage_lag = 60
        record(client, customer_id, dimension_id, "2", sim)
        assert raw_values(client, customer_id) == [Decimal(1)]
        sim.usage_lag = 0  # no lag: everything shows
        assert raw_values(client, customer_id) == [Decimal(1), Decimal(2)]


def test_snapshot_and_restore_keep_arrival_times(sim):
    sim.usage_lag = 10
    with sim.client() as client:
        customer_id, dimension_id = setup(sim, client)
        before = sim.snapshot()
        record(client, customer_id, dimension_id, "7", sim)
        sim.advance(seconds=10)
        assert raw_values(client, customer_id) == [Decimal(7)]
        sim.restore(before)
        assert raw_values(client, customer_id) == []
        record(client, customer_id, dimension_id, "8", sim)
        twin = sim.fork()
        with twin:
            assert twin.usage_lag == timedelta(seconds=10)
            twin.advance(seconds=10)
            with twin.client() as twin_client:
                assert raw_values(twin_client, customer_id) == [Decimal(8)]
        assert raw_values(client, customer_id) == []


@pytest.mark.parametrize(
    "bad", [-1, float("nan"), float("inf"), 7 * 86400 + 1, timedelta(days=8), "5", True]
)
def test_an_invalid_lag_is_refused_and_changes_nothing(sim, bad):
    sim.usage_lag = 2
    with pytest.raises(ValueError, match="usage lag"):
        sim.usage_lag = bad
    assert sim.usage_lag == timedelta(seconds=2)
    with pytest.raises(ValueError, match="usage lag"):
        Simulator(usage_lag=bad)


def test_reset_puts_back_the_lag_the_simulator_was_made_with():
    with Simulator(clock=ManualClock(START), usage_lag=timedelta(milliseconds=1500)) as sim:
        assert sim.usage_lag == timedelta(seconds=1, microseconds=500_000)
        sim.usage_lag = 90
        sim.reset()
        assert sim.usage_lag == timedelta(milliseconds=1500)


def admin(sim: Simulator, method: str, body: object = None) -> httpx.Response:
    with httpx.Client(transport=sim.transport(), base_url="http://paigo-simulator.local") as http:
        return http.request(
            method,
            "/_simulator/options",
            content=None if body is None else json.dumps(body),
            headers={"content-type": "application/json"},
        )


def test_the_options_route_reads_and_sets_the_lag_in_seconds(sim):
    assert admin(sim, "GET").json()["data"]["usageLagSeconds"] == 0
    reply = admin(sim, "PUT", {"usageLagSeconds": 2.5})
    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["usageLagSeconds"] == 2.5
    assert sim.usage_lag == timedelta(seconds=2, microseconds=500_000)


@pytest.mark.parametrize("bad", [-1, "10", 604801, None, True])
def test_the_options_route_refuses_a_bad_lag_and_keeps_the_old_one(sim, bad):
    sim.usage_lag = 4
    reply = admin(sim, "PUT", {"usageLagSeconds": bad})
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"] == "Bad Request"
    assert sim.usage_lag == timedelta(seconds=4)


def test_a_state_saved_before_usage_lags_existed_loads_and_lags_new_records(sim):
    with sim.client() as client:
        customer_id, dimension_id = setup(sim, client)
        record(client, customer_id, dimension_id, "1", sim)
        old = pickle.loads(sim.engine.export_state())
        del old.arrivals  # what a state file written by an earlier version holds
        sim.engine.import_state(pickle.dumps(old))
        sim.usage_lag = 30
        assert raw_values(client, customer_id) == [Decimal(1)]
        record(client, customer_id, dimension_id, "2", sim)
        assert raw_values(client, customer_id) == [Decimal(1)]
        sim.advance(seconds=30)
        assert raw_values(client, customer_id) == [Decimal(1), Decimal(2)]
