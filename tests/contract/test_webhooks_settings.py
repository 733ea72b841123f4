"""Webhooks and settings: the SDK against the simulator, success and every error."""

from __future__ import annotations

from typing import Any

import pytest

from paigo_sdk.errors import ClientValidationError, NotFoundError


def test_webhook_lifecycle(paigo: Any) -> None:
    webhook = paigo.webhooks.subscribe(
        hook_url="https://example.com/hook", webhook_type="INVOICE_CREATED"
    )
    assert webhook.hook_url == "https://example.com/hook"
    assert [w.id for w in paigo.webhooks.list()] == [webhook.id]
    assert paigo.webhooks.retrieve(webhook.id).webhook_type == "INVOICE_CREATED"
    deleted = paigo.webhooks.delete(webhook.id)
    assert deleted.webhook_id == webhook.id
    with pytest.raises(NotFoundError):
        paigo.webhooks.retrieve(webhook.id)
    with pytest.raises(NotFoundError):
        paigo.webhooks.delete(webhook.id)


def test_webhook_errors(paigo: Any) -> None:
    with pytest.raises(NotFoundError):
        paigo.webhooks.subscribe(
            hook_url="https://example.com/hook", webhook_type="ENTITLEMENT", offering_id="nope"
        )


def test_sample_endpoints(paigo: Any) -> None:
    assert paigo.webhooks.test().message
    created = paigo.webhooks.sample_invoice(status="INVOICE_CREATED")
    assert isinstance(created, list)
    assert created[0]["message"] == "Generated invoice"
    assert paigo.webhooks.sample_customer()[0].customer_name
    assert paigo.webhooks.sample_entitlement()[0].webhook_type == "ENTITLEMENT"


def test_profile(paigo: Any) -> None:
    paigo.settings.update_profile(business_name="Dumm AI", send_invoice_email=True)
    profile = paigo.settings.retrieve_profile()
    assert profile.business_name == "Dumm AI"
    assert paigo.settings.upload_invoice_image(b"\x89PNG\r\n\x1a\n").message


def test_profile_validation(paigo: Any) -> None:
    # The SDK mirrors the simulator's string limit and refuses before sending.
    with pytest.raises(ClientValidationError):
        paigo.settings.update_profile(support_email="x" * 5000)
    assert paigo.settings.retrieve_profile().support_email is None
