"""`client.usage.reconcile` against the simulator: exact delivery, double counts, lost records."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from paigo_sdk import PaigoClient
from paigo_sdk.batching import UsageBatcher
from paigo_sdk.errors import ClientValidationError
from paigo_sdk.reconcile import CSV_COLUMNS, DriftRow
from simulator import ManualClock, Simulator
from simulator.faults import FaultRule
from tests.sdk.batching.conftest import start_simulator_server

START = datetime(2026, 11, 24, 0, tzinfo=UTC)
NOW = START + timedelta(hours=8)
FAST: dict[str, Any] = {"retry_initial_delay": 0.001, "retry_max_delay": 0.01}

Bucket = tuple[str, str, datetime]


@dataclass
class Shop:
    """A simulator at NOW with two dimensions and two customers."""

    sim: Simulator
    client: PaigoClient
    customers: tuple[str, str]
    dimensions: tuple[str, str]
    sent: Counter[Bucket]
    sent_sum: dict[Bucket, Decimal]

    def add_all(self, batcher: UsageBatcher, count: int = 240) -> None:
        """Add `count` records spread over 6 hours, 2 customers and 2 dimensions."""
        for index in range(count):
            customer = self.customers[index % 2]
            dimension = self.dimensions[(index // 2) % 2]
            moment = START + timedelta(hours=(index // 4) % 6, minutes=index % 60)
            value = Decimal(index + 1) / 4
            batcher.add(customer, dimension, value, timestamp=moment)
            key = (customer, dimension, moment.replace(minute=0))
            self.sent[key] += 1
            self.sent_sum[key] = self.sent_sum.get(key, Decimal(0)) + value

    def stored_drift(self) -> dict[Bucket, tuple[int, Decimal]]:
        """What the simulator's own store holds beyond what the test sent, per bucket."""
        stored: Counter[Bucket] = Counter()
        stored_sum: dict[Bucket, Decimal] = {}
        for record in self.sim.usage_records():
            key = (record.customer_id, record.dimension_id, record.timestamp.replace(minute=0))
            stored[key] += 1
            stored_sum[key] = stored_sum.get(key, Decimal(0)) + record.record_value
        drift = {}
        for key in set(stored) | set(self.sent):
            records = stored[key] - self.sent[key]
            total = stored_sum.get(key, Decimal(0)) - self.sent_sum.get(key, Decimal(0))
            if records or total:
                drift[key] = (records, total)
        return drift


def _shop(**options: Any) -> Iterator[Shop]:
    sim = Simulator(clock=ManualClock(NOW), seed=5, **options)
    with sim.client() as client:
        dimensions = tuple(
            client.dimensions.create(
                dimension_name=name,
                consumption_unit={"type": "count", "unit": "count-based"},
                usage_increment="1",
                rounding="ceiling",
                consumption_price="0.01",
                aggregation_method=method,
            ).dimension_id
            for name, method in (("API calls", "sum"), ("Peak seats", "max"))
        )
        customers = tuple(
            client.customers.create(
                customer_name=name, email=f"billing@{name}.test", payment_channel="manual"
            ).customer_id
            for name in ("acme", "globex")
        )
        yield Shop(sim, client, customers, dimensions, Counter(), {})  # type: ignore[arg-type]


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from _shop()


@pytest.fixture
def shop_without_dedup() -> Iterator[Shop]:
    yield from _shop(deduplication=False)


def _found(rows: tuple[DriftRow, ...]) -> dict[Bucket, tuple[int, Decimal]]:
    return {
        (r.customer_id, r.dimension_id, r.hour): (r.records_difference, r.total_difference)
        for r in rows
    }


