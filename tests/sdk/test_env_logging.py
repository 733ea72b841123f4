"""`PAIGO_LOG=debug|info` turns on the SDK's logging to stderr without code; secrets stay out."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest

from paigo_sdk._logs import RedactSecrets, redact, redacted_headers

SECRET = "env-log-secret-value-123"
PROGRAM = textwrap.dedent(
    f"""
    from decimal import Decimal

    from simulator import FaultRule, Simulator

    sim = Simulator(client_secret={SECRET!r})
    client = sim.client(sleep=lambda seconds: None)
    sim.faults.add(FaultRule(kind="status", status=503, method="GET", path="/customers", times=1))
    customer = client.customers.create(
        customer_name="A", email="a@example.com", payment_channel="manual"
    )
    client.customers.list()
    invoice = client.invoices.create(
        customer_id=customer.customer_id,
        items=[{{"name": "Setup", "quantity": 1, "unit_cost": Decimal("1.00")}}],
    )
    client.invoices.retrieve(invoice.invoice_id, download=True)
    print(client._auth.cache.current())
    client.close()
    """
)


def _run(level: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    if level is not None:
        env["PAIGO_LOG"] = level
    return subprocess.run(
        [sys.executable, "-c", PROGRAM],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_debug_logs_every_request_to_stderr_without_secrets() -> None:
    result = _run("debug")
    token = result.stdout.strip()
    assert len(token) > 40
    assert "Request: POST http://" in result.stderr
    assert "GET /customers -> 503" in result.stderr
    assert "GET /customers -> 200" in result.stderr
    assert "'idempotency-key':" in result.stderr
    assert SECRET not in result.stderr
    assert token not in result.stderr
    assert token.split(".")[-1] not in result.stderr


def test_info_logs_only_retries() -> None:
    result = _run("INFO")
    assert "list_customers failed (InternalServerError); retrying" in result.stderr
    assert "Request:" not in result.stderr
    assert " -> 200" not in result.stderr


@pytest.mark.parametrize("level", [None, "verbose"])
def test_unset_or_unknown_values_log_nothing(level: str | None) -> None:
    assert _run(level).stderr == ""


def test_redact_removes_tokens_secrets_and_signatures() -> None:
    text = (
        "Authorization: Bearer eyJabc.def.ghi; body client_secret=hunter2&grant_type=x "
        '{"client_secret": "hunter3", "access_token": "tok-9"} '
        "https://x/_simulator/invoices/1.pdf?expires=1&signature=deadbeef"
    )
    cleaned = redact(text)
    for secret in ("eyJabc.def.ghi", "hunter2", "hunter3", "tok-9", "deadbeef"):
        assert secret not in cleaned
    assert "grant_type=x" in cleaned
    assert "expires=1" in cleaned


def test_redacted_headers_hide_credentials_only() -> None:
    headers = {"Authorization": "Bearer t", "Accept": "application/json", "Cookie": "s=1"}
    assert redacted_headers(headers) == {
        "Authorization": "[redacted]",
        "Accept": "application/json",
        "Cookie": "[redacted]",
    }


def test_the_filter_rewrites_the_formatted_message() -> None:
    record = logging.LogRecord("paigo_sdk", logging.INFO, "f", 1, "token %s", ("Bearer abc",), None)
    assert RedactSecrets().filter(record)
    assert record.getMessage() == "token Bearer [redacted]"
