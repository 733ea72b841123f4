"""RemoteSimulator: the Simulator's methods over HTTP, against a server on a loopback socket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from simulator import FaultRule, ManualClock, RemoteSimulator, Simulator
from simulator.api.messages import ApiRequest, ApiResponse
from simulator.engine.state import Invoice, UsageRecordView
from simulator.remote import RemoteSimulatorError
from simulator.server import AsgiApp, SimulatorServer

START = datetime(2026, 3, 1, tzinfo=UTC)


class NotPaigoSimulator:
    """A server that knows no `/_simulator/` route, like Paigo itself."""

    def handle(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(403, (("content-type", "application/json"),), b'{"message":"Forbidden"}')


@pytest.fixture
def local():
    with Simulator(clock=ManualClock(START), seed=5) as sim:
        yield sim


@pytest.fixture
def server(local):
    with local.serve() as running:
        yield running


@pytest.fixture
def remote(server):
    with RemoteSimulator(server.url) as proxy:
        yield proxy


def setup_usage(remote: RemoteSimulator) -> str:
    with remote.client() as paigo:
        dimension = paigo.dimensions.create(
            dimension_name="Data Processed",
            consumption_unit={"type": "data", "unit": "gigabyte"},
            usage_increment="1",
            rounding="ceiling",
            consumption_price="0.08",
            aggregation_method="sum",
        )
        offering = paigo.offerings.create(
            offering_name="Pay-as-you-go",
            offering_type="usage-based",
            billing_cycle="monthly",
            dimension_ids=[dimension.dimension_id],
        )
        customer = paigo.customers.create(
            customer_name="Dumm AI Corp",
            email="billing@dumm.ai",
            payment_channel="manual",
            offering_id=offering.offering_id,
        )
        paigo.usage.record(
            customer_id=customer.customer_id,
            dimension_id=dimension.dimension_id,
            record_value="4",
            timestamp=START + timedelta(minutes=5),
        )
    return customer.customer_id


def test_probe_tells_a_simulator_from_another_server(server):
    assert RemoteSimulator.probe(server.url) is True
    with SimulatorServer(AsgiApp(NotPaigoSimulator())) as other:
        assert RemoteSimulator.probe(other.url) is False
        with RemoteSimulator(other.url) as proxy, pytest.raises(RemoteSimulatorError) as error:
            proxy.reset()
    assert error.value.status_code == 403


def test_unreachable_server_is_an_error_with_no_status():
    server = SimulatorServer(AsgiApp(NotPaigoSimulator()))
    url = server.url
    server.stop()
    assert RemoteSimulator.probe(url) is False
    with RemoteSimulator(url) as proxy, pytest.raises(RemoteSimulatorError) as error:
        proxy.clock.now()
    assert error.value.status_code is None


def test_clock_reads_and_moves_the_servers_manual_clock(remote, local):
    assert remote.clock.now() == START
    assert remote.advance(hours=2) == START + timedelta(hours=2)
    assert remote.set_time(START + timedelta(days=1)) == START + timedelta(days=1)
    assert local.clock.now() == START + timedelta(days=1)
    with pytest.raises(ValueError, match="backwards"):
        remote.advance(seconds=-1)


def test_inspection_and_period_invoice(remote, local):
    customer_id = setup_usage(remote)
    [record] = remote.usage_records(customer_id=customer_id)
    assert isinstance(record, UsageRecordView)
    assert record.record_value == Decimal(4)
    remote.advance(hours=1)
    preview = remote.preview_invoice(customer_id)
    assert isinstance(preview, Invoice)
    assert preview.total_amount_without_tax == Decimal("0.32")
    assert preview == local.preview_invoice(customer_id)
    invoice = remote.create_period_invoice(customer_id, START, START + timedelta(hours=1))
    assert invoice.invoice_type == "MANUAL"
    assert invoice == local.engine.retrieve_invoice(invoice.invoice_id)
    assert len(local.engine.list_customer_invoices(customer_id)) == 1


def test_snapshot_restore_and_reset(remote, local):
    customer_id = setup_usage(remote)
    saved = remote.snapshot()
    with remote.client() as paigo:
        paigo.customers.delete(customer_id)
    remote.restore(saved)
    assert [c.customer_id for c in local.engine.list_customers()] == [customer_id]
    remote.reset()
    assert local.engine.list_customers() == []


def test_faults_and_rejected_requests(remote, local):
    rule_id = remote.faults.add(FaultRule(kind="status", status=503, path="/offerings", times=1))
    with remote.client(max_retries=0) as paigo, pytest.raises(Exception, match="503"):
        paigo.offerings.list()
    [listed] = remote.faults.list()
    assert (listed["id"], listed["fired"]) == (rule_id, 1)
    remote.faults.remove(rule_id)
    assert local.faults.list() == []
    with remote.client() as paigo, pytest.raises(Exception, match="404"):
        paigo.customers.retrieve("missing")
    assert [r.status for r in remote.rejected_requests] == [404]
    assert remote.rejected_requests == local.rejected_requests
    assert remote.webhook_deliveries == []


@pytest.mark.anyio
async def test_async_client_over_the_socket(remote):
    async with remote.async_client() as paigo:
        assert await paigo.dimensions.list() == []


def test_admin_token_is_sent_when_given():
    with (
        Simulator(admin_token="adm1n") as sim,
        sim.serve() as server,
    ):
        assert RemoteSimulator.probe(server.url) is False
        assert RemoteSimulator.probe(server.url, admin_token="adm1n") is True
        with RemoteSimulator(server.url, admin_token="adm1n") as proxy:
            proxy.reset()


def test_clients_stamp_records_with_the_servers_time(remote, local):
    with remote.client() as paigo:
        dimension = paigo.dimensions.create(
            dimension_name="Seats",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment="1",
            rounding="ceiling",
        )
        customer = paigo.customers.create(
            customer_name="Clock Co", email="c@clock.example", payment_channel="manual"
        )
        remote.set_time(START + timedelta(days=40))
        paigo.usage.record(
            customer_id=customer.customer_id, dimension_id=dimension.dimension_id, record_value="1"
        )
    [record] = local.usage_records(customer_id=customer.customer_id)
    assert record.timestamp == START + timedelta(days=40)


def test_cached_time_falls_back_to_the_system_clock_without_admin_routes():
    with (
        Simulator(admin_enabled=False) as sim,
        sim.serve() as server,
        RemoteSimulator(server.url) as proxy,
    ):
        before = datetime.now(UTC)
        assert proxy.clock.cached_now() >= before
        with proxy.client() as paigo:
            assert paigo.dimensions.list() == []
