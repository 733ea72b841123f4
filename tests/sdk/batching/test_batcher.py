"""UsageBatcher delivers every record exactly once, through faults, full queues and timeouts."""

from __future__ import annotations

import asyncio
import gc
import os
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest

from paigo_sdk.batching import (
    AsyncUsageBatcher,
    OutcomeKind,
    QueueFullPolicy,
    RecordOutcome,
    UsageBatcher,
)
from paigo_sdk.batching._outbox import Outbox
from paigo_sdk.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatcherClosedError,
    ClientValidationError,
    InternalServerError,
    NotFoundError,
    QueueFullError,
    RateLimitError,
)

# -- a scriptable stand-in for the usage endpoints, for exact fault control --------------------

FAULTS = ("429", "429-retry-after", "500", "503", "timeout", "drop", "lost", "401")


@dataclass
class Reply:
    message: str = "Usage record created"
    idempotent_replayed: bool = False


@dataclass
class BatchItem:
    status: str


@dataclass
class BatchReply:
    results: list[BatchItem]
    message: str = "Usage records created"


@dataclass
class FakeUsageServer:
    """Stores usage records with Paigo's idempotency (B2) and fails on demand.

    `script` holds the faults of the next calls, in order; `fault_rate` adds seeded random faults.
    A "lost" fault stores the record and then raises a connection error: the duplicate maker.
    """

    deduplication: bool = True
    array_batches: bool = True
    fault_rate: float = 0.0
    faults: Sequence[str] = FAULTS
    seed: int = 7
    known_customers: set[str] | None = None
    hang: threading.Event | None = None
    script: list[str] = field(default_factory=list)
    stored: list[tuple[str, str, Decimal]] = field(default_factory=list)
    keys: dict[tuple[str, str], int] = field(default_factory=dict)
    calls: int = 0
    batch_calls: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)

    def total(self) -> Decimal:
        return sum((value for _, _, value in self.stored), Decimal(0))

    def _fault(self) -> str | None:
        with self._lock:
            self.calls += 1
            if self.script:
                return self.script.pop(0)
            if self.fault_rate and self._random.random() < self.fault_rate:
                return self._random.choice(list(self.faults))
        return None

    def _raise_before(self, fault: str | None) -> None:
        if fault is None or fault == "lost":
            return
        if fault == "hang":
            assert self.hang is not None
            self.hang.wait(30)
            raise APITimeoutError("timed out", method="POST", url="/usage")
        if fault == "429":
            raise RateLimitError("Too Many Requests", status_code=429)
        if fault == "429-retry-after":
            raise RateLimitError("Too Many Requests", status_code=429, retry_after=0.01)
        if fault in ("500", "503"):
            raise InternalServerError("Service Unavailable", status_code=int(fault))
        if fault == "timeout":
            raise APITimeoutError("timed out", method="POST", url="/usage")
        if fault == "drop":
            raise APIConnectionError("connection reset", method="POST", url="/usage")
        if fault == "401":
            raise AuthenticationError("Unauthorized", status_code=401)
        raise AssertionError(fault)

    def _store(self, body: Mapping[str, Any], key: str) -> bool:
        """Store one record; True when it was a replay."""
        scope = (body["customerId"], key)
        if self.deduplication and scope in self.keys:
            return True
        self.keys[scope] = self.keys.get(scope, 0) + 1
        self.stored.append((body["customerId"], key, Decimal(body["recordValue"])))
        return False

    def _check(self, body: Mapping[str, Any]) -> str | None:
        if body["customerId"] == "bad-customer" or (
            self.known_customers is not None and body["customerId"] not in self.known_customers
        ):
            return f"Customer with ID: {body['customerId']} not found"
        if body["recordValue"].startswith("-"):
            return "recordValue must not be negative"
        return None

    def record(self, body: Mapping[str, Any], key: str) -> Reply:
        fault = self._fault()
        self._raise_before(fault)
        problem = self._check(body)
        if problem is not None:
            if "not found" in problem:
                raise NotFoundError(problem, status_code=404)
            raise BadRequestError(problem, status_code=400, messages=[problem])
        with self._lock:
            replayed = self._store(body, key)
        if fault == "lost":
            raise APIConnectionError("response lost", method="POST", url="/usage")
        return Reply(idempotent_replayed=replayed)

    def record_batch(self, bodies: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> BatchReply:
        with self._lock:
            self.batch_calls += 1
        fault = self._fault()
        self._raise_before(fault)
        if not self.array_batches:
            message = "usage batches are not enabled on this server"
            raise BadRequestError(message, status_code=400, messages=[message])
        assert len(bodies) == len(keys)
        problems = [
            f"{index}.{problem}"
            for index, body in enumerate(bodies)
            if (problem := self._check(body)) is not None
        ]
        if problems:
            raise BadRequestError(problems[0], status_code=400, messages=problems)
        with self._lock:
            items = [
                BatchItem("replayed" if self._store(body, key) else "created")
                for body, key in zip(bodies, keys, strict=True)
            ]
        if fault == "lost":
            raise APIConnectionError("response lost", method="POST", url="/usage")
        return BatchReply(items)


def _body(
    customer_id: str,
    dimension_id: str,
    record_value: Decimal | int | str,
    timestamp: datetime | str | None,
    metadata: Mapping[str, Any] | None,
) -> dict[str, Any]:
    assert timestamp is not None
    moment = datetime.fromisoformat(timestamp) if isinstance(timestamp, str) else timestamp
    assert moment.tzinfo is not None
    body: dict[str, Any] = {
        "customerId": customer_id,
        "dimensionId": dimension_id,
        "recordValue": format(Decimal(record_value), "f"),
        "timestamp": moment.isoformat(),
    }
    if metadata is not None:
        body["metadata"] = dict(metadata)
    return body


class FakeUsage:
    def __init__(self, server: FakeUsageServer) -> None:
        self._server = server

    def record(
        self,
        *,
        customer_id: str,
        dimension_id: str,
        record_value: Decimal | int | str,
        timestamp: datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Reply:
        assert idempotency_key
        body = _body(customer_id, dimension_id, record_value, timestamp, metadata)
        return self._server.record(body, idempotency_key)

    def record_batch(
        self, records: Sequence[Mapping[str, Any]], *, idempotency_keys: Sequence[str] | None = None
    ) -> BatchReply:
        assert idempotency_keys is not None
        return self._server.record_batch(records, idempotency_keys)


class AsyncFakeUsage:
    def __init__(self, server: FakeUsageServer) -> None:
        self._usage = FakeUsage(server)
        self._server = server

    async def record(self, **kwargs: Any) -> Reply:
        await asyncio.sleep(0)
        if self._server.script and self._server.script[0] == "hang":
            self._server.script.pop(0)
            await asyncio.sleep(30)
        return self._usage.record(**kwargs)

    async def record_batch(
        self, records: Sequence[Mapping[str, Any]], *, idempotency_keys: Sequence[str] | None = None
    ) -> BatchReply:
        await asyncio.sleep(0)
        if self._server.script and self._server.script[0] == "hang":
            self._server.script.pop(0)
            await asyncio.sleep(30)
        return self._usage.record_batch(records, idempotency_keys=idempotency_keys)


class FakeClient:
    """The part of `PaigoClient` a batcher uses."""

    def __init__(self, server: FakeUsageServer) -> None:
        self.server = server
        self.usage = FakeUsage(server)
        self.options: dict[str, Any] = {}

    def with_options(self, **options: Any) -> FakeClient:
        copy = FakeClient(self.server)
        copy.options = options
        return copy


class AsyncFakeClient:
    """The part of `AsyncPaigoClient` a batcher uses."""

    def __init__(self, server: FakeUsageServer) -> None:
        self.server = server
        self.usage = AsyncFakeUsage(server)
        self.options: dict[str, Any] = {}

    def with_options(self, **options: Any) -> AsyncFakeClient:
        copy = AsyncFakeClient(self.server)
        copy.options = options
        return copy


def wait_until(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


# -- tests ---------------------------------------------------------------------------------------

MakeBatcher = Callable[..., UsageBatcher]
FAST_RETRY: dict[str, Any] = {"retry_initial_delay": 0.001, "retry_max_delay": 0.005}


@pytest.fixture(params=[False, True], ids=["single", "wire"])
def wire(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def server() -> FakeUsageServer:
    return FakeUsageServer()


@pytest.fixture
def make_batcher(server: FakeUsageServer, wire: bool) -> Iterator[MakeBatcher]:
    made: list[UsageBatcher] = []

    def make(**options: Any) -> UsageBatcher:
        options = {"wire_batches": wire, "flush_interval": 0.05, **FAST_RETRY, **options}
        batcher = UsageBatcher(cast(Any, FakeClient(server)), **options)
        made.append(batcher)
        return batcher

    yield make
    for batcher in made:
        if not batcher._closed:
            batcher.close(timeout=5)


def _produce(batcher: UsageBatcher, threads: int, per_thread: int) -> Decimal:
    def work(number: int) -> None:
        for index in range(per_thread):
            batcher.add(f"customer-{number % 3}", "api-calls", Decimal(f"{index}.25"))

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum((Decimal(f"{i}.25") for i in range(per_thread)), Decimal(0)) * threads


def test_records_from_many_threads_arrive_exactly_once(
    make_batcher: MakeBatcher, server: FakeUsageServer
) -> None:
    batcher = make_batcher(max_batch=50)
    expected = _produce(batcher, threads=6, per_thread=300)
    report = batcher.close(timeout=30)
    assert report.delivered == 1800
    assert report.complete
    assert len(server.stored) == 1800
    assert server.total() == expected
    assert all(count == 1 for count in server.keys.values())


def test_wire_batches_send_far_fewer_requests(server: FakeUsageServer) -> None:
    with UsageBatcher(cast(Any, FakeClient(server)), wire_batches=True, max_batch=100) as batcher:
        for index in range(1000):
            batcher.add("c1", "d1", index)
    assert len(server.stored) == 1000
    assert server.batch_calls <= 20


@pytest.mark.parametrize(
    "fault", ["429", "429-retry-after", "500", "503", "timeout", "drop", "lost", "401"]
)
def test_each_transient_fault_loses_and_duplicates_nothing(
    make_batcher: MakeBatcher, server: FakeUsageServer, fault: str
) -> None:
    server.fault_rate, server.faults = 0.3, [fault]
    batcher = make_batcher(max_batch=20, concurrency=3)
    expected = _produce(batcher, threads=3, per_thread=100)
    report = batcher.close(timeout=60)
    assert report.complete, report
    assert report.delivered == 300
    assert server.total() == expected
    assert len(server.stored) == 300
    assert batcher.stats().retried > 0


def test_lost_responses_are_acknowledged_as_replays(
    make_batcher: MakeBatcher, server: FakeUsageServer
) -> None:
    server.script = ["lost"]
    batcher = make_batcher()
    batcher.add("c1", "d1", 5)
    report = batcher.close(timeout=10)
    assert (report.delivered, report.replayed) == (1, 1)
    assert server.total() == 5


@pytest.mark.parametrize("fault", ["429", "503", "timeout", "drop"])
def test_without_deduplication_no_acknowledged_record_is_sent_twice(
    make_batcher: MakeBatcher, server: FakeUsageServer, fault: str
) -> None:
    server.deduplication = False
    server.fault_rate, server.faults = 0.3, [fault]
    batcher = make_batcher(max_batch=25)
    expected = _produce(batcher, threads=4, per_thread=50)
    assert batcher.close(timeout=60).delivered == 200
    assert server.total() == expected
    assert sorted(server.keys.values()) == [1] * 200


def test_permanent_rejections_are_reported_per_record_and_never_retried(
    make_batcher: MakeBatcher, server: FakeUsageServer
) -> None:
    errors: list[RecordOutcome] = []
    batcher = make_batcher(on_error=errors.append, max_batch=10)
    for index in range(10):
        batcher.add("bad-customer" if index == 3 else "c1", "d1", index)
    batcher.add("c1", "d1", "-1")
    report = batcher.close(timeout=10)
    assert report.delivered == 9
    assert sorted((r.record.customer_id, r.status_code, r.permanent) for r in report.rejected) == [
        ("bad-customer", 404, True),
        ("c1", 400, True),
    ]
    assert "not found" in report.rejected[0].reason or "not found" in report.rejected[1].reason
    assert {o.kind for o in errors} == {OutcomeKind.REJECTED}
    assert server.total() == sum(range(10)) - 3
    assert batcher.stats().retried == 0


def test_a_server_without_array_batches_gets_single_records(server: FakeUsageServer) -> None:
    server.array_batches = False
    with UsageBatcher(cast(Any, FakeClient(server)), wire_batches=True, max_batch=50) as batcher:
        for index in range(120):
            batcher.add("c1", "d1", index)
    assert server.total() == sum(range(120))
    assert server.batch_calls <= 4  # at most one per worker before the batcher stops trying


def test_records_are_given_up_after_the_retry_deadline(
    make_batcher: MakeBatcher, server: FakeUsageServer
) -> None:
    server.fault_rate, server.faults = 1.0, ["503"]
    failed: list[RecordOutcome] = []
    batcher = make_batcher(retry_deadline=0.05, on_error=failed.append)
    batcher.add("c1", "d1", 1)
    report = batcher.flush(timeout=10)
    assert [(r.status_code, r.permanent) for r in report.rejected] == [(503, False)]
    assert [o.kind for o in failed] == [OutcomeKind.EXPIRED]


def test_flush_and_close_return_pending_instead_of_hanging(
    make_batcher: MakeBatcher, server: FakeUsageServer
) -> None:
    server.hang = threading.Event()
    server.script = ["hang"]
    batcher = make_batcher(concurrency=1, max_batch=5)
    for index in range(5):
        batcher.add("c1", "d1", index)
    assert batcher.flush(timeout=0.2).pending == 5
    report = batcher.close(timeout=0.2)
    assert report.pending == 5
    server.hang.set()


def test_add_validates_at_once(make_batcher: MakeBatcher) -> None:
    batcher = make_batcher()
    naive = datetime(2026, 1, 1)  # noqa: DTZ001
    cases: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        (("", "d1", 1), {}),
        (("c1", "", 1), {}),
        (("c1", "d1", 1.5), {}),
        (("c1", "d1", "1e3"), {}),
        (("c1", "d1", Decimal("Infinity")), {}),
        (("c1", "d1", True), {}),
        (("c1", "d1", 1), {"timestamp": naive}),
        (("c1", "d1", 1), {"idempotency_key": "has space"}),
        (("c1", "d1", 1), {"metadata": ["not", "a", "mapping"]}),
    ]
    for args, kwargs in cases:
        with pytest.raises(ClientValidationError):
            batcher.add(*args, **kwargs)
    assert batcher.stats().queued == 0


def test_add_returns_the_key_and_keeps_the_callers_key(
    make_batcher: MakeBatcher, server: FakeUsageServer
) -> None:
    batcher = make_batcher()
    generated = batcher.add("c1", "d1", 1)
    assert batcher.add("c1", "d1", 2, idempotency_key="order-42") == "order-42"
    assert batcher.add("c1", "d1", 2, idempotency_key="order-42") == "order-42"
    moment = datetime(2026, 11, 24, 8, tzinfo=UTC)
    batcher.add("c1", "d1", Decimal("0.5"), timestamp=moment, metadata={"region": "eu"})
    report = batcher.close(timeout=10)
    assert (report.delivered, report.replayed) == (4, 1)
    assert {key for _, key in server.keys} >= {generated, "order-42"}


def test_generated_keys_stay_unique_across_threads_and_key_blocks(
    make_batcher: MakeBatcher,
) -> None:
    # Keys are formatted a block at a time; threads that empty a block at once must still
    # never hand out the same key, and every key is the batcher's prefix and a hex counter.
    batcher = make_batcher(max_queue=100_000, max_batch=100_000, flush_interval=60)
    per_thread, threads = 3_000, 4
    keys: list[list[str]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads)

    def add_many(index: int) -> None:
        start.wait()
        keys[index].extend(batcher.add("c1", "d1", 1) for _ in range(per_thread))

    workers = [threading.Thread(target=add_many, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    every = [key for chunk in keys for key in chunk]
    assert len(set(every)) == per_thread * threads
    prefixes = {key.rsplit("-", 1)[0] for key in every}
    assert len(prefixes) == 1
    assert all(int(key.rsplit("-", 1)[1], 16) >= 0 for key in every)
    batcher._queue.clear()


def test_adding_after_close_raises(make_batcher: MakeBatcher) -> None:
    batcher = make_batcher()
    batcher.close()
    with pytest.raises(BatcherClosedError):
        batcher.add("c1", "d1", 1)
    assert batcher.close().complete


@pytest.fixture
def idle_batcher(make_batcher: MakeBatcher) -> Callable[[str], UsageBatcher]:
    """A batcher whose workers wait for a flush, so its queue can be filled."""

    def make(policy: str) -> UsageBatcher:
        return make_batcher(max_queue=5, max_batch=1000, flush_interval=60, queue_full=policy)

    return make


def test_a_full_queue_raises_under_the_raise_policy(
    idle_batcher: Callable[[str], UsageBatcher],
) -> None:
    batcher = idle_batcher("raise")
    for index in range(5):
        batcher.add("c1", "d1", index)
    with pytest.raises(QueueFullError):
        batcher.add("c1", "d1", 5)
    assert batcher.close(timeout=10).delivered == 5


def test_a_full_queue_drops_counts_and_logs_under_the_drop_policy(
    idle_batcher: Callable[[str], UsageBatcher], caplog: pytest.LogCaptureFixture
) -> None:
    batcher = idle_batcher(QueueFullPolicy.DROP)
    for index in range(7):
        batcher.add("c1", "d1", index)
    assert batcher.stats().dropped == 2
    report = batcher.close(timeout=10)
    assert (report.delivered, report.dropped) == (5, 2)
    assert "dropped" in caplog.text


def test_a_full_queue_blocks_until_there_is_room_under_the_block_policy(
    idle_batcher: Callable[[str], UsageBatcher], server: FakeUsageServer
) -> None:
    batcher = idle_batcher("block")
    producer = threading.Thread(
        target=lambda: [batcher.add("c1", "d1", index) for index in range(20)]
    )
    producer.start()
    producer.join(timeout=10)
    assert not producer.is_alive()
    assert batcher.close(timeout=10).delivered == 20
    assert server.total() == sum(range(20))


def test_callbacks_and_stats_count_every_record(
    make_batcher: MakeBatcher, server: FakeUsageServer
) -> None:
    delivered: list[RecordOutcome] = []
    server.script = ["503"]
    batcher = make_batcher(on_delivered=delivered.append, max_batch=10)
    for index in range(30):
        batcher.add("c1", "d1", index)
    batcher.flush(timeout=10)
    stats = batcher.stats()
    assert (stats.queued, stats.in_flight, stats.delivered, stats.rejected) == (0, 0, 30, 0)
    assert stats.retried == 1
    assert len(delivered) == 30
    assert all(o.ok for o in delivered)


def test_a_callback_that_raises_is_logged_not_fatal(
    make_batcher: MakeBatcher, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(outcome: RecordOutcome) -> None:
        raise RuntimeError("callback bug")

    batcher = make_batcher(on_delivered=explode)
    batcher.add("c1", "d1", 1)
    assert batcher.close(timeout=10).delivered == 1
    assert "callback raised" in caplog.text


def test_records_are_sent_by_the_time_trigger_without_flush(
    make_batcher: MakeBatcher, server: FakeUsageServer
) -> None:
    batcher = make_batcher(max_batch=1000, flush_interval=0.02)
    batcher.add("c1", "d1", 7)
    assert wait_until(lambda: server.total() == 7)


def test_the_batcher_uses_the_client_without_its_own_retries(server: FakeUsageServer) -> None:
    batcher = UsageBatcher(cast(Any, FakeClient(server)))
    assert cast(FakeClient, batcher._client).options == {"max_retries": 0}
    batcher.close()


def test_an_idle_unreferenced_batcher_is_garbage_collected(server: FakeUsageServer) -> None:
    batcher = UsageBatcher(cast(Any, FakeClient(server)), flush_interval=0.01)
    batcher.add("c1", "d1", 1)
    batcher.flush(timeout=10)
    reference = weakref.ref(batcher)
    del batcher
    assert wait_until(lambda: (gc.collect(), reference() is None)[1])


class TestOutbox:
    def test_nothing_is_sent_while_the_outbox_cannot_be_written(
        self, server: FakeUsageServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        batcher = UsageBatcher(
            cast(Any, FakeClient(server)), outbox=tmp_path / "o.sqlite", flush_interval=0.02
        )
        assert batcher.outbox is not None
        batcher.outbox._connection.close()  # every write now fails
        for index in range(5):
            batcher.add("c1", "d1", index)
        assert batcher.flush(timeout=0.2).pending == 5
        assert server.stored == []
        assert "could not write" in caplog.text

        batcher.outbox._connection = batcher.outbox._connect()  # the disk is back
        assert batcher.close(timeout=10).delivered == 5
        assert server.total() == sum(range(5))

    def test_a_batch_outbox_is_written_within_the_interval_even_during_an_outage(
        self, server: FakeUsageServer, tmp_path: Path
    ) -> None:
        path = tmp_path / "usage.sqlite"
        server.fault_rate, server.faults = 1.0, ["503"]
        batcher = UsageBatcher(
            cast(Any, FakeClient(server)),
            outbox=path,
            durability="batch",
            flush_interval=0.02,
            max_batch=5,
            concurrency=1,
            retry_deadline=60,
            **FAST_RETRY,
        )
        for index in range(20):
            batcher.add("c1", "d1", index)
        # The only worker is stuck retrying; the records reach the disk anyway.
        assert wait_until(lambda: Outbox(path).count() == 20)
        report = batcher.close(timeout=0.1)
        assert report.pending == 20
        assert batcher.close(timeout=None).pending == 20  # stopped: returns at once, no hang

        server.fault_rate = 0.0
        again = UsageBatcher(cast(Any, FakeClient(server)), outbox=path)
        assert again.close(timeout=10).delivered == 20
        assert server.total() == sum(range(20))
        assert Outbox(path).count() == 0

    def test_delivered_records_leave_the_outbox(
        self, make_batcher: MakeBatcher, server: FakeUsageServer, tmp_path: Path
    ) -> None:
        path = tmp_path / "usage.sqlite"
        for durability in ("sync", "batch"):
            batcher = make_batcher(outbox=path, durability=durability)
            for index in range(50):
                batcher.add("c1", "d1", index)
            assert batcher.close(timeout=10).delivered == 50
        assert Outbox(path).count() == 0
        assert server.total() == 2 * sum(range(50))

    def test_a_new_batcher_resends_what_is_left_with_the_original_keys(
        self, make_batcher: MakeBatcher, server: FakeUsageServer, tmp_path: Path
    ) -> None:
        path = tmp_path / "usage.sqlite"
        server.fault_rate, server.faults = 1.0, ["lost"]
        first = make_batcher(outbox=path, durability="sync", retry_deadline=0.02)
        keys = [first.add("c1", "d1", index) for index in range(10)]
        report = first.close(timeout=10)
        assert report.delivered + len(report.rejected) == 10
        assert all(not r.permanent for r in report.rejected)
        left = Outbox(path).pending()
        assert {row[0] for row in left} == {r.record.idempotency_key for r in report.rejected}

        server.fault_rate = 0.0
        second = make_batcher(outbox=path)
        second_report = second.close(timeout=10)
        assert second_report.delivered == len(left)
        assert second_report.replayed == len(left)
        assert server.total() == sum(range(10))
        assert {key for _, key in server.keys} == set(keys)
        assert Outbox(path).count() == 0


# -- the asyncio twin --------------------------------------------------------------------------


@pytest.fixture
def make_async_batcher(server: FakeUsageServer, wire: bool) -> Callable[..., AsyncUsageBatcher]:
    def make(**options: Any) -> AsyncUsageBatcher:
        options = {"wire_batches": wire, "flush_interval": 0.05, **FAST_RETRY, **options}
        return AsyncUsageBatcher(cast(Any, AsyncFakeClient(server)), **options)

    return make


async def _produce_async(batcher: AsyncUsageBatcher, tasks: int, per_task: int) -> Decimal:
    async def work(number: int) -> None:
        for index in range(per_task):
            await batcher.add(f"customer-{number % 3}", "api-calls", Decimal(f"{index}.5"))
            if index % 10 == 0:
                await asyncio.sleep(0)

    await asyncio.gather(*(work(n) for n in range(tasks)))
    return sum((Decimal(f"{i}.5") for i in range(per_task)), Decimal(0)) * tasks


@pytest.mark.anyio
async def test_async_records_from_many_tasks_arrive_exactly_once(
    make_async_batcher: Callable[..., AsyncUsageBatcher], server: FakeUsageServer
) -> None:
    async with make_async_batcher(max_batch=40) as batcher:
        expected = await _produce_async(batcher, tasks=8, per_task=150)
    assert len(server.stored) == 1200
    assert server.total() == expected
    assert all(count == 1 for count in server.keys.values())
    assert batcher.stats().delivered == 1200


@pytest.mark.anyio
@pytest.mark.parametrize("fault", ["429-retry-after", "503", "timeout", "drop", "lost", "401"])
async def test_async_transient_faults_lose_and_duplicate_nothing(
    make_async_batcher: Callable[..., AsyncUsageBatcher], server: FakeUsageServer, fault: str
) -> None:
    server.fault_rate, server.faults = 0.3, [fault]
    batcher = make_async_batcher(max_batch=20, concurrency=3)
    expected = await _produce_async(batcher, tasks=3, per_task=100)
    report = await batcher.close(timeout=60)
    assert report.complete, report
    assert report.delivered == 300
    assert server.total() == expected
    assert len(server.stored) == 300


@pytest.mark.anyio
async def test_async_rejections_are_reported_per_record(
    make_async_batcher: Callable[..., AsyncUsageBatcher], server: FakeUsageServer
) -> None:
    batcher = make_async_batcher(max_batch=10)
    for index in range(10):
        await batcher.add("bad-customer" if index == 3 else "c1", "d1", index)
    report = await batcher.close(timeout=10)
    assert report.delivered == 9
    assert [(r.record.customer_id, r.status_code) for r in report.rejected] == [
        ("bad-customer", 404)
    ]
    assert server.total() == sum(range(10)) - 3


@pytest.mark.anyio
async def test_async_flush_and_close_return_pending_instead_of_hanging(
    make_async_batcher: Callable[..., AsyncUsageBatcher], server: FakeUsageServer
) -> None:
    server.script = ["hang"]
    batcher = make_async_batcher(concurrency=1, max_batch=3)
    for index in range(3):
        await batcher.add("c1", "d1", index)
    assert (await batcher.flush(timeout=0.2)).pending == 3
    assert (await batcher.close(timeout=0.1)).pending == 3
    for task in batcher._tasks:
        task.cancel()


@pytest.mark.anyio
@pytest.mark.parametrize("policy", ["raise", "drop", "block"])
async def test_async_full_queue_follows_its_policy(
    make_async_batcher: Callable[..., AsyncUsageBatcher], server: FakeUsageServer, policy: str
) -> None:
    batcher = make_async_batcher(max_queue=5, max_batch=1000, flush_interval=60, queue_full=policy)
    for index in range(5):
        await batcher.add("c1", "d1", index)
    if policy == "raise":
        with pytest.raises(QueueFullError):
            await batcher.add("c1", "d1", 5)
    elif policy == "drop":
        await batcher.add("c1", "d1", 5)
        assert batcher.stats().dropped == 1
    else:
        await asyncio.wait_for(batcher.add("c1", "d1", 5), 10)
    report = await batcher.close(timeout=10)
    assert report.delivered == (6 if policy == "block" else 5)
    assert report.dropped == (1 if policy == "drop" else 0)


@pytest.mark.anyio
async def test_async_sync_outbox_resends_what_a_failed_batcher_left(
    make_async_batcher: Callable[..., AsyncUsageBatcher], server: FakeUsageServer, tmp_path: Path
) -> None:
    path = tmp_path / "usage.sqlite"
    server.fault_rate, server.faults = 1.0, ["503"]
    first = make_async_batcher(outbox=path, durability="sync", retry_deadline=0.01)
    for index in range(5):
        await first.add("c1", "d1", index)
    report = await first.close(timeout=10)
    assert len(report.rejected) == 5
    server.fault_rate = 0.0
    async with make_async_batcher(outbox=path) as second:
        pass
    assert second.stats().delivered == 5
    assert server.total() == sum(range(5))
    assert Outbox(path).count() == 0


@pytest.mark.anyio
async def test_async_add_validates_at_once_and_refuses_after_close(
    make_async_batcher: Callable[..., AsyncUsageBatcher],
) -> None:
    batcher = make_async_batcher()
    with pytest.raises(ClientValidationError):
        await batcher.add("c1", "d1", 0.5)  # type: ignore[arg-type]
    await batcher.close()
    with pytest.raises(BatcherClosedError):
        await batcher.add("c1", "d1", 1)


# -- fork ----------------------------------------------------------------------------------------


def _in_child(check: Callable[[], bool]) -> int:
    """Run `check` in a forked child and return the child's exit status (0 when it held)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            code = 0 if check() else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_forked_child_starts_empty_and_the_parent_delivers_its_records_once(
    server: FakeUsageServer, tmp_path: Path
) -> None:
    path = tmp_path / "usage.sqlite"
    batcher = UsageBatcher(
        cast(Any, FakeClient(server)),
        max_batch=1000,
        flush_interval=60,
        outbox=path,
        durability="sync",
    )
    parent_keys = [batcher.add("c1", "d1", index) for index in range(10)]

    def child() -> bool:
        empty = batcher.stats().queued == 0 and batcher.stats().delivered == 0
        keys = [batcher.add("c2", "d1", 100) for _ in range(2)]
        fresh_keys = not set(keys) & set(parent_keys) and keys[0][:16] != parent_keys[0][:16]
        return empty and fresh_keys

    assert _in_child(child) == 0
    assert batcher.stats().queued == 10
    report = batcher.close(timeout=10)
    assert report.delivered == 10
    assert server.total() == sum(range(10))
    assert {key for _, key in server.keys} == set(parent_keys)
    # The child's records are safe on disk (it exited without closing), and only the child's.
    left = Outbox(path).pending()
    assert [(row[1], row[3]) for row in left] == [("c2", "100"), ("c2", "100")]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_forked_child_can_deliver_its_own_records(server: FakeUsageServer) -> None:
    batcher = UsageBatcher(cast(Any, FakeClient(server)), max_batch=1000, flush_interval=60)
    batcher.add("c1", "d1", 1)

    def child() -> bool:
        batcher.add("c2", "d1", 5)
        report = batcher.close(timeout=10)
        return report.delivered == 1 and server.total() == 5  # the child's copy of the server

    assert _in_child(child) == 0
    assert batcher.close(timeout=10).delivered == 1
    assert server.total() == 1


@pytest.mark.parametrize(
    "options",
    [
        {"max_batch": 0},
        {"concurrency": 0},
        {"max_queue": 0},
        {"flush_interval": 0},
        {"retry_deadline": -1},
        {"queue_full": "sometimes"},
        {"durability": "eventually"},
    ],
)
def test_invalid_options_are_refused(server: FakeUsageServer, options: dict[str, Any]) -> None:
    with pytest.raises(ClientValidationError):
        UsageBatcher(cast(Any, FakeClient(server)), **options)
