"""The delivery core driven by hand: every step of a unit, with no I/O, threads or clock.

Each test plays the shell: it reads the step the core yields and sends back the answer a client,
a wait or the outbox would give, so every decision (send, retry, settle, acknowledge, what the
outbox forgets) is checked on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from paigo_sdk.batching._base import BatcherSettings
from paigo_sdk.batching._core import (
    NO_ARRAYS,
    BeforeSend,
    DeliveryCore,
    Finish,
    Pause,
    Reply,
    Send,
    Step,
    Steps,
    single_arguments,
)
from paigo_sdk.batching._pace import ConcurrencyLimit
from paigo_sdk.batching._planner import OutcomeLedger, RawRecord, WireRecord
from paigo_sdk.batching.report import OutcomeKind, RecordOutcome
from paigo_sdk.errors import APIStatusError, APITimeoutError
from paigo_sdk.types.usage import UsageBatchResult, UsageRecordResult

NANOS = 1_764_547_200_000_000_000  # 2025-12-01T00:00:00Z


def raw(key: str, value: int = 1, metadata: dict[str, Any] | None = None) -> RawRecord:
    return (key, "cust-1", "dim-1", value, NANOS, metadata, 0.0)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make_core(
    *,
    stored: bool = False,
    wire_batches: bool = False,
    retry_deadline: float = 60.0,
    on_delivered: Any = None,
    stopping: list[bool] | None = None,
    clock: Clock | None = None,
) -> DeliveryCore:
    settings = BatcherSettings(
        max_batch=100,
        flush_interval=1.0,
        concurrency=None,
        max_concurrency=96,
        wire_batches=wire_batches,
        max_batch_bytes=512 * 1024,
        max_queue=1000,
        queue_full="block",
        retry_deadline=retry_deadline,
        retry_initial_delay=0.2,
        retry_max_delay=5.0,
        outbox=None,
        durability="batch",
        on_delivered=on_delivered,
        on_error=None,
        exit_timeout=1.0,
        stall_after=10.0,
        on_stall=None,
    )
    settings.retry.uniform = lambda low, high: high  # no jitter: the delays are exact
    flags = stopping if stopping is not None else [False]
    return DeliveryCore(
        settings,
        OutcomeLedger(),
        ConcurrencyLimit(initial=4, maximum=96),
        stored=stored,
        stopping=lambda: flags[0],
        clock=clock or Clock(),
    )


def created() -> Reply:
    return Reply(UsageRecordResult())


def keys(records: Sequence[WireRecord]) -> list[str]:
    return [record.key for record in records]


def start(steps: Steps) -> Step:
    """Take the unit's first step, answering the before-send step with the records as given."""
    step = next(steps)
    if isinstance(step, BeforeSend):
        step = steps.send(step.records)
    return step


def run_to_end(steps: Steps, answer: object) -> list[RawRecord]:
    with pytest.raises(StopIteration) as done:
        steps.send(answer)
    returned: list[RawRecord] = done.value.value
    return returned


def test_one_record_is_sent_then_acknowledged_and_forgotten_in_the_outbox() -> None:
    core = make_core(stored=True)
    steps = core.deliver([raw("k1", 7)])
    send = start(steps)
    assert isinstance(send, Send)
    assert not send.batch
    assert keys(send.records) == ["k1"]
    assert single_arguments(send.records[0]) == {
        "customer_id": "cust-1",
        "dimension_id": "dim-1",
        "record_value": "7",
        "timestamp": "2025-12-01T00:00:00.000Z",
        "metadata": None,
        "idempotency_key": "k1",
    }
    finish = steps.send(created())
    assert isinstance(finish, Finish)
    assert keys(finish.acknowledged) == ["k1"]  # counted in the ledger, deleted from the outbox
    assert finish.forget == ()
    assert finish.failed == ()
    assert finish.delivered == ()  # no on_delivered callback: no outcome objects
    assert run_to_end(steps, None) == []
    assert (core.ledger.sent, core.ledger.delivered, core.ledger.replayed) == (1, 1, 0)


