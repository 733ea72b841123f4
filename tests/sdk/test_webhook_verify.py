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
    [(b"not json", "not JSON"), (b"[1]", "not a JSON object"), (b"\xff", "not JSON")],
)
def test_a_body_that_is_not_a_json_object_is_refused(body, message):
    with pytest.raises(WebhookVerificationError, match=message):
        verify(body, {SECURITY_HEADER: KEY}, KEY)


def test_an_empty_key_verifies_nothing():
    with pytest.raises(ClientValidationError, match="security_key"):
        verify(BODY, {SECURITY_HEADER: ""}, "")
