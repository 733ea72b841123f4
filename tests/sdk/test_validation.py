"""Input the contract makes invalid is rejected before anything is sent, with a clear message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from paigo_sdk import ClientValidationError, PaigoClient
from tests.sdk.conftest import FakePaigo

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
NAIVE = datetime(2026, 11, 24, 8, 0)  # noqa: DTZ001
RECORD: dict[str, Any] = {
    "customer_id": "cust-1",
    "dimension_id": "dim-1",
    "record_value": Decimal("1"),
    "timestamp": NOW,
}

Call = Callable[[PaigoClient], object]

CASES: list[tuple[str, Call, str]] = [
    (
        "float value",
        lambda c: c.usage.record(**{**RECORD, "record_value": 0.87}),
        "record_value: floats",
    ),
    (
        "exponent string",
        lambda c: c.usage.record(**{**RECORD, "record_value": "1e3"}),
        "plain decimal",
    ),
    ("nan", lambda c: c.usage.record(**{**RECORD, "record_value": Decimal("NaN")}), "finite"),
    ("bool value", lambda c: c.usage.record(**{**RECORD, "record_value": True}), "bool"),
    (
        "naive timestamp",
        lambda c: c.usage.record(**{**RECORD, "timestamp": NAIVE}),
        "timezone-aware",
    ),
    ("empty customer", lambda c: c.usage.record(**{**RECORD, "customer_id": ""}), "customer_id"),
    (
        "metadata not JSON",
        lambda c: c.usage.record(**{**RECORD, "metadata": {"at": object()}}),
        "JSON-serialisable",
    ),
    ("key with comma", lambda c: c.usage.record(**RECORD, idempotency_key="a,b"), "commas"),
    ("key too long", lambda c: c.usage.record(**RECORD, idempotency_key="k" * 256), "255"),
    ("empty batch", lambda c: c.usage.record_batch([]), "non-empty"),
    (
        "batch key count",
        lambda c: c.usage.record_batch([RECORD, RECORD], idempotency_keys=["k1"]),
        "one per record",
    ),
    (
        "duplicate batch keys",
        lambda c: c.usage.record_batch([RECORD, RECORD], idempotency_keys=["k", "k"]),
        "distinct",
    ),
    (
        "float in batch",
        lambda c: c.usage.record_batch([RECORD, {**RECORD, "record_value": 1.5}]),
        r"records\[1\]\.record_value",
    ),
    ("empty id", lambda c: c.dimensions.retrieve(""), "dimension_id must be a non-empty string"),
    (
        "float price",
        lambda c: c.dimensions.create(
            dimension_name="Calls",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment=1,
            rounding="round",
            consumption_price=0.1,  # type: ignore[arg-type]
        ),
        "consumption_price",
    ),
    (
        "unit of another type",
        lambda c: c.dimensions.create(
            dimension_name="Calls",
            consumption_unit={"type": "time", "unit": "byte"},
            usage_increment=1,
            rounding="round",
        ),
        "not a time unit",
    ),
    (
        "unknown rounding",
        lambda c: c.dimensions.update("dim-1", rounding="banker"),
        "rounding",
    ),
    (
        "float unit cost",
        lambda c: c.invoices.create(
            customer_id="cust-1", items=[{"name": "x", "quantity": 1, "unit_cost": 9.99}]
        ),
        "items.0.unit_cost",
    ),
    (
        "float subscription price",
        lambda c: c.offerings.create(offering_name="Pro", subscription_price=20.0),  # type: ignore[arg-type]
        "subscription_price",
    ),
    (
        "naive usage window",
        lambda c: c.customers.retrieve_usage("cust-1", start_time=NAIVE),
        "startTime",
    ),
    (
        "window end before start",
        lambda c: c.customers.retrieve_usage("cust-1", start_time=NOW, end_time=NOW),
        "end_time must be after start_time",
    ),
    (
        "unknown interval",
        lambda c: c.customers.retrieve_usage("cust-1", aggregation_interval="week"),
        "aggregationInterval",
    ),
    (
        "unenroll combined",
        lambda c: c.customers.enrollment.update("cust-1", offering_id="o", unenroll_offering="o2"),
        "cannot be combined",
    ),
    (
        "float transaction",
        lambda c: c.customers.transactions.create("cust-1", transaction_amount=1.5),  # type: ignore[arg-type]
        "transaction_amount",
    ),
    ("webhook environment", lambda c: c.webhooks.delete("wh-1", environment="staging"), "sandbox"),
    (
        "image type",
        lambda c: c.settings.upload_invoice_image(b"GIF89a", filename="logo.gif"),
        ".png",
    ),
    ("empty child id", lambda c: c.customers.children.add("cust-1", ""), "child_id"),
    (
        "metadata too deep",
        lambda c: c.usage.record(**RECORD, metadata={"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}),
        "metadata must not be nested more than 5 levels deep",
    ),
    (
        "metadata too large",
        lambda c: c.usage.record(**RECORD, metadata={"k": "x" * 17408}),
        "metadata must not be larger than 16384 bytes of JSON",
    ),
    (
        "id too long",
        lambda c: c.usage.record(**{**RECORD, "customer_id": "c" * 256}),
        "customerId must be shorter than or equal to 255 characters",
    ),
    (
        "path id too long",
        lambda c: c.customers.retrieve("c" * 256),
        "customerId must be shorter than or equal to 255 characters",
    ),
    (
        "name too long",
        lambda c: c.customers.create(
            customer_name="n" * 300, email="a@b.c", payment_channel="manual"
        ),
        "customerName must be shorter than or equal to 255 characters",
    ),
    (
        "string too long",
        lambda c: c.webhooks.subscribe(hook_url="h" * 2049, webhook_type="INVOICE_CREATED"),
        "hookUrl must be shorter than or equal to 2048 characters",
    ),
    (
        "NUL in a string",
        lambda c: c.dimensions.update("dim-1", dimension_name="a\x00b"),
        "dimensionName must not contain NUL characters",
    ),
    (
        "decimal string too long",
        lambda c: c.usage.record(**{**RECORD, "record_value": "1" * 70}),
        "recordValue must be a decimal string of at most 64 characters",
    ),
    (
        "number too large",
        lambda c: c.offerings.create(offering_name="Pro", subscription_price=Decimal("1e16")),
        "subscriptionPrice must be a finite number not larger than 1000000000000000",
    ),
    (
        "batch too large",
        lambda c: c.usage.record_batch([RECORD] * 1001),
        "must not have more than 1000 records",
    ),
    (
        "body too large",
        lambda c: c.usage.record_batch([{**RECORD, "metadata": {"k": "x" * 2048}}] * 1000),
        "must not be larger than 1048576 bytes",
    ),
]


@pytest.mark.parametrize(
    ("call", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_input_is_rejected_before_sending(
    fake: FakePaigo, client: PaigoClient, call: Call, message: str
) -> None:
    with pytest.raises(ClientValidationError, match=message) as caught:
        call(client)
    assert isinstance(caught.value, ValueError)
    assert fake.requests == []  # not even a token request


def test_empty_vat_id_and_stripe_customer_id_are_allowed(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.json("PUT", "/customers/c", 200, {"message": "ok", "customerId": "c"})
    fake.json(
        "GET",
        "/customers/c",
        200,
        {
            "message": "ok",
            "data": [{"customerId": "c", "customerName": "A", "paymentChannel": "manual"}],
        },
    )
    client.customers.update(
        "c", customer_vat_id="", payment_channel_options={"stripe_customer_id": ""}
    )
    assert len(fake.api_requests()) == 2


def test_missing_credentials_say_how_to_supply_them() -> None:
    with pytest.raises(ClientValidationError, match="PAIGO_CLIENT_SECRET"):
        PaigoClient(client_id="id")


@pytest.mark.parametrize(
    ("option", "url", "reason"),
    [
        ("api_url", "http://[::1", "Invalid port"),
        ("api_url", "ftp://files.example", "http:// or https://"),
        ("api_url", "api.example.com", "http:// or https://"),
        ("api_url", "http://api.example/v1?tenant=1", "cannot have a query"),
        ("api_url", "http://api.example\r\n", "non-printable"),
        ("auth_url", "http://\udc80/oauth/token", "IDNA"),
        ("auth_url", "oauth/token", "http:// or https://"),
    ],
)
def test_an_unusable_url_is_refused_when_the_client_is_made(
    option: str, url: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAIGO_API_URL", raising=False)
    monkeypatch.delenv("PAIGO_AUTH_URL", raising=False)
    urls = {"api_url": None, "auth_url": None, option: url}
    with pytest.raises(ClientValidationError, match=reason) as refused:
        PaigoClient(
            client_id="id",
            client_secret="secret",
            api_url=urls["api_url"],
            auth_url=urls["auth_url"],
        )
    assert option in str(refused.value)
    str(refused.value).encode("utf-8")  # printable whatever the URL held


def test_an_unusable_url_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAIGO_API_URL", "localhost:8000")
    with pytest.raises(ClientValidationError, match="PAIGO_API_URL"):
        PaigoClient(client_id="id", client_secret="secret")
