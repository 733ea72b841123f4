"""One sample test suite, run by the pytest plugin in-process and against a real server process.

The suite is what an app's tests look like: fixtures, `paigo_start`, typed inspection records,
a batcher, clock moves and a late record. It must pass unchanged in both modes.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SAMPLE_SUITE = """
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from paigo_sdk import UsageBatcher
from simulator import PaigoSimulator
from simulator.engine.state import Invoice, UsageRecordView

START = datetime(2030, 1, 1, tzinfo=UTC)


def setup_customer(client):
    dimension = client.dimensions.create(
        dimension_name="Data Processed",
        consumption_unit={"type": "data", "unit": "gigabyte"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.08",
        aggregation_method="sum",
        payment_schedule="arrear",
    )
    offering = client.offerings.create(
        offering_name="Pay-as-you-go",
        offering_type="usage-based",
        billing_cycle="monthly",
        dimension_ids=[dimension.dimension_id],
    )
    customer = client.customers.create(
        customer_name="Dumm AI Corp",
        email="billing@dumm.ai",
        payment_channel="manual",
        offering_id=offering.offering_id,
    )
    return customer.customer_id, dimension.dimension_id


@pytest.mark.paigo_start("2030-01-01T00:00:00Z")
def test_typed_records_in_every_mode(paigo_sim, paigo_client):
    assert isinstance(paigo_sim, PaigoSimulator)
    customer_id, dimension_id = setup_customer(paigo_client)
    paigo_client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value="4")
    [record] = paigo_sim.usage_records(customer_id=customer_id)
    assert isinstance(record, UsageRecordView)
    assert record.record_value == Decimal(4)
    preview = paigo_sim.preview_invoice(customer_id)
    assert isinstance(preview, Invoice)
    assert preview.total_amount_without_tax == Decimal("0.32")
    paigo_sim.advance(days=40)


@pytest.mark.paigo_start("2030-01-01T00:00:00Z")
def test_reset_put_the_clock_back(paigo_sim, paigo_clock, paigo_client):
    assert paigo_clock.now() == START
    assert paigo_client.customers.list() == []


@pytest.mark.paigo_start("2030-01-01T00:00:00Z")
def test_batched_records_are_billed_in_their_cycle(paigo_sim, paigo_client):
    customer_id, dimension_id = setup_customer(paigo_client)
    batcher = UsageBatcher(paigo_client, flush_interval=3600, max_batch=1000)
    for _ in range(100):
        batcher.add(customer_id, dimension_id, 1)
    paigo_sim.advance(days=31)
    # Delivered before the cycle closed: stored, and none of them late (so all billed).
    assert len(paigo_sim.usage_records(customer_id=customer_id)) == 100
    assert paigo_sim.late_records() == []
    batcher.close()


@pytest.mark.paigo_start("2030-01-01T00:00:00Z")
def test_snapshots_go_back_in_time(paigo_sim, paigo_client, paigo_clock):
    customer_id, _ = setup_customer(paigo_client)
    saved = paigo_sim.snapshot()
    paigo_sim.advance(days=40)
    paigo_client.customers.delete(customer_id)
    paigo_sim.restore(saved)
    assert paigo_clock.now() == START
    assert [c.customer_id for c in paigo_client.customers.list()] == [customer_id]


@pytest.mark.paigo_start("2030-01-01T00:00:00Z")
def test_a_late_record(paigo_sim, paigo_client):
    customer_id, dimension_id = setup_customer(paigo_client)
    paigo_sim.advance(days=31)
    paigo_client.usage.record(
        customer_id=customer_id,
        dimension_id=dimension_id,
        record_value="3",
        timestamp=datetime(2030, 1, 2, tzinfo=UTC),
    )
    [late] = paigo_sim.late_records(customer_id=customer_id)
    assert late.record_value == Decimal(3)


@pytest.mark.paigo_start("2030-01-01T00:00:00Z")
def test_webhooks_retry_on_the_simulator_clock(paigo_sim, paigo_client, paigo_webhooks):
    customer_id, _ = setup_customer(paigo_client)
    paigo_webhooks.subscribe("INVOICE_CREATED", client=paigo_client)
    paigo_webhooks.respond(503)
    paigo_sim.advance(days=31)  # the cycle closes: its invoice event is posted, and refused
    [delivery] = paigo_sim.webhook_deliveries
    assert [a.status_code for a in delivery.attempts] == [503]
    paigo_sim.advance(seconds=5)
    [event] = paigo_webhooks.events("INVOICE_CREATED")
    assert event["customerId"] == customer_id
    resent = paigo_sim.webhooks.resend(delivery.delivery_id)
    assert [a.status_code for a in resent.attempts] == [503, 200, 200]
"""


def run_suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_sample=SAMPLE_SUITE)
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:randomly", *args, timeout=300
    )


def check(result: pytest.RunResult) -> None:
    # The late record ends its test with a LateUsageWarning, an error under `-W error::...`.
    result.assert_outcomes(passed=6, errors=1)
    result.stdout.fnmatch_lines(["*LateUsageWarning: 1 usage record(s) arrived for periods*"])
    result.stdout.fnmatch_lines(["ERROR test_sample.py::test_a_late_record*"])


WARNINGS_AS_ERRORS = ("-W", "error::simulator.LateUsageWarning")


def test_the_sample_suite_passes_in_process(pytester):
    check(run_suite(pytester, *WARNINGS_AS_ERRORS))


def test_the_sample_suite_passes_against_a_server_process(pytester, server_factory):
    server = server_factory("--manual-clock", "--start", "2029-06-01T00:00:00Z")
    check(run_suite(pytester, *WARNINGS_AS_ERRORS, f"--paigo-simulator-url={server.url}"))


def test_several_xdist_workers_against_one_server_are_refused(pytester, server_factory):
    server = server_factory("--manual-clock")
    pytester.makepyfile(test_sample="def test_nothing(paigo_sim):\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", f"--paigo-simulator-url={server.url}", timeout=300
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--paigo-simulator-url points every pytest-xdist worker*"])