def test_a_replay_is_acknowledged_and_counted_as_one() -> None:
    seen: list[RecordOutcome] = []
    core = make_core(on_delivered=seen.append)
    steps = core.deliver([raw("k1")])
    start(steps)
    finish = steps.send(Reply(UsageRecordResult(idempotent_replayed=True)))
    assert isinstance(finish, Finish)
    assert keys(finish.acknowledged) == ["k1"]
    assert [o.kind for o in finish.delivered] == [OutcomeKind.REPLAYED]
    assert core.ledger.replayed == 1


def test_a_transient_failure_waits_then_retries_with_the_same_key() -> None:
    clock = Clock()
    core = make_core(clock=clock)
    steps = core.deliver([raw("k1")])
    first = start(steps)
    pause = steps.send(Reply(error=APIStatusError("busy", status_code=503, retry_after=None)))
    assert isinstance(pause, Pause)
    assert pause.seconds == pytest.approx(0.2)  # the first backoff, without jitter
    assert core.pace.limit == 2  # 503 is congestion: the limit halves from 4
    clock.now += pause.seconds
    second = steps.send(True)
    assert isinstance(second, Send)
    assert isinstance(first, Send)
    assert keys(second.records) == keys(first.records) == ["k1"]
    assert isinstance(steps.send(created()), Finish)
    assert run_to_end(steps, None) == []
    assert (core.ledger.sent, core.ledger.retried, core.ledger.delivered) == (2, 1, 1)


def test_retry_after_is_honoured_as_given() -> None:
    core = make_core()
    steps = core.deliver([raw("k1")])
    start(steps)
    pause = steps.send(Reply(error=APIStatusError("slow down", status_code=429, retry_after=3.0)))
    assert isinstance(pause, Pause)
    assert pause.seconds == 3.0
    assert pause.attempt.status_code == 429


def test_a_refusal_naming_the_record_settles_it_as_rejected_without_a_retry() -> None:
    core = make_core(stored=True)
    steps = core.deliver([raw("k1")])
    start(steps)
    finish = steps.send(Reply(error=APIStatusError("no such dimension", status_code=404)))
    assert isinstance(finish, Finish)
    assert [(o.kind, o.status_code) for o in finish.failed] == [(OutcomeKind.REJECTED, 404)]
    assert keys(finish.forget) == ["k1"]  # rejected for good: nothing to resend later
    assert run_to_end(steps, None) == []
    assert (core.ledger.rejected, core.ledger.retried, core.ledger.delivered) == (1, 0, 0)


def test_past_the_retry_deadline_a_record_expires_and_stays_in_the_outbox() -> None:
    clock = Clock()
    core = make_core(stored=True, retry_deadline=1.0, clock=clock)
    steps = core.deliver([raw("k1")])
    start(steps)
    clock.now += 0.9  # the next wait (0.2 s) would end past the deadline
    finish = steps.send(Reply(error=APITimeoutError("slow", method="POST", url="/usage")))
    assert isinstance(finish, Finish)
    assert [o.kind for o in finish.failed] == [OutcomeKind.EXPIRED]
    assert finish.forget == []  # a later batcher on the same outbox tries it again
    assert core.ledger.rejected == 1


def test_a_stopping_batcher_hands_unfinished_records_back_uncounted() -> None:
    stopping = [False]
    core = make_core(stopping=stopping)
    steps = core.deliver([raw("k1"), raw("k2")])
    start(steps)
    pause = steps.send(Reply(error=APIStatusError("down", status_code=502)))
    assert isinstance(pause, Pause)
    stopping[0] = True
    # The wait was cut short: k1 goes back to the queue; k2 is sent (the shell's client is
    # still usable) and acknowledged.
    second = steps.send(False)
    assert isinstance(second, Send)
    assert keys(second.records) == ["k2"]
    assert isinstance(steps.send(created()), Finish)
    returned = run_to_end(steps, None)
    assert [r[0] for r in returned] == ["k1"]
    assert returned[0][3:5] == ("1", "2025-12-01T00:00:00.000Z")
    assert (core.ledger.rejected, core.ledger.delivered) == (0, 1)