@pytest.mark.parametrize("rollup", [False, True], ids=["plain", "rollup"])
@pytest.mark.parametrize("store", ["memory", "outbox"])
def test_an_exact_delivery_reports_zero_drift(
    shop: Shop, store: str, rollup: bool, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox.sqlite" if store == "outbox" else None
    # With rollup one unit takes every record, so that each bucket's records can combine.
    max_batch = 240 if rollup else 20
    with shop.client.usage.batcher(
        ledger=True, outbox=outbox, max_batch=max_batch, rollup=rollup
    ) as batcher:
        shop.add_all(batcher)
        assert batcher.flush(timeout=60).complete
        report = shop.client.usage.reconcile(start=START, end=NOW)
    assert report.in_sync
    assert report.rows == ()
    assert report.buckets == len(shop.sent) == 24
    # With rollup Paigo holds fewer, combined records; the ledger counted the same ones.
    assert (len(shop.sim.usage_records()) < 240) is rollup
    assert report.customers == tuple(sorted(shop.customers))
    assert (report.start, report.end) == (START, NOW)


def test_double_counted_records_are_found_bucket_by_bucket(shop_without_dedup: Shop) -> None:
    shop = shop_without_dedup
    # The server stores the record, the reply is lost, the batcher sends it again, and a server
    # that does not deduplicate stores it twice.
    rule = shop.sim.faults.add(
        FaultRule(kind="lost_response", method="POST", path="/usage", probability=0.2, seed=3)
    )
    with shop.client.usage.batcher(ledger=True, max_batch=20, **FAST) as batcher:
        shop.add_all(batcher)
        assert batcher.flush(timeout=60).complete
        report = shop.client.usage.reconcile(start=START, end=NOW)
    expected = shop.stored_drift()
    assert sum(records for records, _ in expected.values()) == shop.sim.faults.fired(rule) > 5
    assert _found(report.rows) == expected
    assert all(
        row.local_records == shop.sent[(row.customer_id, row.dimension_id, row.hour)]
        for row in report.rows
    )


@pytest.mark.parametrize("wire", [False, True], ids=["single", "wire"])
def test_records_acknowledged_but_not_stored_are_found_bucket_by_bucket(
    wire: bool, tmp_path: Path
) -> None:
    # A service that loses a share of what it acknowledged: nothing but reconciliation sees it.
    for shop in _shop(array_batches=True):
        rule = shop.sim.faults.add(
            FaultRule(kind="discard", method="POST", path="/usage", probability=0.15, seed=9)
        )
        outbox = tmp_path / "outbox.sqlite"
        with shop.client.usage.batcher(
            ledger=True, outbox=outbox, wire_batches=wire, max_batch=5, **FAST
        ) as batcher:
            shop.add_all(batcher)
            report = batcher.flush(timeout=60)
            assert report.complete
            assert report.delivered == 240
            drift = shop.client.usage.reconcile(start=START, end=NOW)
        expected = shop.stored_drift()
        assert shop.sim.faults.fired(rule) > 3
        assert all(records < 0 for records, _ in expected.values())
        assert _found(drift.rows) == expected
        assert all(row.remote_records < row.local_records for row in drift.rows)


def test_only_the_whole_hours_of_the_window_are_compared(shop_without_dedup: Shop) -> None:
    shop = shop_without_dedup
    lost_once = FaultRule(kind="lost_response", method="POST", path="/usage", times=1)
    with shop.client.usage.batcher(ledger=True, **FAST) as batcher:
        for hour in (0, 2):
            shop.sim.faults.add(lost_once)
            batcher.add(
                shop.customers[0], shop.dimensions[0], 1, timestamp=START + timedelta(hours=hour)
            )
            batcher.flush(timeout=60)
        # 01:30 rounds down to 01:00 and 02:59 to 02:00: only the hour from 01:00 is compared.
        report = shop.client.usage.reconcile(
            start=START + timedelta(hours=1, minutes=30),
            end=START + timedelta(hours=2, minutes=59),
        )
        later = shop.client.usage.reconcile(start=START, end=NOW)
    assert (report.start, report.end) == (START + timedelta(hours=1), START + timedelta(hours=2))
    assert report.in_sync
    assert report.buckets == 0
    assert [(r.hour, r.records_difference) for r in later.rows] == [
        (START, 1),
        (START + timedelta(hours=2), 1),
    ]


def test_the_ledger_in_an_outbox_file_outlives_its_batcher(
    shop_without_dedup: Shop, tmp_path: Path
) -> None:
    shop = shop_without_dedup
    outbox = tmp_path / "outbox.sqlite"
    shop.sim.faults.add(FaultRule(kind="lost_response", method="POST", path="/usage", times=1))
    with shop.client.usage.batcher(ledger=True, outbox=outbox, **FAST) as batcher:
        batcher.add(shop.customers[0], shop.dimensions[0], Decimal("0.5"), timestamp=START)
    from_batcher = shop.client.usage.reconcile(start=START, end=NOW)
    del batcher
    report = shop.client.usage.reconcile(start=START, end=NOW, ledger=outbox)
    assert report == from_batcher
    (row,) = report.rows
    assert (row.local_records, row.remote_records) == (1, 2)
    assert (row.local_total, row.remote_total) == (Decimal("0.5"), Decimal("1.0"))


def test_records_other_senders_stored_in_ledger_dimensions_show_as_drift(shop: Shop) -> None:
    with shop.client.usage.batcher(ledger=True) as batcher:
        batcher.add(shop.customers[0], shop.dimensions[0], 3, timestamp=START)
        batcher.flush(timeout=60)
        # Sent around the batcher: the same dimension (drift) and another one (not judged).
        for dimension in shop.dimensions:
            shop.client.usage.record(
                customer_id=shop.customers[0],
                dimension_id=dimension,
                record_value=4,
                timestamp=START + timedelta(hours=1),
            )
        report = shop.client.usage.reconcile(start=START, end=NOW)
    assert _found(report.rows) == {
        (shop.customers[0], shop.dimensions[0], START + timedelta(hours=1)): (1, Decimal(4))
    }


def test_reconcile_refuses_bad_windows_and_missing_ledgers(shop: Shop) -> None:
    with pytest.raises(ClientValidationError, match="ledger=True"):
        shop.client.usage.reconcile(start=START, end=NOW)
    with shop.client.usage.batcher(ledger=True) as batcher:
        with pytest.raises(ClientValidationError, match="timezone-aware"):
            shop.client.usage.reconcile(start=datetime(2026, 11, 24), end=NOW)  # noqa: DTZ001
        with pytest.raises(ClientValidationError, match="no whole UTC hour"):
            shop.client.usage.reconcile(start=NOW, end=NOW + timedelta(minutes=59))
        with pytest.raises(ClientValidationError, match="customer_ids"):
            shop.client.usage.reconcile(start=START, end=NOW, customer_ids="acme")
        with pytest.raises(ClientValidationError, match="ledger must be"):
            shop.client.usage.reconcile(start=START, end=NOW, ledger=42)  # type: ignore[arg-type]
        assert batcher.usage_ledger is not None


def test_the_report_prints_as_a_table_and_exports_csv(
    shop_without_dedup: Shop, tmp_path: Path
) -> None:
    shop = shop_without_dedup
    shop.sim.faults.add(FaultRule(kind="lost_response", method="POST", path="/usage", times=1))
    with shop.client.usage.batcher(ledger=True, **FAST) as batcher:
        batcher.add(shop.customers[0], shop.dimensions[0], Decimal("1.25"), timestamp=START)
        batcher.flush(timeout=60)
        report = shop.client.usage.reconcile(start=START, end=NOW)
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(report)
    text = console.export_text()
    assert "Usage drift 2026-11-24T00:00:00Z to 2026-11-24T08:00:00Z" in text
    assert shop.customers[0] in text
    assert "+1.25" in text
    path = tmp_path / "drift.csv"
    written = report.to_csv(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert written == path.read_text(encoding="utf-8")
    assert rows == [
        list(CSV_COLUMNS),
        [
            shop.customers[0],
            shop.dimensions[0],
            "2026-11-24T00:00:00Z",
            "1",
            "2",
            "1",
            "1.25",
            "2.50",
            "1.25",
        ],
    ]
    assert "1 drifted" in str(report)


def test_async_reconcile_finds_the_same_drift(shop_without_dedup: Shop) -> None:
    shop = shop_without_dedup
    shop.sim.faults.add(
        FaultRule(kind="lost_response", method="POST", path="/usage", probability=0.2, seed=4)
    )

    async def run() -> dict[Bucket, tuple[int, Decimal]]:
        async with (
            shop.sim.async_client() as client,
            client.usage.batcher(ledger=True, max_batch=20, **FAST) as batcher,
        ):
            for index in range(60):
                moment = START + timedelta(hours=index % 3)
                await batcher.add(shop.customers[0], shop.dimensions[0], index, timestamp=moment)
                key = (shop.customers[0], shop.dimensions[0], moment)
                shop.sent[key] += 1
                shop.sent_sum[key] = shop.sent_sum.get(key, Decimal(0)) + index
            await batcher.flush(timeout=60)
            report = await client.usage.reconcile(start=START, end=NOW)
        return _found(report.rows)

    found = asyncio.run(run())
    assert found == shop.stored_drift()
    assert found


def test_reconcile_over_a_socket_finds_what_a_serve_process_discarded() -> None:
    """`paigo-simulator serve --fault kind=discard,...` loses a share of acknowledged records."""
    server = start_simulator_server(
        "--seed", "5", "--fault", "kind=discard,method=POST,path=/usage,probability=0.2,seed=2"
    )
    try:
        with PaigoClient(
            client_id=server.env["PAIGO_CLIENT_ID"],
            client_secret=server.env["PAIGO_CLIENT_SECRET"],
            api_url=server.env["PAIGO_API_URL"],
            auth_url=server.env["PAIGO_AUTH_URL"],
        ) as client:
            dimension = client.dimensions.create(
                dimension_name="API calls",
                consumption_unit={"type": "count", "unit": "count-based"},
                usage_increment="1",
                rounding="ceiling",
                consumption_price="0.01",
                aggregation_method="sum",
            ).dimension_id
            customer = client.customers.create(
                customer_name="Acme", email="billing@acme.test", payment_channel="manual"
            ).customer_id
            # Three whole hours before the current one, on the server's (system) clock.
            first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            first -= timedelta(hours=3)
            sent: Counter[datetime] = Counter()
            with client.usage.batcher(ledger=True, **FAST) as batcher:
                for minute in range(0, 180, 2):
                    moment = first + timedelta(minutes=minute)
                    batcher.add(customer, dimension, 1, timestamp=moment)
                    sent[moment.replace(minute=0)] += 1
                assert batcher.flush(timeout=60).delivered == 90
                report = client.usage.reconcile(start=first, end=datetime.now(UTC))
        stored: Counter[datetime] = Counter(
            datetime.fromisoformat(item["timestamp"]).astimezone(UTC).replace(minute=0, second=0)
            for item in server.admin("GET", f"usage-records?customerId={customer}").json()["data"]
        )
        (rule,) = server.admin("GET", "faults").json()["faults"]
    finally:
        server.stop()
    expected = {hour: stored[hour] - sent[hour] for hour in sent if stored[hour] != sent[hour]}
    assert sum(expected.values()) == -rule["fired"] < 0
    assert {row.hour: row.records_difference for row in report.rows} == expected
    assert {row.hour: row.total_difference for row in report.rows} == expected
