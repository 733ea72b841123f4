"""Replays the golden scenario and compares every reply, webhook body and the engine's state.

The recorded files were checked against docs/billing-rules.md by hand for the figures listed in
`test_recorded_figures_follow_the_rules`; the comparison then guards every change of the engine's
structure: a behaviour-preserving change must leave all of it byte for byte the same.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from . import scenario


@pytest.fixture(scope="module")
def played() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    return scenario.run()


def _recorded_replies() -> list[dict[str, Any]]:
    text = gzip.decompress(scenario.REPLIES.read_bytes()).decode()
    return [json.loads(line) for line in text.splitlines()]


def _recorded_engine() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(scenario.ENGINE.read_bytes()))
    return data


def _show(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True)[:4000]


def test_every_reply_and_webhook_is_unchanged(played: Any) -> None:
    lines, hooks, _ = played
    now = lines + [{"webhook": h} for h in hooks]
    recorded = _recorded_replies()
    for index, (got, want) in enumerate(zip(now, recorded, strict=False)):
        assert got == want, f"reply {index} differs:\nnow {_show(got)}\nrecorded {_show(want)}"
    assert len(now) == len(recorded)


def test_engine_state_is_unchanged(played: Any) -> None:
    _, _, dump = played
    recorded = _recorded_engine()
    assert sorted(dump) == sorted(recorded)
    for part in sorted(recorded):
        assert dump[part] == recorded[part], f"engine state differs in {part!r}"


def _invoices(dump: dict[str, Any], customer_id: str) -> list[dict[str, Any]]:
    return [i for i in dump["invoices"].values() if i["customer_id"] == customer_id]


def _lines(invoice: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(x["name"], x["quantity"], x["unit_cost"], x["amount"]) for x in invoice["line_items"]]


def test_recorded_figures_follow_the_rules() -> None:
    """Figures of the recording worked out by hand from the billing rules (not from the code)."""
    dump = _recorded_engine()
    january = next(
        i for i in _invoices(dump, "acme") if i["invoice_date"] == "2027-02-01T00:00:00+00:00"
    )
    # Four Mondays, three calls records a day: 737 + 1033 + 1329 = 3099 -> ceil(3.099) = 4 per
    # day bucket (B3, B4), 16 thousands at the offering's override 0.90 (B7). Storage bills the
    # month's max 65.9 GB rounded to 66 in tier 1 at 0.10 (B5). Seats: ten records of 1 against
    # an entitlement of 10 -> 0 overage (B6). Regions: the average of each metadata group is 1
    # (B3), 1 x 3 (eu) and 1 x 4 (us); the apac record matches no group and is not billed.
    assert _lines(january) == [
        ("API Calls - Thousand - Usage", "16", "0.90", "14.40"),
        ("Storage - Gigabyte - Usage - Tier 1", "66", "0.10", "6.60"),
        ("Seats - Count-based - Usage - Overage", "0", "2", "0.00"),
        ("Regions - Count-based - Usage - region: eu - Tier 1", "1", "3", "3.00"),
        ("Regions - Count-based - Usage - region: us - Tier 1", "1", "4", "4.00"),
        ("Discount - Launch", "1", "-2.80", "-2.80"),
    ]
    # 28.00 - 10 % = 25.20; tax 10 % = 2.52 (B8); the wallet's 25.50 pays first (B10).
    assert (january["total_amount_without_tax"], january["tax_amount"]) == ("25.20", "2.52")
    assert (january["amount_paid"], january["invoice_status"]) == ("25.50", "Open")
    march = next(
        i for i in _invoices(dump, "acme") if i["invoice_date"] == "2027-04-01T00:00:00+00:00"
    )
    # The faulted request stored nothing and its retry's replay stored nothing more: 10 + 4 seats,
    # 4 over the entitlement at 2.00 (B2, B6). 40.60 - 4.06 = 36.54; tax 3.654 -> 3.65 (B1).
    assert ("Seats - Count-based - Usage - Overage", "4", "2", "8.00") in _lines(march)
    assert (march["total_amount_without_tax"], march["tax_amount"]) == ("36.54", "3.65")
    december = next(
        i for i in _invoices(dump, "acme") if i["invoice_date"] == "2028-01-01T00:00:00+00:00"
    )
    # December's max storage is 100.9 -> 101 GB: 100 in tier 1 and 1 in the named tier (B5).
    assert ("Bulk", "1", "0.05", "0.05") in _lines(december)
    # The discount ended on 1 July: no discount line from then on (B8).
    assert all(not x[0].startswith("Discount") for x in _lines(december))
    upgrade = next(
        i
        for i in dump["invoices"].values()
        if i["invoice_date"] == "2027-02-28T20:00:00+00:00" and i["invoice_type"] == "RECURRING"
    )
    # Basic -> Pro on 28 February: 1 of 28 days left, 62 / 28 = 2.214 -> 2.21 (B7).
    assert _lines(upgrade) == [("Pro", "1", "2.21", "2.21")]
    licenses = sorted(
        _lines(i)
        for i in dump["invoices"].values()
        if i["invoice_date"] == "2027-05-31T20:00:00+00:00" and i["invoice_type"] == "MANUAL"
    )
    # B12: 3 licenses, the same key again (nothing), then 5: max(0, 5 - 3) = 2 more.
    assert licenses == [
        [("Licenses - Count-based - Pro", "2", "12.5", "25.00")],
        [("Licenses - Count-based - Pro", "3", "12.5", "37.50")],
    ]


def test_recorded_wallet_pays_whole_cents() -> None:
    """A wallet credit of 3.333 pays whole cents on an invoice and keeps the rest (B1, B10)."""
    dump = _recorded_engine()
    (yearly,) = (c for c in dump["customers"].values() if c["customer_name"] == "Yearly Co")
    renewal = next(
        i
        for i in _invoices(dump, yearly["customer_id"])
        if i["invoice_date"] == "2028-01-01T00:00:00+00:00"
    )
    # 124.00 + 12.40 tax is due; the wallet holds 3.333, so 3.33 is paid by credit and, the
    # customer paying manually, the invoice stays Open; 0.003 stays in the wallet.
    assert (renewal["amount_paid"], renewal["invoice_status"]) == ("3.33", "Open")
    assert [p["transaction_amount"] for p in renewal["payments"]] == ["3.33"]
    assert yearly["balance"] == "0.003"
