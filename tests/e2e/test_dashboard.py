"""The dashboard in a real Chromium: Paigo's getting-started journey, clicked through and checked.

Each step is done in the browser against `paigo-simulator serve` on 127.0.0.1, and what the page
shows is compared with what the simulator's API answers. Screenshots of every step are saved
under `tmp/artifacts/dashboard/` (or `$PAIGO_TEST_ARTIFACTS/dashboard/`).

Chromium comes from the operating system's packages (`.ci/run` installs it); Playwright drives it
through `executable_path`, so no browser is downloaded.
"""

from __future__ import annotations

import http.server
import io
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_MS = 10_000

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def chromium_path() -> str:
    """Return the system Chromium, or skip (fail under CI, where .ci/run installs it)."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is not installed; .ci/run installs it with apt-get")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def artifacts() -> Path:
    base = Path(os.environ.get("PAIGO_TEST_ARTIFACTS", ROOT / "tmp" / "artifacts"))
    folder = base / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


class Paigo:
    """The simulator's API, read directly, to check what the page shows."""

    def __init__(self, server: ServerProcess) -> None:
        self.url = server.url
        self.http = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {server.token()}"},
            timeout=30,
        )

    def get(self, path: str) -> Any:
        reply = self.http.get(path)
        reply.raise_for_status()
        return reply.json()

    def data(self, path: str) -> list[Any]:
        return list(self.get(path)["data"])

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.http.post(path, json=body)


@pytest.fixture
def connect() -> Iterator[Any]:
    """Open `Paigo` readers for servers; every one is closed after the test."""
    opened: list[Paigo] = []

    def factory(server: ServerProcess) -> Paigo:
        opened.append(Paigo(server))
        return opened[-1]

    yield factory
    for paigo in opened:
        paigo.http.close()


