"""`paigo-simulator serve --usage-lag`: a real server process delays the usage view."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from simulator import RemoteSimulator
from tests.simulator.journey import setup_customer


def raw_values(client, customer_id: str) -> list[Decimal]:
    [series] = client.customers.retrieve_usage(customer_id, aggregation_interval="none")
    return [record.record_value for record in series.usage]


def test_the_usage_view_lags_on_the_server_clock_and_invoices_do_not(server_factory):
    server = server_factory(
        "--manual-clock", "--start", "2026-04-10T12:00:00Z", "--usage-lag", "60"
    )
    with RemoteSimulator(server.url) as remote, remote.client() as client:
        assert remote.usage_lag == timedelta(seconds=60)
        customer_id, dimension_id = setup_customer(client)
        remote.advance(minutes=5)
        client.usage.record(
            customer_id=customer_id,
            dimension_id=dimension_id,
            record_value="5",
            timestamp=remote.clock.now() - timedelta(minutes=1),
        )
        assert raw_values(client, customer_id) == []
        assert [r.record_value for r in remote.usage_records()] == [Decimal(5)]
        preview = remote.preview_invoice(customer_id)
        assert sum((line.amount for line in preview.line_items), Decimal(0)) == Decimal("0.40")
        remote.advance(seconds=59)
        assert raw_values(client, customer_id) == []
        remote.advance(seconds=1)
        assert raw_values(client, customer_id) == [Decimal(5)]


def test_a_test_that_changes_the_lag_gives_it_back_on_close(server_factory):
    server = server_factory("--manual-clock", "--usage-lag", "2.5")
    with RemoteSimulator(server.url) as remote:
        assert remote.usage_lag == timedelta(seconds=2, microseconds=500_000)
        remote.usage_lag = timedelta(minutes=10)
        assert remote.usage_lag == timedelta(minutes=10)
        with pytest.raises(ValueError, match="usage lag"):
            remote.usage_lag = -1
        assert remote.usage_lag == timedelta(minutes=10)
    with RemoteSimulator(server.url) as remote:
        assert remote.usage_lag == timedelta(seconds=2.5)
        remote.usage_lag = 0
        remote.reset()
        assert remote.usage_lag == timedelta(seconds=2.5)


def test_serve_refuses_a_bad_lag(server_factory):
    with pytest.raises(RuntimeError, match="usage-lag: expected a number of seconds"):
        server_factory("--usage-lag", "-3")
