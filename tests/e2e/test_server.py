"""`paigo-simulator serve` as a process: the SDK over a socket, admin routes, faults, shutdown."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from paigo_sdk import AsyncPaigoClient, PaigoClient
from paigo_sdk.errors import AuthenticationError, InternalServerError
from paigo_sdk.types.usage import AggregatedUsage, RawUsage
from simulator import FaultRule, RemoteSimulator


def sdk_client(server, **options) -> PaigoClient:
    return PaigoClient(
        client_id=server.client_id,
        client_secret=server.client_secret,
        api_url=server.url,
        auth_url=server.auth_url,
        **options,
    )


def test_server_prints_its_urls_and_the_credentials(fresh_server):
    assert fresh_server.url.startswith("http://127.0.0.1:")
    assert not fresh_server.url.endswith(":0")
    assert fresh_server.auth_url == f"{fresh_server.url}/oauth/token"
    assert (fresh_server.client_id, fresh_server.client_secret) == (
        "paigo-simulator",
        "paigo-simulator-secret",
    )


def test_token_endpoint_and_api_share_one_origin(fresh_server):
    token = fresh_server.token()
    reply = httpx.get(
        f"{fresh_server.url}/dimensions", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert reply.status_code == 200
    assert reply.json()["data"] == []


def test_api_refuses_requests_without_a_token(fresh_server):
    reply = httpx.get(f"{fresh_server.url}/dimensions", timeout=30)
    assert reply.status_code == 401
    assert reply.json() == {"message": "Unauthorized"}


def test_sdk_creates_resources_records_usage_and_reads_the_usage_view(fresh_server):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    with sdk_client(fresh_server) as client:
        dimension = client.dimensions.create(
            dimension_name="Data Processed",
            consumption_unit={"type": "data", "unit": "gigabyte"},
            usage_increment="1",
            rounding="ceiling",
            consumption_price="0.08",
            aggregation_method="sum",
            aggregation_interval="day",
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
        for minutes, value in ((0, "1.5"), (30, "2"), (60, "0.25")):
            result = client.usage.record(
                customer_id=customer.customer_id,
                dimension_id=dimension.dimension_id,
                record_value=value,
                timestamp=start + timedelta(minutes=minutes),
            )
            assert result.idempotent_replayed is False
        replay = client.usage.record(
            customer_id=customer.customer_id,
            dimension_id=dimension.dimension_id,
            record_value="2",
            timestamp=start,
            idempotency_key="k-1",
        )
        again = client.usage.record(
            customer_id=customer.customer_id,
            dimension_id=dimension.dimension_id,
            record_value="2",
            timestamp=start,
            idempotency_key="k-1",
        )
        assert (replay.idempotent_replayed, again.idempotent_replayed) == (False, True)
        # An explicit window: the default one starts with the current month (B13), which the
        # records two hours ago precede when this runs early on the 1st.
        since, until = start - timedelta(days=1), datetime.now(UTC)
        raw = client.customers.retrieve_usage(
            customer.customer_id,
            aggregation_interval="none",
            ignore_enrollment_date=True,
            start_time=since,
            end_time=until,
        )
        values = sorted(
            Decimal(record.record_value)
            for series in raw
            if isinstance(series, RawUsage)
            for record in series.usage
        )
        assert values == [Decimal("0.25"), Decimal("1.5"), Decimal("2"), Decimal("2")]
        daily = client.customers.retrieve_usage(
            customer.customer_id,
            aggregation_interval="day",
            ignore_enrollment_date=True,
            start_time=since,
            end_time=until,
        )
        total = sum(
            (
                Decimal(bucket.value or 0)
                for series in daily
                if isinstance(series, AggregatedUsage)
                for bucket in series.usage
            ),
            Decimal(0),
        )
        assert total == Decimal("5.75")


@pytest.mark.anyio
async def test_async_sdk_over_the_socket(fresh_server):
    async with AsyncPaigoClient(
        client_id=fresh_server.client_id,
        client_secret=fresh_server.client_secret,
        api_url=fresh_server.url,
        auth_url=fresh_server.auth_url,
    ) as client:
        assert await client.dimensions.list() == []


def test_wrong_credentials_are_an_authentication_error(fresh_server):
    client = PaigoClient(
        client_id="someone",
        client_secret="wrong",
        api_url=fresh_server.url,
        auth_url=fresh_server.auth_url,
    )
    with client, pytest.raises(AuthenticationError):
        client.dimensions.list()


def test_preloaded_fault_fires_over_the_socket(server_factory):
    server = server_factory("--fault", "kind=status,status=503,method=GET,path=/dimensions,times=9")
    with sdk_client(server, max_retries=1) as client, pytest.raises(InternalServerError):
        client.dimensions.list()
    faults = httpx.get(f"{server.url}/_simulator/faults", timeout=30).json()["faults"]
    assert faults[0]["fired"] == 2


def test_dropped_connection_is_retried_by_the_sdk(fresh_server):
    rule = {"kind": "drop", "method": "GET", "path": "/dimensions", "times": 1}
    added = httpx.post(f"{fresh_server.url}/_simulator/faults", json=rule, timeout=30)
    assert added.status_code == 201
    with sdk_client(fresh_server) as client:
        assert client.dimensions.list() == []
    faults = httpx.get(f"{fresh_server.url}/_simulator/faults", timeout=30).json()["faults"]
    assert faults[0]["fired"] == 1


def setup_customer(client: PaigoClient) -> tuple[str, str]:
    dimension = client.dimensions.create(
        dimension_name="Calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price="0.01",
        aggregation_method="sum",
    )
    customer = client.customers.create(
        customer_name="Faulty Co", email="ops@faulty.example", payment_channel="manual"
    )
    return customer.customer_id, dimension.dimension_id


def test_lost_response_over_the_socket_is_not_double_counted(fresh_server):
    with sdk_client(fresh_server, sleep=lambda _: None) as client:
        customer_id, dimension_id = setup_customer(client)
        with RemoteSimulator(fresh_server.url) as remote:
            remote.faults.add(
                FaultRule(kind="lost_response", method="POST", path="/usage", times=1)
            )
            result = client.usage.record(
                customer_id=customer_id, dimension_id=dimension_id, record_value="7"
            )
            records = remote.usage_records(customer_id=customer_id)
            [rule] = remote.faults.list()
    assert result.idempotent_replayed is True
    assert [r.record_value for r in records] == [Decimal(7)]
    assert rule["fired"] == 1


def test_hang_over_the_socket_outlasts_the_sdk_timeout_then_the_retry_succeeds(fresh_server):
    with sdk_client(fresh_server, timeout=1.0, sleep=lambda _: None) as client:
        customer_id, dimension_id = setup_customer(client)
        with RemoteSimulator(fresh_server.url) as remote:
            remote.faults.add(FaultRule(kind="hang", path="/usage", hang_seconds=30, times=1))
            result = client.usage.record(
                customer_id=customer_id, dimension_id=dimension_id, record_value="1"
            )
            records = remote.usage_records(customer_id=customer_id)
    assert result.idempotent_replayed is False
    assert len(records) == 1


def test_admin_routes_can_require_a_token(server_factory):
    server = server_factory("--admin-token", "adm1n")
    assert httpx.get(f"{server.url}/_simulator/faults", timeout=30).status_code == 401
    allowed = httpx.get(
        f"{server.url}/_simulator/faults",
        headers={"X-Simulator-Admin-Token": "adm1n"},
        timeout=30,
    )
    assert allowed.status_code == 200
    assert "adm1n" not in "\n".join(server.drain())


def test_admin_routes_can_be_disabled(server_factory):
    server = server_factory("--no-admin")
    assert httpx.get(f"{server.url}/_simulator/faults", timeout=30).status_code == 404
    assert httpx.post(f"{server.url}/_simulator/reset", timeout=30).status_code == 404


def test_manual_clock_server_moves_only_when_advanced(server_factory):
    server = server_factory("--start", "2026-01-01T00:00:00Z")
    assert "Clock: manual, at 2026-01-01T00:00:00Z" in server.output
    with RemoteSimulator(server.url) as remote:
        assert remote.clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
        assert remote.advance(days=31) == datetime(2026, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_shuts_the_server_down_cleanly(server_factory, sig):
    server = server_factory()
    server.token()
    assert server.stop(sig) == 0
    output = "\n".join(server.output)
    assert "Paigo simulator stopped." in output
    assert "Traceback" not in output


def test_access_log_prints_one_line_per_request(server_factory):
    server = server_factory("--access-log")
    httpx.get(f"{server.url}/dimensions", timeout=30)
    assert server.stop() == 0
    lines = [line for line in server.output if "GET /dimensions" in line]
    assert len(lines) == 1
    assert "401" in lines[0]


def test_without_access_log_requests_print_nothing(server_factory):
    server = server_factory()
    httpx.get(f"{server.url}/dimensions", timeout=30)
    assert server.stop() == 0
    assert not [line for line in server.output if "GET /dimensions" in line]