def shoot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def test_the_guide_journey_in_a_browser(server_factory, connect, webhook_receiver, page, artifacts):
    server = server_factory()
    paigo = connect(server)
    page.goto(f"{server.url}/dashboard")
    page.wait_for_selector("#customers-table")

    # Billing setup: a dimension.
    page.click("a[data-tab=dimensions]")
    page.click("#new-dimension")
    page.fill("#dimension-name", "Data Processed")
    page.select_option("#usage-measurement", "api")
    page.select_option("#consumption-unit", "data/gigabyte")
    page.fill("#consumption-price", "0.08")
    shoot(page, artifacts, "01-new-dimension")
    page.click("#submit-dimension")
    page.wait_for_selector("#dimensions-table >> text=Data Processed")
    [dimension] = paigo.data("/dimensions")
    assert dimension["dimensionName"] == "Data Processed"
    assert dimension["consumptionUnit"] == {"type": "data", "unit": "gigabyte"}
    assert Decimal(dimension["consumptionPrice"]) == Decimal("0.08")
    assert dimension["aggregationMethod"] == "sum"
    assert page.is_visible(f"#dimensions-table >> text={dimension['dimensionId']}")
    shoot(page, artifacts, "02-dimensions")

    # An offering with that dimension.
    page.click("a[data-tab=offerings]")
    page.click("#new-offering")
    page.fill("#offering-name", "Pay-as-you-go")
    page.select_option("#usage-dimension", dimension["dimensionId"])
    page.click("#submit-offering")
    page.wait_for_selector("#offerings-table >> text=Pay-as-you-go")
    [offering] = paigo.data("/offerings")
    assert offering["offeringName"] == "Pay-as-you-go"
    assert [d["dimensionId"] for d in offering["dimensions"]] == [dimension["dimensionId"]]

    # A webhook subscriber on loopback, so that creating the customer is delivered to it.
    hook_url = webhook_receiver()
    subscribed = paigo.post(
        "/webhooks/subscribe", {"hookUrl": hook_url, "webhookType": "CUSTOMER_CREATED"}
    )
    assert subscribed.status_code in (200, 201), subscribed.text

    # A customer on that offering.
    page.click("a[data-tab=customers]")
    page.click("#new-customer")
    page.fill("#customer-name", "Dumm AI Corp")
    page.fill("#customer-email", "billing@dumm-ai.example")
    page.fill("#stripe-account", "acct_1MV2hfFMNNPXLiB")
    assert page.input_value("#customer-offering") == offering["offeringId"]
    shoot(page, artifacts, "03-new-customer")
    page.click("#submit-customer")
    page.wait_for_selector("#customers-table >> text=Dumm AI Corp")
    [customer] = paigo.data("/customers")
    customer_id = customer["customerId"]
    assert customer["paymentChannelOptions"]["stripeCustomerId"] == "acct_1MV2hfFMNNPXLiB"
    assert customer["offering"]["offeringId"] == offering["offeringId"]

    # The customer view, and Record Usage with metadata and its code snippet.
    page.click(f"#customers-table tr[data-id='{customer_id}']")
    page.wait_for_selector("#customer-id")
    assert page.inner_text("#customer-id") == customer_id
    before = moment(paigo.get("/_simulator/clock")["now"])
    page.click("#record-usage")
    assert page.input_value("#record-customer-id") == customer_id
    assert page.input_value("#record-dimension-id") == dimension["dimensionId"]
    expect(page.locator("#record-timestamp")).not_to_have_value("")
    after = moment(paigo.get("/_simulator/clock")["now"])
    assert before <= moment(page.input_value("#record-timestamp")) <= after  # now, by default
    page.fill("#record-value", "0.8")
    page.fill("#metadata-key", "Foo")
    page.fill("#metadata-value", "Bar")
    page.click("#add-metadata")
    assert page.inner_text("#metadata-list") == '{"Foo":"Bar"}'
    curl = page.inner_text("#snippet")
    for expected in (f"{server.url}/usage", customer_id, dimension["dimensionId"], '"0.8"', "Foo"):
        assert expected in curl
    page.click("button[data-lang=Python]")
    python = page.inner_text("#snippet")
    assert "client.usage.record(" in python
    assert 'record_value=Decimal("0.8")' in python
    assert f'customer_id="{customer_id}"' in python
    page.click("button[data-lang=Node]")
    assert f'fetch("{server.url}/usage"' in page.inner_text("#snippet")
    page.click("#copy-snippet")
    page.wait_for_selector("#copy-status >> text=Copied")
    shoot(page, artifacts, "04-record-usage")
    page.click("#submit-usage")
    page.wait_for_selector("#flash >> text=Usage record submitted")
    [series] = paigo.data(f"/customers/{customer_id}/usage?aggregationInterval=none")
    [record] = series["usage"]
    assert Decimal(record["recordValue"]) == Decimal("0.8")
    assert record["metadata"] == {"Foo": "Bar"}

    # Usage Monitoring follows records sent by a script, without reloading the page.
    for _ in range(3):
        sent = paigo.post(
            "/usage",
            {
                "timestamp": paigo.get("/_simulator/clock")["now"],
                "customerId": customer_id,
                "dimensionId": dimension["dimensionId"],
                "recordValue": "1",
            },
        )
        assert sent.status_code == 201, sent.text
    expect(page.locator("#monitor-count")).to_have_text("4")
    assert page.locator("#monitor-chart polyline").count() == 1
    shoot(page, artifacts, "05-usage-monitoring")

    # Usage Data, raw and by day, as a table and a chart.
    page.select_option("#aggregation", "none")
    page.click("#view-usage")
    expect(page.locator("#usage-table tbody tr")).to_have_count(4)
    assert page.locator("#usage-chart rect").count() == 4
    assert page.locator("#usage-table >> text=Data Processed").count() == 4
    page.select_option("#aggregation", "day")
    page.click("#view-usage")
    page.wait_for_selector("#usage-table >> th:has-text('Start')")
    [daily] = paigo.data(f"/customers/{customer_id}/usage?aggregationInterval=day")
    rows = page.locator("#usage-table tbody tr")
    days = len(daily["usage"])  # one, or two when the run crosses midnight UTC
    assert rows.count() == days >= 1
    shown = [Decimal(rows.nth(n).locator("td").nth(3).inner_text()) for n in range(days)]
    assert shown == [Decimal(bucket["value"]) for bucket in daily["usage"]]
    assert sum(shown) == Decimal("3.8")
    assert page.locator("#usage-chart rect").count() == days
    page.locator("#usage-data").screenshot(path=str(artifacts / "06-usage-data-daily.png"))

    # Off-cycle invoice for the billing period so far, then download it.
    page.click("#off-cycle-invoice")
    page.wait_for_selector("#off-cycle-form")
    assert page.input_value("#period-start").endswith("-01T00:00:00.000Z")
    shoot(page, artifacts, "07-off-cycle-invoice")
    page.click("#submit-invoice")
    page.wait_for_selector("#invoice-table tbody tr[data-id]")
    [invoice] = paigo.data(f"/customers/{customer_id}")[0]["invoices"]
    row = page.locator(f"#invoice-table tr[data-id='{invoice['invoiceId']}']")
    shown_total = row.locator("td").nth(4).inner_text().split()[0]
    assert Decimal(shown_total) == Decimal(str(invoice["totalAmountWithoutTax"])) > 0
    with page.expect_download() as download_info:
        row.locator("button.download").click()
    download = download_info.value
    saved = artifacts / "invoice.pdf"
    download.save_as(str(saved))
    text = pdf_text(saved.read_bytes())
    assert "Dumm AI Corp" in text
    assert invoice["invoiceId"] in text
    assert "Data Processed - Gigabyte - Pay-as-you-go" in text
    shoot(page, artifacts, "08-invoices")

    # Off-cycle invoice with a manual line item.
    page.click("#off-cycle-invoice")
    page.check("#mode-manual")
    page.fill(".item-name", "Onboarding")
    page.fill(".item-quantity", "1")
    page.fill(".item-unit-cost", "250")
    page.click("#submit-invoice")
    expect(page.locator("#invoice-table tbody tr[data-id]")).to_have_count(2)
    invoices = paigo.data(f"/customers/{customer_id}")[0]["invoices"]
    manual = [i for i in invoices if i["invoiceId"] != invoice["invoiceId"]]
    assert [line["name"] for line in manual[0]["lineItems"]] == ["Onboarding"]
    assert Decimal(str(manual[0]["totalAmountWithoutTax"])) == Decimal(250)

    # Rejected requests show what the simulator refused.
    refused = paigo.post("/usage", {"customerId": customer_id, "recordValue": "lots"})
    assert refused.status_code == 400
    page.click("a[data-tab=rejected]")
    page.wait_for_selector("#rejected-table")
    rejected = paigo.get("/_simulator/rejected-requests")["data"]
    assert page.locator("#rejected-table tbody tr").count() == len(rejected) >= 1
    assert page.locator("#rejected-table >> text=/usage").count() >= 1
    shoot(page, artifacts, "10-rejected-requests")

    # Webhook deliveries: the page lists what the simulator recorded.
    page.click("a[data-tab=webhooks]")
    page.wait_for_selector("#webhooks-table")
    deliveries = paigo.get("/_simulator/webhook-deliveries")["data"]
    assert [d["webhookType"] for d in deliveries] == ["CUSTOMER_CREATED"]
    assert page.locator("#webhooks-table tbody tr").count() == 1
    assert page.locator(f"#webhooks-table >> text={hook_url}").count() == 1
    assert page.locator("#webhooks-table >> text=CUSTOMER_CREATED").count() == 1
    cells = page.locator("#webhooks-table tbody tr td")
    assert cells.nth(3).inner_text() == deliveries[0]["status"]
    assert int(cells.nth(4).inner_text()) == len(deliveries[0]["attempts"])
    shoot(page, artifacts, "11-webhook-deliveries")