def test_a_record_that_cannot_be_encoded_is_rejected_before_anything_is_sent() -> None:
    core = make_core()
    steps = core.deliver([raw("bad", metadata={"x": object()}), raw("good")])
    finish = next(steps)
    assert isinstance(finish, Finish)
    assert [(o.record.idempotency_key, o.kind) for o in finish.failed] == [
        ("bad", OutcomeKind.REJECTED)
    ]
    before = steps.send(None)
    assert isinstance(before, BeforeSend)
    assert keys(before.records) == ["good"]
    send = steps.send(before.records)
    assert isinstance(send, Send)
    assert keys(send.records) == ["good"]
    assert core.ledger.sent == 1


def test_wire_batches_send_one_array_and_read_replays_per_item() -> None:
    core = make_core(wire_batches=True)
    steps = core.deliver([raw("k1"), raw("k2"), raw("k3")])
    send = start(steps)
    assert isinstance(send, Send)
    assert send.batch
    assert keys(send.records) == ["k1", "k2", "k3"]
    reply = UsageBatchResult.model_validate(
        {"data": [{"status": "created"}, {"status": "replayed"}, {"status": "created"}]}
    )
    assert isinstance(steps.send(Reply(reply)), Finish)
    assert run_to_end(steps, None) == []
    assert (core.ledger.sent, core.ledger.delivered, core.ledger.replayed) == (1, 3, 1)


def test_an_array_refused_whole_but_taken_record_by_record_turns_wire_batches_off() -> None:
    core = make_core(wire_batches=True)
    steps = core.deliver([raw("k1"), raw("k2")])
    start(steps)
    step = steps.send(Reply(error=APIStatusError("arrays not supported", status_code=400)))
    for key in ("k1", "k2"):
        assert isinstance(step, Send)
        assert not step.batch
        assert keys(step.records) == [key]
        assert isinstance(steps.send(created()), Finish)
        step = steps.send(None)
    assert step == Finish((), (), (), warning=NO_ARRAYS)
    assert run_to_end(steps, None) == []
    assert core.wire_batches is False
    assert core.ledger.delivered == 2


def test_a_bad_record_inside_a_refused_array_is_found_and_wire_batches_stay_on() -> None:
    core = make_core(wire_batches=True)
    steps = core.deliver([raw("k1"), raw("k2")])
    start(steps)
    step = steps.send(Reply(error=APIStatusError("bad record", status_code=400)))
    assert keys(step.records) == ["k1"]  # type: ignore[union-attr]
    assert isinstance(steps.send(created()), Finish)
    step = steps.send(None)
    assert keys(step.records) == ["k2"]  # type: ignore[union-attr]
    finish = steps.send(Reply(error=APIStatusError("bad value", status_code=422)))
    assert isinstance(finish, Finish)
    assert [o.record.idempotency_key for o in finish.failed] == ["k2"]
    assert run_to_end(steps, None) == []
    assert core.wire_batches is True
    assert (core.ledger.delivered, core.ledger.rejected) == (1, 1)


def test_latency_that_holds_grows_the_limit_and_tells_the_shell() -> None:
    clock = Clock()
    core = make_core(clock=clock)
    # One request in flight uses all of a limit of 1, so its reply counts.
    core.pace = ConcurrencyLimit(initial=1, maximum=96)
    steps = core.deliver([raw("k1")])
    start(steps)
    clock.now += 0.05
    finish = steps.send(created())
    assert isinstance(finish, Finish)
    assert finish.grew
    assert core.pace.limit == 7  # nothing waiting: the fast step, six at this size


def test_what_the_before_send_step_answers_is_what_is_sent() -> None:
    # Rollup answers this step with combined records; the core sends exactly those.
    core = make_core()
    steps = core.deliver([raw("k1", 21), raw("k2", 21)])
    before = next(steps)
    assert isinstance(before, BeforeSend)
    assert keys(before.records) == ["k1", "k2"]
    combined = before.records[0]
    combined.body["recordValue"] = "42"
    send = steps.send([combined])
    assert isinstance(send, Send)
    assert single_arguments(send.records[0])["record_value"] == "42"
    finish = steps.send(created())
    assert isinstance(finish, Finish)
    assert keys(finish.acknowledged) == ["k1"]
    assert run_to_end(steps, None) == []
    assert (core.ledger.sent, core.ledger.delivered) == (1, 1)
