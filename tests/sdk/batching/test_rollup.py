"""Client-side rollup: which records combine, into what, under which key, in which order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from paigo_sdk.batching._planner import WireRecord, prepare
from paigo_sdk.batching._rollup import (
    COMBINED_KEY_PREFIX,
    RollupRules,
    combinable_method,
    combined_key,
    roll_up,
)

HOUR = datetime(2026, 11, 24, 8, tzinfo=UTC)


def _record(
    key: str,
    value: str,
    minute: int = 0,
    *,
    dimension: str = "d1",
    customer: str = "c1",
    metadata: dict[str, Any] | None = None,
) -> WireRecord:
    moment = HOUR + timedelta(minutes=minute)
    return prepare((key, customer, dimension, value, moment, metadata, float(minute)))


def _rules(**methods: str | None) -> RollupRules:
    rules = RollupRules()
    for dimension, method in methods.items():
        if method is None:
            rules.learn_not_combinable(dimension)
        else:
            rules.learn(dimension, method, "arrear")
    return rules


@pytest.mark.parametrize(
    ("method", "schedule", "expected"),
    [
        ("sum", "arrear", "sum"),
        ("max", None, "max"),
        ("min", "arrear", "min"),
        ("last", "upfront", "last"),
        ("sum", "upfront", None),
        ("max", "upfront", None),
        ("count", "arrear", None),
        ("average", "arrear", None),
        (None, "arrear", None),
        ("median", "arrear", None),
    ],
)
def test_only_methods_that_keep_the_bucket_aggregate_combine(
    method: str | None, schedule: str | None, expected: str | None
) -> None:
    assert combinable_method(method, schedule) == expected


def test_sum_combines_one_hour_and_one_metadata_map_into_one_exact_record() -> None:
    records = [_record("a", "0.1", 1), _record("b", "0.2", 30), _record("c", "1.70", 2)]
    (out,) = roll_up(records, _rules(d1="sum"))
    assert out.combined
    assert [m.key for m in out.members] == ["a", "b", "c"]
    assert out.record.body == {
        "customerId": "c1",
        "dimensionId": "d1",
        "recordValue": "2.00",
        "timestamp": "2026-11-24T08:30:00.000Z",
    }
    assert out.record.key == combined_key(records)
    assert out.record.key.startswith(COMBINED_KEY_PREFIX)
    assert out.record.queued_at == 1.0


def test_combined_keys_are_stable_and_depend_on_every_member() -> None:
    records = [_record("a", "1"), _record("b", "1")]
    assert combined_key(records) == combined_key(list(records))
    assert combined_key(records) != combined_key([records[0], _record("c", "1")])
    assert combined_key(records) != combined_key(records[::-1])


@pytest.mark.parametrize(("method", "value"), [("max", "7"), ("min", "-2")])
def test_max_and_min_keep_the_extreme(method: str, value: str) -> None:
    records = [_record("a", "3", 1), _record("b", "7", 2), _record("c", "-2", 3)]
    (out,) = roll_up(records, _rules(d1=method))
    assert out.record.body["recordValue"] == value


def test_last_keeps_the_latest_timestamp_and_among_ties_the_last_added() -> None:
    records = [_record("a", "1", 50), _record("b", "2", 10), _record("c", "3", 50)]
    (out,) = roll_up(records, _rules(d1="last"))
    assert out.record.body["recordValue"] == "3"
    assert out.record.body["timestamp"] == "2026-11-24T08:50:00.000Z"


def test_records_in_other_hours_metadata_customers_or_dimensions_stay_apart() -> None:
    records = [
        _record("a", "1", 0),
        _record("b", "1", 60),  # the next hour
        _record("c", "1", 0, metadata={"region": "eu"}),
        _record("d", "1", 0, metadata={"region": "us"}),
        _record("e", "1", 0, customer="c2"),
        _record("f", "1", 0, dimension="d2"),
        _record("g", "1", 0, metadata={"n": 1}),
        _record("h", "1", 0, metadata={"n": 1.0}),
        _record("i", "1", 0, metadata={"n": True}),
        _record("j", "1", 0, metadata={"n": "1"}),
        _record("k", "1", 0, metadata={"n": None}),
        _record("l", "1", 0, metadata={"n": [1]}),
    ]
    out = roll_up(records, _rules(d1="sum", d2="sum"))
    assert [o.record.key for o in out] == list("abcdefghijkl")
    assert not any(o.combined for o in out)


def test_timestamps_in_any_form_group_by_their_utc_hour() -> None:
    # 09:30+02:00 is 07:30 UTC, in another hour than 08:10Z; 10:10+02:00 is 08:10 UTC.
    base = ("c1", "d1", "1")
    records = [
        prepare(("a", *base, "2026-11-24T08:10:00.000Z", None, 0.0)),
        prepare(
            (
                "b",
                *base,
                datetime(2026, 11, 24, 9, 30, tzinfo=timezone(timedelta(hours=2))),
                None,
                1.0,
            )
        ),
        prepare(("c", *base, "2026-11-24T10:10:00+02:00", None, 2.0)),
    ]
    out = roll_up(records, _rules(d1="sum"))
    assert [(o.record.body["recordValue"], len(o.members)) for o in out] == [("1", 1), ("2", 2)]
    assert out[1].record.body["timestamp"] == "2026-11-24T08:10:00.000Z"


def test_metadata_maps_equal_up_to_key_order_combine() -> None:
    records = [
        _record("a", "1", metadata={"x": 1, "y": 2}),
        _record("b", "2", metadata={"y": 2, "x": 1}),
    ]
    (out,) = roll_up(records, _rules(d1="sum"))
    assert out.record.body["recordValue"] == "3"
    assert out.record.body["metadata"] == {"x": 1, "y": 2}


def test_dimensions_not_known_or_not_combinable_are_sent_as_they_are() -> None:
    records = [_record("a", "1", dimension="count"), _record("b", "1", dimension="count")]
    records += [_record("c", "1", dimension="unknown"), _record("d", "1", dimension="unknown")]
    out = roll_up(records, _rules(count=None))
    assert [o.record for o in out] == records


def test_order_is_kept_and_a_combined_last_takes_its_kept_records_place() -> None:
    records = [
        _record("a", "1", 5, metadata={"g": 1}),
        _record("b", "2", 5, metadata={"g": 2}),
        _record("c", "3", 4, metadata={"g": 1}),
        _record("x", "9", 0, dimension="other"),
    ]
    out = roll_up(records, _rules(d1="last", other="sum"))
    # Group g=1 keeps "a" (latest timestamp), so it is sent before "b", as without rollup.
    assert [o.record.body["recordValue"] for o in out] == ["1", "2", "9"]
    assert [m.key for m in out[0].members] == ["a", "c"]


def test_a_sum_too_long_for_the_wire_is_not_combined() -> None:
    long_value = "9" * 64
    records = [_record("a", long_value), _record("b", long_value)]
    out = roll_up(records, _rules(d1="sum"))
    assert [o.record.key for o in out] == ["a", "b"]


def test_combined_size_is_the_size_of_its_body() -> None:
    records = [_record("a", "1.5", 1), _record("b", "20.25", 2)]
    (out,) = roll_up(records, _rules(d1="sum"))
    assert out.record.size == prepare(out.record.raw()).size
    assert out.record.value == Decimal("21.75")


def test_rules_list_the_dimensions_not_read_yet() -> None:
    rules = _rules(d1="sum")
    assert rules.missing(["d1", "d2", "d2"]) == {"d2"}


def test_records_that_must_keep_their_keys_are_not_combined() -> None:
    records = [_record("mine-1", "1"), _record("mine-2", "2"), _record("theirs", "4")]
    (combined, kept) = roll_up(records, _rules(d1="sum"), lambda key: key.startswith("mine-"))
    assert [m.key for m in combined.members] == ["mine-1", "mine-2"]
    assert kept.record.key == "theirs"


def test_a_failed_read_is_retried_only_after_a_while() -> None:
    rules = RollupRules(retry_after=30.0)
    rules.learn_failed("d1", now=100.0)
    assert rules.missing(["d1"], now=129.0) == set()
    assert rules.missing(["d1"], now=130.0) == {"d1"}
    assert rules.method("d1") is None
