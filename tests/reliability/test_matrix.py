"""No record lost, none counted twice, every rejection named: each fault x client x sending path.

Every case sends the same `N` records (some of them for an unknown customer, which the server
must reject) into an in-process simulator whose `POST /usage` is hit by one fault rule firing
with probability 0.3 (seeded). Then the stored records, their total and a period invoice are
compared with values computed here from what was sent, and the rejected records reported by the
SDK are compared with the set of invalid records sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from paigo_sdk.errors import AuthenticationError, NotFoundError
from simulator.faults import FaultRule
from tests.reliability.conftest import (
    PERIOD_START,
    START,
    Billing,
    billing_simulator,
    expected_amount,
    no_async_sleep,
    no_sleep,
)

N = 120
UNKNOWN_CUSTOMER = "cus-does-not-exist"
FAULT_PROBABILITY = 0.3

FAULTS: dict[str, FaultRule | None] = {
    "no-fault": None,
    "latency": FaultRule(kind="latency", latency=0.001),
    "429-retry-after": FaultRule(kind="status", status=429, retry_after=0),
    "429": FaultRule(kind="status", status=429),
    "500": FaultRule(kind="status", status=500),
    "502": FaultRule(kind="status", status=502),
    "503": FaultRule(kind="status", status=503),
    "503-retry-after": FaultRule(kind="status", status=503, retry_after=0),
    "hang": FaultRule(kind="hang"),
    "drop": FaultRule(kind="drop"),
    "lost-response": FaultRule(kind="lost_response"),
    "token-expiry": FaultRule(kind="expire_token"),
    "token-revocation": FaultRule(kind="revoke_token"),
}
"""Every fault kind the simulator injects (status for each transient status, with and without
Retry-After where it matters)."""

PATHS = ["record", "batcher", "batcher-wire"]
"""`client.usage.record` per record; the batcher one record per request; with wire batches."""


@dataclass(frozen=True)
class Sent:
    """One record as the test sent it."""

    seq: str
    customer_id: str
    value: Decimal

    @property
    def key(self) -> str:
        return f"key-{self.seq}"

    @property
    def timestamp_offset(self) -> timedelta:
        return timedelta(seconds=20 * int(self.seq))


@dataclass
class Outcome:
    """What the SDK reported: the keys of the records it says were rejected."""

    rejected_keys: set[str] = field(default_factory=set)
    acknowledged: int = 0
    resent: int = 0
    """Direct calls the application had to repeat (same key) after the SDK raised."""


INVALID = frozenset({5, 101, 110, 118})
"""Records sent for an unknown customer. Most sit at the end, so that the first chunks of a
wire-batching batcher are clean and go as arrays (a chunk with a bad record is re-sent one record
at a time to find it); one early record checks that path too."""


def plan_records(billing: Billing) -> list[Sent]:
    """N records: values 0.25..6.25 in steps, those in `INVALID` for an unknown customer."""
    records: list[Sent] = []
    for index in range(N):
        customer = UNKNOWN_CUSTOMER if index in INVALID else billing.customer_id
        value = Decimal(index % 7) + Decimal("0.25")
        records.append(Sent(f"{index:04d}", customer, value))
    return records


def arm(billing: Billing, rule: FaultRule | None) -> str | None:
    if rule is None:
        return None
    return billing.sim.faults.add(
        FaultRule(
            kind=rule.kind,
            method="POST",
            path="/usage",
            status=rule.status,
            retry_after=rule.retry_after,
            latency=rule.latency,
            probability=FAULT_PROBABILITY,
            seed=7,
        )
    )


def _kwargs(billing: Billing, record: Sent) -> dict[str, Any]:
    return {
        "customer_id": record.customer_id,
        "dimension_id": billing.dimension_id,
        "timestamp": PERIOD_START + record.timestamp_offset,
        "metadata": {"seq": record.seq},
    }


APP_ATTEMPTS = 8
"""How often a direct caller sends one record (same key) when the SDK raises 401.

