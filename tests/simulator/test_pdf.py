"""The invoice PDF: a real document whose text carries the invoice's parties, lines and numbers."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("fpdf")

from simulator.pdf import render_invoice_pdf  # noqa: E402 - after the optional imports


@dataclass
class Line:
    name: str
    quantity: Decimal
    unit_cost: Decimal
    description: str | None = None


@dataclass
class Payment:
    type: str
    transaction_amount: Decimal
    timestamp: datetime


@dataclass
class Invoice:
    invoice_id: str
    customer_id: str
    invoice_date: datetime
    currency: str
    invoice_status: str
    invoice_type: str
    line_items: list[Line]
    total_amount_without_tax: Decimal
    tax_amount: Decimal
    amount_paid: Decimal
    payments: list[Payment] = field(default_factory=list)
    period_start: datetime | None = None
    period_end: datetime | None = None
    invoice_payment_term: str = ""


@dataclass
class Customer:
    customer_id: str
    customer_name: str
    email: str


@dataclass
class Profile:
    business_name: str
    address_line1: str | None = None
    city: str | None = None
    country: str | None = None
    support_email: str | None = None


def text_of(document: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(document))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def invoice() -> Invoice:
    return Invoice(
        invoice_id="9f0c2a41-5d7e-4c55-9a1b-0e5b8f1d2c3a",
        customer_id="cust-1",
        invoice_date=datetime(2026, 2, 1, tzinfo=UTC),
        currency="USD",
        invoice_status="Open",
        invoice_type="RECURRING",
        line_items=[
            Line("Data Processed - Gigabyte - Pay-as-you-go", Decimal("1234.5"), Decimal("0.08")),
            Line("API Calls - Thousand - Pro", Decimal(400), Decimal("0.096")),
            Line("Discount - Launch", Decimal(1), Decimal("-13.72")),
        ],
        total_amount_without_tax=Decimal("123.44"),
        tax_amount=Decimal("12.34"),
        amount_paid=Decimal("20.00"),
        payments=[Payment("Credit", Decimal("20.00"), datetime(2026, 2, 1, tzinfo=UTC))],
        period_start=datetime(2026, 1, 1, tzinfo=UTC),
        period_end=datetime(2026, 2, 1, tzinfo=UTC),
        invoice_payment_term="30",
    )


@pytest.fixture
def customer() -> Customer:
    return Customer("cust-1", "Dumm AI Corp", "billing@dumm.ai")


@pytest.fixture
def profile() -> Profile:
    return Profile("Acme Metering", "1 Main St", "Springfield", "US", "support@acme.test")


def test_renders_a_real_pdf(invoice, customer, profile):
    document = render_invoice_pdf(invoice, customer, profile)
    assert document.startswith(b"%PDF-")
    assert len(pypdf.PdfReader(io.BytesIO(document)).pages) == 1


def test_text_carries_parties_period_and_identity(invoice, customer, profile):
    text = text_of(render_invoice_pdf(invoice, customer, profile))
    for expected in (
        "Acme Metering",
        "1 Main St",
        "support@acme.test",
        "Dumm AI Corp",
        "billing@dumm.ai",
        invoice.invoice_id,
        "2026-01-01 to 2026-02-01",
        "Open",
        "RECURRING",
        "30 days",
    ):
        assert expected in text


def test_text_carries_every_line_and_the_invoice_numbers(invoice, customer, profile):
    text = text_of(render_invoice_pdf(invoice, customer, profile))
    assert "Data Processed - Gigabyte - Pay-as-you-go" in text
    assert "1234.5" in text
    assert "98.76 USD" in text  # 1234.5 x 0.08
    assert "0.096" in text
    assert "38.40 USD" in text  # 400 x 0.096
    assert "-13.72 USD" in text  # the discount line (B8)
    assert "Subtotal 123.44 USD" in text
    assert "Tax 12.34 USD" in text
    assert "Total 135.78 USD" in text
    assert "Amount paid 20.00 USD" in text
    assert "Amount due 115.78 USD" in text
    assert "Credit: 20.00 USD on 2026-02-01" in text


def test_same_invoice_gives_the_same_bytes(invoice, customer, profile):
    assert render_invoice_pdf(invoice, customer, profile) == render_invoice_pdf(
        invoice, customer, profile
    )


def test_wire_mappings_are_accepted(customer, profile):
    wire = {
        "invoiceId": "inv-42",
        "invoiceDate": "2026-03-01T00:00:00.000Z",
        "currency": "EUR",
        "invoiceStatus": "Paid",
        "lineItems": [{"name": "Seats", "quantity": 3, "unitCost": 25}],
        "totalAmountWithoutTax": 75,
        "taxAmount": 0,
        "amountPaid": 75,
        "payments": [],
    }
    text = text_of(render_invoice_pdf(wire, {"customerName": "Wire Co"}, {}))
    assert "inv-42" in text
    assert "Wire Co" in text
    assert "75.00 EUR" in text


def test_many_lines_spill_onto_more_pages(invoice, customer, profile):
    invoice.line_items = [Line(f"Line {n}", Decimal(1), Decimal(1)) for n in range(120)]
    document = render_invoice_pdf(invoice, customer, profile)
    reader = pypdf.PdfReader(io.BytesIO(document))
    assert len(reader.pages) > 1
    assert "Line 119" in text_of(document)


def test_text_outside_latin1_does_not_break_rendering(invoice, profile):
    customer = Customer("c", "Ünïcode ✓ 株式会社", "x@y.z")
    text = text_of(render_invoice_pdf(invoice, customer, profile))
    assert "Ünïcode" in text


def test_download_link_serves_the_pdf_of_an_engine_invoice():
    """The invoice URL from `?download=true` returns this module's PDF of the engine's records."""
    import httpx

    from simulator import ManualClock, Simulator

    with Simulator(clock=ManualClock(datetime(2026, 4, 1, tzinfo=UTC))) as sim:
        with sim.client() as paigo:
            paigo.settings.update_profile(business_name="Acme Metering", city="Springfield")
            customer = paigo.customers.create(
                customer_name="Dumm AI Corp",
                email="billing@dumm.ai",
                payment_channel="manual",
                address={
                    "countryCode": "US",
                    "postalCode": "12345",
                    "city": "Metropolis",
                    "streetLineOne": "1 Main St",
                    "state": "NY",
                },
            )
            created = paigo.invoices.create(
                customer_id=customer.customer_id,
                items=[{"name": "Paigo Pro", "quantity": 2, "unit_cost": "100.09"}],
            )
            assert created.invoice_id is not None
            invoice = paigo.invoices.retrieve(created.invoice_id, download=True)
        assert invoice.invoice_url is not None
        with httpx.Client(transport=sim.transport()) as http:
            reply = http.get(invoice.invoice_url)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/pdf"
    text = text_of(reply.content)
    for expected in ("Acme Metering", "Dumm AI Corp", "1 Main St", "Paigo Pro", "200.18 USD"):
        assert expected in text