def test_the_clock_advances_from_the_page(server_factory, connect, page, artifacts):
    server = server_factory("--start", "2026-01-31")
    paigo = connect(server)
    page.goto(f"{server.url}/dashboard#/clock")
    page.wait_for_selector("#clock-now >> text=2026-01-31T00:00:00.000Z")
    page.fill("#advance-days", "1")
    page.fill("#advance-hours", "2")
    page.click("#advance-clock")
    page.wait_for_selector("#flash >> text=Clock advanced")
    page.wait_for_selector("#clock-now >> text=2026-02-01T02:00:00.000Z")
    assert paigo.get("/_simulator/clock")["now"].startswith("2026-02-01T02:00:00")
    shoot(page, artifacts, "09-clock")


def test_the_dashboard_asks_for_the_admin_token_when_one_is_set(server_factory, page, artifacts):
    server = server_factory("--admin-token", "s3cret-admin")
    page.goto(f"{server.url}/dashboard")
    page.wait_for_selector("#admin-token-form")
    shoot(page, artifacts, "00-admin-token")
    assert page.locator("#admin-token-refused").count() == 0
    page.fill("#admin-token", "wrong")
    page.click("#admin-token-form button")
    page.wait_for_selector("#admin-token-refused")
    page.fill("#admin-token", "s3cret-admin")
    page.click("#admin-token-form button")
    page.wait_for_selector("#customers-table")


@pytest.fixture
def webhook_receiver() -> Iterator[Any]:
    """Start HTTP receivers on 127.0.0.1 that answer 200; yield a factory of their URLs."""
    servers: list[http.server.ThreadingHTTPServer] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    def start() -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/hook"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def pdf_text(document: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(document))
    return "\n".join(page.extract_text() for page in reader.pages)