The client refreshes its token and retries once on 401 (by design: a credential that is really
revoked must surface). When a token fault hits the retry too, the 401 reaches the caller, which
may resend with the same idempotency key; the server must still count the record once.
"""
TOKEN_FAULTS = frozenset({"token-expiry", "token-revocation"})

CLIENT_OPTIONS: dict[str, Any] = {"max_retries": 15, "retry_deadline": None}
BATCHER_OPTIONS: dict[str, Any] = {
    "max_batch": 25,
    "flush_interval": 0.02,
    "concurrency": 4,
    "retry_deadline": 60.0,
    "retry_initial_delay": 0.0005,
    "retry_max_delay": 0.002,
}


def send_sync(billing: Billing, records: list[Sent], path: str) -> Outcome:
    outcome = Outcome()
    with billing.sim.client(sleep=no_sleep, **CLIENT_OPTIONS) as client:
        if path == "record":
            for record in records:
                for _attempt in range(APP_ATTEMPTS):
                    try:
                        client.usage.record(
                            record_value=record.value,
                            idempotency_key=record.key,
                            **_kwargs(billing, record),
                        )
                    except NotFoundError:
                        outcome.rejected_keys.add(record.key)
                    except AuthenticationError:
                        outcome.resent += 1
                        continue
                    else:
                        outcome.acknowledged += 1
                    break
            return outcome
        with client.usage.batcher(
            wire_batches=path == "batcher-wire", **BATCHER_OPTIONS
        ) as batcher:
            for record in records:
                kw = _kwargs(billing, record)
                batcher.add(
                    kw["customer_id"],
                    kw["dimension_id"],
                    record.value,
                    timestamp=kw["timestamp"],
                    metadata=kw["metadata"],
                    idempotency_key=record.key,
                )
            report = batcher.close(timeout=60)
    assert report.pending == 0
    assert report.dropped == 0
    assert all(r.permanent for r in report.rejected), report.rejected
    outcome.rejected_keys = {r.record.idempotency_key for r in report.rejected}
    outcome.acknowledged = report.delivered
    return outcome


async def send_async(billing: Billing, records: list[Sent], path: str) -> Outcome:
    outcome = Outcome()
    async with billing.sim.async_client(sleep=no_async_sleep, **CLIENT_OPTIONS) as client:
        if path == "record":
            semaphore = asyncio.Semaphore(8)

            async def one(record: Sent) -> None:
                async with semaphore:
                    for _attempt in range(APP_ATTEMPTS):
                        try:
                            await client.usage.record(
                                record_value=record.value,
                                idempotency_key=record.key,
                                **_kwargs(billing, record),
                            )
                        except NotFoundError:
                            outcome.rejected_keys.add(record.key)
                        except AuthenticationError:
                            outcome.resent += 1
                            continue
                        else:
                            outcome.acknowledged += 1
                        break

            await asyncio.gather(*(one(record) for record in records))
            return outcome
        batcher = client.usage.batcher(wire_batches=path == "batcher-wire", **BATCHER_OPTIONS)
        async with batcher:
            for record in records:
                kw = _kwargs(billing, record)
                await batcher.add(
                    kw["customer_id"],
                    kw["dimension_id"],
                    record.value,
                    timestamp=kw["timestamp"],
                    metadata=kw["metadata"],
                    idempotency_key=record.key,
                )
            report = await batcher.close(timeout=60)
    assert report.pending == 0
    assert report.dropped == 0
    assert all(r.permanent for r in report.rejected), report.rejected
    outcome.rejected_keys = {r.record.idempotency_key for r in report.rejected}
    outcome.acknowledged = report.delivered
    return outcome


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_nothing_lost_nothing_doubled_rejections_exact(
    billing: Billing, fault: str, flavour: str, path: str
) -> None:
    records = plan_records(billing)
    rule_id = arm(billing, FAULTS[fault])

    if flavour == "sync":
        outcome = send_sync(billing, records, path)
    else:
        outcome = asyncio.run(send_async(billing, records, path))

    valid = [r for r in records if r.customer_id == billing.customer_id]
    invalid = [r for r in records if r.customer_id != billing.customer_id]
    assert invalid
    assert len(valid) + len(invalid) == N
    # The fault really happened (except in the baseline), so the case proves something.
    if rule_id is not None:
        assert billing.sim.faults.fired(rule_id) > 0
    # The SDK's own retries absorb every fault but a token loss on two attempts in a row.
    if fault not in TOKEN_FAULTS:
        assert outcome.resent == 0
    # Rejections: exactly the invalid records, reported by key; every valid one acknowledged.
    assert outcome.rejected_keys == {r.key for r in invalid}
    assert outcome.acknowledged == len(valid)
    # Stored: each valid record exactly once, nothing else anywhere.
    assert billing.stored() == sorted((r.seq, r.value) for r in valid)
    assert len(billing.sim.usage_records()) == len(valid)
    total = sum((r.value for r in valid), Decimal(0))
    stored_total = sum(
        (r.record_value for r in billing.sim.usage_records(customer_id=billing.customer_id)),
        Decimal(0),
    )
    assert stored_total == total
    # Billed: the period invoice bills ceil(total) increments at the unit price.
    invoice = billing.sim.create_period_invoice(billing.customer_id, PERIOD_START, START)
    assert invoice.total_amount_without_tax == expected_amount(total)


@pytest.fixture
def billing_without_dedup() -> Iterator[Billing]:
    yield from billing_simulator(array_batches=True, deduplication=False)


@pytest.mark.parametrize("fault", ["503", "hang", "drop", "token-expiry"])
def test_without_dedup_nothing_acknowledged_is_sent_again(
    billing_without_dedup: Billing, fault: str
) -> None:
    """Faults where the server applied nothing: exact even on a server that double-counts."""
    billing = billing_without_dedup
    records = plan_records(billing)
    rule_id = arm(billing, FAULTS[fault])
    outcome = send_sync(billing, records, "batcher")
    assert rule_id is not None
    assert billing.sim.faults.fired(rule_id) > 0
    valid = [r for r in records if r.customer_id == billing.customer_id]
    assert outcome.rejected_keys == {r.key for r in records} - {r.key for r in valid}
    assert billing.stored() == sorted((r.seq, r.value) for r in valid)


def test_without_dedup_lost_responses_double_count(billing_without_dedup: Billing) -> None:
    """The control: a lost response is retried, so only deduplication keeps it counted once."""
    billing = billing_without_dedup
    records = plan_records(billing)
    rule_id = arm(billing, FAULTS["lost-response"])
    send_sync(billing, records, "batcher")
    assert rule_id is not None
    lost = billing.sim.faults.fired(rule_id)
    valid = [r for r in records if r.customer_id == billing.customer_id]
    stored = billing.stored()
    assert len(stored) > len(valid)
    assert {seq for seq, _ in stored} == {r.seq for r in valid}
    # Each lost response of a valid record stored one extra copy (invalid ones store nothing).
    assert len(stored) - len(valid) <= lost
