"""The invoice PDF: a real document whose text carries the invoice's parties, lines and numbers."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("fpdf")

from simulator.pdf import (  # noqa: E402 - after the optional imports
    UnsupportedTextError,
    render_invoice_pdf,
)


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
        "Net 30",
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


def test_latin_extended_greek_and_cyrillic_print_intact(invoice, profile):
    customer = Customer("c", "Łódź Café Ωμέγα Москва", "x@y.z")
    profile.business_name = "Ørsted Straße Ελλάς"
    text = text_of(render_invoice_pdf(invoice, customer, profile))
    assert "Łódź Café Ωμέγα Москва" in text
    assert "Ørsted Straße Ελλάς" in text
    assert "?" not in text


def test_cjk_is_refused_with_a_clear_message(invoice, profile):
    customer = Customer("c", "Ünïcode 株式会社", "x@y.z")
    with pytest.raises(UnsupportedTextError, match="customer name") as caught:
        render_invoice_pdf(invoice, customer, profile)
    assert caught.value.characters == "株式会社"
    assert "Latin, Greek and Cyrillic" in str(caught.value)


def test_one_heading_a_human_number_and_the_due_date(invoice, customer, profile):
    text = text_of(render_invoice_pdf(invoice, customer, profile, invoice_number="INV-2026-00007"))
    assert text.count("Invoice") - text.count("Invoice ID") - text.count("Invoice number") == 1
    assert "INVOICE" not in text
    assert "Invoice number: INV-2026-00007" in text
    assert "Issue date: 2026-02-01" in text
    assert "Due date: 2026-03-03" in text  # 30 days after the issue date
    assert "Payment terms: Net 30 (30 days)" in text


def test_every_line_shows_its_service_period(invoice, customer, profile):
    text = text_of(render_invoice_pdf(invoice, customer, profile))
    lines = [line for line in text.splitlines() if "2026-01-01 to 2026-02-01" in line]
    assert len(lines) == 1 + len(invoice.line_items)  # the billing period, then every line


def test_tax_rate_is_shown_when_it_reproduces_the_tax(invoice, customer, profile):
    invoice.tax_amount = Decimal("10.18")  # 123.44 x 8.25 % = 10.1838
    text = text_of(render_invoice_pdf(invoice, customer, profile, tax_rate=Decimal("8.25")))
    assert "Tax (8.25 %) 10.18 USD" in text
    other = text_of(render_invoice_pdf(invoice, customer, profile, tax_rate=Decimal(20)))
    assert "Tax 10.18 USD" in other


def test_banner_says_due_then_paid(invoice, customer, profile):
    text = text_of(render_invoice_pdf(invoice, customer, profile))
    assert "AMOUNT DUE 115.78 USD" in text
    invoice.invoice_status = "Paid"
    invoice.amount_paid = Decimal("135.78")
    text = text_of(render_invoice_pdf(invoice, customer, profile))
    assert "PAID" in text
    assert "AMOUNT DUE" not in text


def test_every_page_is_numbered(invoice, customer, profile):
    invoice.line_items = [Line(f"Line {n}", Decimal(1), Decimal(1)) for n in range(120)]
    reader = pypdf.PdfReader(io.BytesIO(render_invoice_pdf(invoice, customer, profile)))
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {pages}" in page.extract_text()


def test_logo_is_embedded(invoice, customer, profile):
    logo = _png(40, 20)
    document = render_invoice_pdf(invoice, customer, profile, logo=logo)
    page = pypdf.PdfReader(io.BytesIO(document)).pages[0]
    assert len(page.images) == 1
    assert (
        len(
            pypdf.PdfReader(io.BytesIO(render_invoice_pdf(invoice, customer, profile)))
            .pages[0]
            .images
        )
        == 0
    )


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


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


def test_served_pdf_has_the_uploaded_logo_the_seller_and_a_human_number():
    import httpx

    from simulator import ManualClock, Simulator

    with Simulator(clock=ManualClock(datetime(2026, 4, 1, tzinfo=UTC))) as sim:
        with sim.client() as paigo:
            paigo.settings.update_profile(business_name="Łódź Metering", city="Łódź")
            paigo.settings.upload_invoice_image(_png(60, 30), filename="logo.png")
            customer = paigo.customers.create(
                customer_name="Ωμέγα Москва", email="b@example.com", payment_channel="manual"
            )
            created = paigo.invoices.create(
                customer_id=customer.customer_id,
                items=[{"name": "Seats", "quantity": 1, "unit_cost": "10"}],
            )
            assert created.invoice_id is not None
            link = paigo.invoices.retrieve(created.invoice_id, download=True).invoice_url
            assert link is not None
            cjk = paigo.customers.create(
                customer_name="東京株式会社", email="t@example.com", payment_channel="manual"
            )
            refused = paigo.invoices.create(
                customer_id=cjk.customer_id,
                items=[{"name": "Seats", "quantity": 1, "unit_cost": "10"}],
            )
            assert refused.invoice_id is not None
            refused_link = paigo.invoices.retrieve(refused.invoice_id, download=True).invoice_url
            assert refused_link is not None
        with httpx.Client(transport=sim.transport()) as http:
            reply = http.get(link)
            refusal = http.get(refused_link)
    assert reply.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(reply.content))
    assert len(reader.pages[0].images) == 1
    text = text_of(reply.content)
    for expected in ("Łódź Metering", "Ωμέγα Москва", "Invoice number: INV-2026-00001"):
        assert expected in text
    assert refusal.status_code == 400
    assert "has no letters for '東京株式会社'" in refusal.json()["message"][0]


def test_invoice_image_that_is_not_an_image_is_refused():
    from paigo_sdk.errors import BadRequestError
    from simulator import Simulator

    with Simulator() as sim, sim.client() as paigo:
        with pytest.raises(BadRequestError, match="png, jpg or jpeg"):
            paigo.settings.upload_invoice_image(b"GIF89a not a png", filename="logo.png")
        assert sim.engine.retrieve_settings().invoice_image is None
