"""mock_paigo(): clients built inside app code, with no arguments, talk to a simulator."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from paigo_sdk import AsyncPaigoClient, PaigoClient, UsageBatcher
from paigo_sdk.errors import ClientValidationError
from simulator import ManualClock, RemoteSimulator, Simulator, mock_paigo

START = datetime(2026, 2, 1, tzinfo=UTC)


def app_creates_customer(name: str) -> str:
    """What app code does: build a client from nothing and use it."""
    with PaigoClient() as client:
        return client.customers.create(
            customer_name=name, email="ap@example.com", payment_channel="manual"
        ).customer_id


def test_the_context_manager_yields_the_simulator_app_clients_reach(monkeypatch):
    # Even with settings for another server in the environment, the app's client is mocked.
    monkeypatch.setenv("PAIGO_CLIENT_ID", "real-id")
    monkeypatch.setenv("PAIGO_CLIENT_SECRET", "real-secret")
    monkeypatch.setenv("PAIGO_API_URL", "http://127.0.0.1:9")
    with mock_paigo() as sim:
        customer_id = app_creates_customer("Northwind")
        assert [c.customer_id for c in sim.engine.list_customers()] == [customer_id]


def test_a_given_simulator_is_used_and_left_open():
    with Simulator(clock=ManualClock(START)) as sim:
        with mock_paigo(sim) as active:
            assert active is sim
            app_creates_customer("Northwind")
        assert len(sim.engine.list_customers()) == 1


def test_clients_built_on_other_threads_are_mocked_too():
    with mock_paigo() as sim:
        worker = threading.Thread(target=app_creates_customer, args=("Threaded",))
        worker.start()
        worker.join()
        assert [c.customer_name for c in sim.engine.list_customers()] == ["Threaded"]


@pytest.mark.anyio
async def test_async_clients_are_mocked():
    with mock_paigo() as sim:
        async with AsyncPaigoClient() as client:
            await client.customers.create(
                customer_name="Async", email="a@example.com", payment_channel="manual"
            )
        assert [c.customer_name for c in sim.engine.list_customers()] == ["Async"]


def test_as_a_decorator_each_call_gets_a_fresh_simulator():
    mock = mock_paigo()

    @mock
    def job(name: str) -> str:
        return app_creates_customer(name)

    job("First")
    first = mock.simulator
    job("Second")
    assert first is not mock.simulator
    assert isinstance(mock.simulator, Simulator)
    assert [c.customer_name for c in mock.simulator.engine.list_customers()] == ["Second"]


def test_nothing_is_mocked_outside_the_block():
    with mock_paigo():
        pass
    with pytest.raises(ClientValidationError, match="missing Paigo credentials"):
        PaigoClient()


def test_clients_given_connection_arguments_are_not_mocked():
    with mock_paigo() as sim:
        client = PaigoClient(client_id="id", client_secret="secret", api_url="http://x.invalid")
        assert client.api_url == "http://x.invalid"
        client.close()
        assert len(sim.engine.list_customers()) == 0


def test_nested_activations_the_innermost_wins():
    with mock_paigo() as outer, mock_paigo() as inner:
        app_creates_customer("Inner")
        assert len(inner.engine.list_customers()) == 1
        assert len(outer.engine.list_customers()) == 0


def test_an_app_batcher_is_settled_before_the_clock_moves():
    with Simulator(clock=ManualClock(START)) as sim, sim.client() as admin:
        dimension = admin.dimensions.create(
            dimension_name="Data Processed",
            consumption_unit={"type": "data", "unit": "gigabyte"},
            usage_increment="1",
            rounding="ceiling",
            consumption_price="0.08",
            aggregation_method="sum",
            payment_schedule="arrear",
        )
        offering = admin.offerings.create(
            offering_name="Pay-as-you-go",
            offering_type="usage-based",
            billing_cycle="monthly",
            dimension_ids=[dimension.dimension_id],
        )
        customer = admin.customers.create(
            customer_name="Dumm AI Corp",
            email="billing@dumm.ai",
            payment_channel="manual",
            offering_id=offering.offering_id,
        )
        with mock_paigo(sim):
            app_client = PaigoClient()
            batcher = UsageBatcher(app_client, flush_interval=3600)
            for _ in range(10):
                batcher.add(customer.customer_id, dimension.dimension_id, 1)
            sim.advance(days=31)
            batcher.close()
            app_client.close()
        assert sim.clock.now() == START + timedelta(days=31)
        [invoice] = sim.engine.list_customer_invoices(customer.customer_id)
        assert invoice.total_amount_without_tax == Decimal("0.80")


def test_a_remote_simulator_can_be_the_target():
    with Simulator(clock=ManualClock(START)) as sim, sim.serve() as server:
        with RemoteSimulator(server.url) as remote, mock_paigo(remote):
            app_creates_customer("Over HTTP")
        assert [c.customer_name for c in sim.engine.list_customers()] == ["Over HTTP"]


def test_entering_an_active_activation_twice_is_refused():
    mock = mock_paigo()
    with mock, pytest.raises(RuntimeError, match="already active"):
        mock.__enter__()
