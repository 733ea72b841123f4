"""The pure decisions of usage delivery: keys, validation, chunks, retries, reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from paigo_sdk.batching._planner import (
    Attempt,
    OutcomeLedger,
    RawRecord,
    RetryPlan,
    WireRecord,
    check_key,
    check_record,
    classify,
    format_timestamp,
    new_key_prefix,
    outcome,
    plan_chunks,
    prepare,
)
from paigo_sdk.batching.report import OutcomeKind
from paigo_sdk.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientValidationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)

MOMENT = datetime(2026, 11, 24, 8, 0, 0, 123456, tzinfo=UTC)


def _record(key: str = "k1", size_of_metadata: int = 0) -> WireRecord:
    metadata = {"pad": "x" * size_of_metadata} if size_of_metadata else None
    return prepare((key, "c1", "d1", Decimal("1.5"), MOMENT, metadata, 0.0))


def test_prepared_record_has_the_wire_body_with_plain_decimal_and_utc_milliseconds() -> None:
    record = prepare(("k", "c1", "d1", Decimal("1E+3"), MOMENT, {"region": "eu"}, 0.0))
    assert record.body == {
        "customerId": "c1",
        "dimensionId": "d1",
        "recordValue": "1000",
        "timestamp": "2026-11-24T08:00:00.123Z",
        "metadata": {"region": "eu"},
    }
    assert record.size == len(
        b'{"customerId":"c1","dimensionId":"d1","recordValue":"1000",'
        b'"timestamp":"2026-11-24T08:00:00.123Z","metadata":{"region":"eu"}}'
    )


def test_prepare_reads_epoch_nanoseconds_offsets_and_stored_strings() -> None:
    nanoseconds = int(MOMENT.timestamp()) * 1_000_000_000 + 123_456_789
    assert prepare(("k", "c", "d", 1, nanoseconds, None, 0.0)).body["timestamp"] == (
        "2026-11-24T08:00:00.123Z"
    )
    plus_two = MOMENT.astimezone(timezone(timedelta(hours=2)))
    assert prepare(("k", "c", "d", "0.87", plus_two, None, 0.0)).body["recordValue"] == "0.87"
    assert prepare(("k", "c", "d", "2", "2026-11-24T08:00:00.123Z", None, 0.0)).timestamp == (
        MOMENT.replace(microsecond=123000)
    )


def test_metadata_that_is_not_json_marks_the_record_unsendable() -> None:
    record = prepare(("k", "c", "d", 1, MOMENT, {"when": object()}, 0.0))
    assert record.error is not None
    assert "JSON" in record.error


def test_format_timestamp_pads_the_year_and_converts_to_utc() -> None:
    assert format_timestamp(datetime(999, 1, 1, tzinfo=UTC)) == "0999-01-01T00:00:00.000Z"


def test_generated_key_prefixes_are_random_and_header_safe() -> None:
    first, second = new_key_prefix(), new_key_prefix()
    assert first != second
    assert check_key(first + "1f") == first + "1f"


@pytest.mark.parametrize("key", ["", "a,b", "a b", "é", "x" * 256, 12, "tab\t"])
def test_bad_idempotency_keys_are_refused(key: object) -> None:
    with pytest.raises(ClientValidationError):
        check_key(key)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("", "d", 1, None, None), "customer_id"),
        (("c", None, 1, None, None), "dimension_id"),
        (("c", "d", 1.5, None, None), "float"),
        (("c", "d", True, None, None), "value"),
        (("c", "d", Decimal("NaN"), None, None), "finite"),
        (("c", "d", "1e3", None, None), "plain decimal"),
        (("c", "d", 1, datetime(2026, 1, 1), None), "timezone-aware"),  # noqa: DTZ001
        (("c", "d", 1, None, ["x"]), "metadata"),
    ],
)
def test_check_record_names_the_bad_argument(args: tuple[object, ...], fragment: str) -> None:
    with pytest.raises(ClientValidationError, match=fragment):
        check_record(*args)


def test_chunks_respect_count_bytes_and_key_header_limits() -> None:
    records = [_record(f"k{i}") for i in range(10)]
    assert [
        len(c) for c in plan_chunks(records, max_count=4, max_bytes=10**6, max_key_bytes=10**6)
    ] == [4, 4, 2]
    size = records[0].size
    by_bytes = plan_chunks(records, max_count=100, max_bytes=2 + 3 * size + 2, max_key_bytes=10**6)
    assert [len(c) for c in by_bytes] == [3, 3, 3, 1]
    by_keys = plan_chunks(records, max_count=100, max_bytes=10**6, max_key_bytes=len("k0,k1"))
    assert [len(c) for c in by_keys] == [2, 2, 2, 2, 2]
    flattened = [r.key for chunk in by_bytes for r in chunk]
    assert flattened == [r.key for r in records]


def test_an_oversized_record_gets_a_chunk_of_its_own() -> None:
    big = _record("big", size_of_metadata=5000)
    chunks = plan_chunks(
        [_record("a"), big, _record("b")], max_count=10, max_bytes=1000, max_key_bytes=100
    )
    assert [[r.key for r in c] for c in chunks] == [["a"], ["big"], ["b"]]


@pytest.mark.parametrize(
    ("error", "transient", "split"),
    [
        (RateLimitError("slow down", status_code=429, retry_after=2.0), True, False),
        (InternalServerError("boom", status_code=503), True, False),
        (APITimeoutError("timed out", method="POST", url="/usage"), True, False),
        (APIConnectionError("reset", method="POST", url="/usage"), True, False),
        (AuthenticationError("Unauthorized", status_code=401), True, False),
        (BadRequestError("bad", status_code=400), False, True),
        (NotFoundError("Customer with ID: c not found", status_code=404), False, False),
        (ConflictError("conflict", status_code=409), False, False),
        # Anything else keeps the record: a bug or an unreadable reply is retried, never lost.
        (TypeError("bug"), True, False),
        (RecursionError("nested"), True, False),
        (ValueError("odd"), True, False),
        (PermissionDeniedError("forbidden", status_code=403), True, False),
        (APIStatusError("teapot", status_code=418), True, False),
        (APIStatusError("unprocessable", status_code=422), False, False),
    ],
)
def test_classify_separates_transient_failures_from_rejections(
    error: BaseException, transient: bool, split: bool
) -> None:
    attempt = classify(error)
    assert (attempt.transient, attempt.split) == (transient, split)


def test_retry_after_is_honoured_and_capped() -> None:
    assert classify(RateLimitError("x", status_code=429, retry_after=2.0)).retry_after == 2.0
    plan = RetryPlan(deadline=100, max_retry_after=30)
    assert plan.delay(1, 2.0, elapsed=0) == 2.0
    assert plan.delay(1, 500.0, elapsed=0) == 30


def test_backoff_grows_with_jitter_and_stops_at_the_deadline() -> None:
    plan = RetryPlan(deadline=10, initial_delay=1, max_delay=4, uniform=lambda low, high: high)
    assert [plan.delay(n, None, elapsed=0) for n in (1, 2, 3, 4)] == [1, 2, 4, 4]
    low = RetryPlan(deadline=10, initial_delay=1, max_delay=4, uniform=lambda low, high: low)
    assert low.delay(3, None, elapsed=0) == 2
    assert plan.delay(5, None, elapsed=7) is None
    assert plan.delay(1, 3.0, elapsed=8) is None


def test_ledger_reports_since_the_previous_report_and_keeps_lifetime_stats() -> None:
    ledger = OutcomeLedger()
    ledger.acknowledged(5, replayed=2)
    rejected = _record("bad")
    ledger.refused(
        [
            outcome(
                rejected, OutcomeKind.REJECTED, Attempt(False, status_code=404, messages=("nope",))
            ),
            outcome(
                rejected, OutcomeKind.EXPIRED, Attempt(True, status_code=503, messages=("down",))
            ),
        ]
    )
    ledger.drop()
    report = ledger.take_report(pending=3)
    assert (report.delivered, report.replayed, report.pending, report.dropped) == (5, 2, 3, 1)
    assert [(r.status_code, r.reason, r.permanent) for r in report.rejected] == [
        (404, "nope", True),
        (503, "down", False),
    ]
    assert report.rejected[0].record.idempotency_key == "bad"
    assert not report.complete
    assert ledger.take_report(pending=0).complete
    stats = ledger.stats(queued=1, in_flight=2)
    assert (stats.delivered, stats.replayed, stats.rejected, stats.dropped) == (5, 2, 2, 1)


@pytest.mark.parametrize(
    "raw",
    [
        ("k", "c1", "d1", 7, 1_764_000_000_123_456_789, None, 0.0),
        ("k", "cüstomer", "d1", "0.5", MOMENT, None, 0.0),
        ("k", 'c"1', "d\\1", Decimal("-2.50"), MOMENT, None, 0.0),
        ("k", "c1", "d1", 1, MOMENT, {"région": "eu", "n": 3, "price": Decimal("0.10")}, 0.0),
    ],
)
def test_the_size_of_a_prepared_record_is_its_encoded_size(raw: RawRecord) -> None:
    record = prepare(raw)
    exact = len(json.dumps(record.body, ensure_ascii=False, separators=(",", ":"), default=str))
    assert record.size == len(
        json.dumps(record.body, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    )
    assert exact <= record.size
    assert record.raw()[3] == record.body["recordValue"]
    assert prepare(record.raw()).body == record.body


_PLAIN = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=6)
_FLAT_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    _PLAIN,
    st.text(max_size=4),  # quotes, backslashes, controls and non-ASCII: measured by encoding
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
)


@settings(max_examples=300, deadline=None)
@given(
    metadata=st.one_of(
        st.none(),
        st.dictionaries(st.one_of(_PLAIN, st.text(max_size=3)), _FLAT_VALUES, max_size=18),
    ),
    customer=st.one_of(_PLAIN.filter(bool), st.text(min_size=1, max_size=4)),
)
def test_the_size_of_any_prepared_record_is_its_encoded_size(
    metadata: dict[str, object] | None, customer: str
) -> None:
    record = prepare(("k", customer, "d1", Decimal("1.25"), MOMENT, metadata, 0.0))
    encoded = json.dumps(
        record.body, ensure_ascii=False, separators=(",", ":"), default=lambda d: format(d, "f")
    ).encode()
    # A Decimal in metadata is measured as a string: two bytes more than the number written.
    decimals = sum(type(v) is Decimal for v in (metadata or {}).values())
    assert len(encoded) <= record.size <= len(encoded) + 2 * decimals
