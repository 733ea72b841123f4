"""Invoices: the SDK against the simulator, success and every error."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from paigo_sdk.errors import ClientValidationError, NotFoundError


@pytest.fixture
def customer_id(paigo: Any) -> str:
    customer = paigo.customers.create(
        customer_name="Dumm AI Corp", email="b@dumm.ai", payment_channel="manual"
    )
    return str(customer.customer_id)


def test_create_and_retrieve(paigo: Any, customer_id: str) -> None:
    invoice = paigo.invoices.create(
        customer_id=customer_id,
        items=[{"name": "Paigo Pro", "quantity": 1, "unit_cost": "100.09"}],
    )
    assert invoice.invoice_type == "MANUAL"
    assert invoice.total_amount_without_tax == Decimal("100.09")
    fetched = paigo.invoices.retrieve(invoice.invoice_id)
    assert [line.name for line in fetched.line_items] == ["Paigo Pro"]
    assert fetched.invoice_url is None
    customer = paigo.customers.retrieve(customer_id)
    assert [i.invoice_id for i in customer.invoices or []] == [invoice.invoice_id]


def test_download_link_serves_a_pdf(sim: Any, paigo: Any, customer_id: str) -> None:
    pytest.importorskip("fpdf")
    invoice = paigo.invoices.create(
        customer_id=customer_id, items=[{"name": "X", "quantity": 2, "unit_cost": 5}]
    )
    with_link = paigo.invoices.retrieve(invoice.invoice_id, download=True)
    assert with_link.invoice_url
    with httpx.Client(transport=sim.transport()) as http:
        response = http.get(with_link.invoice_url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_errors(paigo: Any, customer_id: str) -> None:
    with pytest.raises(NotFoundError) as err:
        paigo.invoices.retrieve("nope")
    assert err.value.message == "Invoice with ID: nope not found"
    with pytest.raises(NotFoundError):
        paigo.invoices.create(
            customer_id="ghost", items=[{"name": "X", "quantity": 1, "unit_cost": 1}]
        )
    # The server's range for `quantity` is part of the wire grammar: refused before sending.
    with pytest.raises(ClientValidationError, match="quantity must not be less than 0"):
        paigo.invoices.create(
            customer_id=customer_id, items=[{"name": "X", "quantity": -1, "unit_cost": 1}]
        )
