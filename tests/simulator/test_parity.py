"""The parity kit offline: masking, shape extraction, comparison and the snapshot store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from paigo_sdk.types.enums import InvoiceStatus
from simulator.parity import (
    ParityTarget,
    ShapeMismatch,
    SnapshotStore,
    compare_shapes,
    enum_fields,
    format_differences,
    live_skip_reason,
    mask,
    shape_of,
)

CUSTOMER = {
    "customerId": "6f1c2b9e-4d43-4c1e-9a51-0d7f3f0c8a11",
    "customerName": "Dumm AI Corp",
    "email": "billing@dumm.ai",
    "createdAt": "2026-11-24T08:00:00.123Z",
    "paymentChannel": "manual",
    "portalToken": "eyJhbGciOi.secret.part",
    "stripePortalUrl": "https://billing.stripe.com/p/session/abc?sig=1",
    "offeringIds": ["o-1", "o-2"],
    "metadata": {"tier": "gold", "seats": 3},
    "balance": Decimal("12.50"),
    "taxExempt": None,
    "active": True,
}


def test_masking_hides_ids_secrets_timestamps_emails_and_urls():
    masked = mask(CUSTOMER)
    assert masked == {
        "active": True,
        "balance": Decimal("12.50"),
        "createdAt": "<timestamp>",
        "customerId": "<id>",
        "customerName": "Dumm AI Corp",
        "email": "<email>",
        "metadata": {"seats": 3, "tier": "gold"},
        "offeringIds": ["<id>", "<id>"],
        "paymentChannel": "manual",
        "portalToken": "<secret>",
        "stripePortalUrl": "<url>",
        "taxExempt": None,
    }
    assert list(masked) == sorted(masked)  # stable key order


def test_masking_reads_uuids_dates_and_enum_members_anywhere():
    value = {
        "note": "6F1C2B9E-4D43-4C1E-9A51-0D7F3F0C8A11",
        "day": "2026-11-24",
        "at": datetime(2026, 1, 1, tzinfo=UTC),
        "status": InvoiceStatus.PAID,
        "client_secret": "s3cr3t",
    }
    assert mask(value) == {
        "at": "<timestamp>",
        "client_secret": "<secret>",
        "day": "<timestamp>",
        "note": "<id>",
        "status": "Paid",
    }


def test_masking_refuses_what_is_not_json():
    with pytest.raises(TypeError, match="JSON values only"):
        mask({"when": object()})


def test_the_shape_keeps_keys_types_and_enumeration_values():
    assert {"paymentChannel", "invoiceStatus", "billingCycle"} <= enum_fields()
    assert "customerName" not in enum_fields()
    assert shape_of(mask(CUSTOMER)) == {
        "active": "boolean",
        "balance": "number",
        "createdAt": "string",
        "customerId": "string",
        "customerName": "string",
        "email": "string",
        "metadata": {"seats": "number", "tier": "string"},
        "offeringIds": ["string"],
        "paymentChannel": "enum:manual",
        "portalToken": "string",
        "stripePortalUrl": "string",
        "taxExempt": "null",
    }


def test_array_items_merge_into_one_shape():
    items = [{"a": 1, "b": "x"}, {"a": None, "c": True}, {"a": 2}]
    assert shape_of(items) == [{"a": "null|number", "b": "string", "c": "boolean"}]
    assert shape_of([]) == []
    assert shape_of([1, "x", [2]]) == ["array|number|string"]


def test_equal_shapes_have_no_difference():
    assert compare_shapes(shape_of(CUSTOMER), shape_of(dict(CUSTOMER, customerName="Other"))) == []
    # An empty array shows no item, so it agrees with any array.
    assert compare_shapes(shape_of({"data": []}), shape_of({"data": [{"x": 1}]})) == []


def test_missing_and_extra_keys_types_and_enum_values_are_differences():
    live = {"data": [{"invoiceStatus": "Paid", "total": Decimal(1), "lines": [], "old": "x"}]}
    sim = {"data": [{"invoiceStatus": "PAID", "total": "1", "lines": [], "new": 1}]}
    differences = compare_shapes(shape_of(live), shape_of(sim))
    assert [str(d) for d in differences] == [
        "$.data[].invoiceStatus: expected enum:Paid, got enum:PAID",
        "$.data[].new: expected (absent), got number",
        "$.data[].old: expected string, got (absent)",
        "$.data[].total: expected number, got string",
    ]
    report = format_differences(differences, expected="Paigo", actual="the simulator")
    assert report.splitlines()[0] == (
        "4 shape difference(s), Paigo (expected) vs the simulator (actual):"
    )
    assert "  $.data[].total: Paigo has number; the simulator has string" in report


def test_an_object_where_a_string_was_is_a_difference():
    differences = compare_shapes(shape_of({"a": "x"}), shape_of({"a": {"b": 1}}))
    assert [str(d) for d in differences] == ["$.a: expected string, got object {b}"]


def test_the_store_writes_masked_sorted_snapshots_only_when_they_change(tmp_path):
    store = SnapshotStore(tmp_path)
    store.save("live", "customers.retrieve", CUSTOMER)
    path = tmp_path / "live" / "customers.retrieve.json"
    text = path.read_text(encoding="utf-8")
    assert "Dumm AI Corp" in text
    for secret in ("dumm.ai", "6f1c2b9e", "2026-11-24", "eyJhbG", "stripe.com"):
        assert secret not in text
    assert '"balance": 12.50' in text  # numbers stay exact numbers
    orders: list[list[str]] = []
    json.loads(text, object_pairs_hook=lambda pairs: orders.append([k for k, _ in pairs]))
    assert len(orders) == 2  # the customer and its metadata
    assert all(keys == sorted(keys) for keys in orders)  # stable key order
    assert store.load("live", "customers.retrieve") == mask(CUSTOMER)
    assert store.load("simulator", "customers.retrieve") is None
    before = path.stat().st_mtime_ns, path.stat().st_ino
    store.save("live", "customers.retrieve", dict(CUSTOMER, customerId="another-id"))
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before  # same masked text: untouched
    assert store.names("live") == ["customers.retrieve"]


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden", "x" * 129])
def test_the_store_refuses_names_that_are_not_plain(tmp_path, name):
    with pytest.raises(ValueError, match="not a plain snapshot name"):
        SnapshotStore(tmp_path).path("live", name)


def test_a_check_fails_when_the_simulator_differs_from_the_recorded_live_shape(tmp_path):
    store = SnapshotStore(tmp_path)
    store.save("live", "customers.retrieve", dict(CUSTOMER, paymentChannel="stripe"))
    target = ParityTarget("simulator", client=None, store=store)  # type: ignore[arg-type]
    with pytest.raises(ShapeMismatch) as mismatch:
        target.check("customers.retrieve", CUSTOMER)
    assert [str(d) for d in mismatch.value.differences] == [
        "$.paymentChannel: expected enum:stripe, got enum:manual"
    ]
    assert "live/customers.retrieve.json" in str(mismatch.value)
    assert target.check("customers.list", [CUSTOMER]) == [mask(CUSTOMER)]  # nothing recorded yet


def test_live_runs_need_credentials_and_never_run_in_ci():
    both = {"PAIGO_CLIENT_ID": "id", "PAIGO_CLIENT_SECRET": "secret"}
    assert live_skip_reason(both) is None
    assert live_skip_reason({**both, "CI": "false"}) is None
    assert "do not run in CI" in str(live_skip_reason({**both, "CI": "true"}))
    reason = str(live_skip_reason({"PAIGO_CLIENT_ID": "id"}))
    assert "set PAIGO_CLIENT_SECRET (" in reason
