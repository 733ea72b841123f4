"""paigo_sdk.webhooks.verify: the X-Paigo-Security header checked against the key, the body read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from paigo_sdk.errors import ClientValidationError, PaigoError, WebhookVerificationError
from paigo_sdk.webhooks import SECURITY_HEADER, verify

KEY = "whsec-0123456789"
BODY = b'{"invoiceId":"inv-1","amountPaid":"12.50","ratio":0.1}'


def test_a_matching_header_returns_the_event_with_decimal_numbers():
    event = verify(BODY, {SECURITY_HEADER: KEY}, KEY)
    assert event == {"invoiceId": "inv-1", "amountPaid": "12.50", "ratio": Decimal("0.1")}
    assert isinstance(event["ratio"], Decimal)


@pytest.mark.parametrize(
    "headers",
    [
        {"x-paigo-security": KEY},
        [("X-PAIGO-SECURITY", KEY), ("Content-Type", "application/json")],
    ],
)
def test_header_names_match_in_any_case_as_a_mapping_or_pairs(headers):
    assert verify(BODY.decode(), headers, KEY)["invoiceId"] == "inv-1"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "no X-Paigo-Security header"),
        ({SECURITY_HEADER: KEY[:-1]}, "does not match"),
        ({SECURITY_HEADER: KEY + "0"}, "does not match"),
        ({SECURITY_HEADER: ""}, "does not match"),
        ([(SECURITY_HEADER, KEY), ("x-paigo-security", KEY)], "2 X-Paigo-Security headers"),
    ],
)
def test_a_missing_wrong_or_repeated_header_is_refused_without_showing_secrets(headers, message):
    with pytest.raises(WebhookVerificationError, match=message) as refused:
        verify(BODY, headers, KEY)
    assert isinstance(refused.value, PaigoError)
    assert KEY[:8] not in str(refused.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "not a JSON object"),
        (b"\xff", "not JSON"),
        (b"[" * 5_000 + b"]" * 5_000, "nested too deeply"),
        (b'{"ratio":NaN}', "NaN is not a JSON value"),
        (b'{"ratio":-Infinity}', "-Infinity is not a JSON value"),
        (b'{"n":' + b"9" * 5_000 + b"}", "not JSON"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(body, message):
    with pytest.raises(WebhookVerificationError, match=message):
        verify(body, {SECURITY_HEADER: KEY}, KEY)


def test_an_empty_key_verifies_nothing():
    with pytest.raises(ClientValidationError, match="security_key"):
        verify(BODY, {SECURITY_HEADER: ""}, "")


def test_header_pairs_as_bytes_are_read_as_an_asgi_scope_holds_them():
    headers = [(b"content-type", b"application/json"), (b"x-paigo-security", KEY.encode())]
    assert verify(BODY, headers, KEY)["invoiceId"] == "inv-1"


@pytest.mark.parametrize(
    ("given", "key"),
    [(KEY + "\udc80", KEY), (KEY, KEY + "\ud800")],
    ids=["a header decoded with surrogate escapes", "a key with a lone surrogate"],
)
def test_text_that_is_not_utf8_compares_unequal_instead_of_raising(given, key):
    with pytest.raises(WebhookVerificationError, match="does not match"):
        verify(BODY, {SECURITY_HEADER: given}, key)


def test_a_header_value_that_is_neither_text_nor_bytes_is_a_usage_error():
    with pytest.raises(ClientValidationError, match="text or bytes"):
        verify(BODY, {SECURITY_HEADER: None}, KEY)  # type: ignore[arg-type]
