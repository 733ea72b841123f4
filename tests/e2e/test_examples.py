"""Every example runs as a subprocess, the way a user runs it, and its output is checked."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run_example(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python examples/ARGS...` from the repository root and return what it printed."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    environment.update({"COLUMNS": "160", "NO_COLOR": "1"})
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def expected_period_total(records: list[dict[str, str]]) -> Decimal:
    """Bill "Data Processed" by hand: UTC hourly sums, ceiling per hour, $0.08 each (B3, B4)."""
    hourly: dict[tuple[int, int, int, int], Decimal] = defaultdict(Decimal)
    for record in records:
        moment = datetime.fromisoformat(record["timestamp"])
        hourly[(moment.year, moment.month, moment.day, moment.hour)] += Decimal(
            record["recordValue"]
        )
    quantity = sum(
        (value.to_integral_value(rounding=ROUND_CEILING) for value in hourly.values()),
        Decimal(0),
    )
    return (quantity * Decimal("0.08")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_journey(summary: dict[str, Any], sent: int) -> None:
    """Assert the summary holds every record sent and an invoice billed by the rules."""
    records = summary["records"]
    assert len(records) == sent + 1  # the dashboard record plus the scripted ones
    assert records[0]["recordValue"] == "0.8"
    invoice = summary["invoice"]
    assert invoice is not None
    assert Decimal(str(invoice["totalAmountWithoutTax"])) == expected_period_total(records)
    assert invoice["invoiceType"] == "MANUAL"
    [line] = invoice["lineItems"]
    assert line["name"] == "Data Processed - Gigabyte - Pay-as-you-go"


def test_main_job_runs_the_guide_against_the_embedded_simulator(tmp_path: Path) -> None:
    summary_path = tmp_path / "summary.json"
    pdf_path = tmp_path / "invoice.pdf"
    result = run_example(
        "examples/ingest_to_paigo.py",
        "--records",
        "40",
        "--interval",
        "0",
        "--summary",
        str(summary_path),
        "--pdf",
        str(pdf_path),
    )
    assert result.returncode == 0, result.stderr
    assert "Usage, raw records" in result.stdout
    assert "Usage, aggregated by day" in result.stdout
    assert "Delivered 41 records" in result.stdout
    summary = json.loads(summary_path.read_text())
    check_journey(summary, 40)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert str(pdf_path) in result.stdout.replace("\n", "")
    check_tables_and_pdf(result.stdout, summary, pdf_path)


def check_tables_and_pdf(stdout: str, summary: dict[str, Any], pdf_path: Path) -> None:
    """The tables name the dimension and show whole UTC days; the PDF names the seller."""
    import pypdf

    table_rows = [line for line in stdout.splitlines() if "│" in line]
    assert not [row for row in table_rows if summary["dimensionId"][:8] in row]
    rows = [row for row in table_rows if "Data Processed" in row]
    assert len(rows) >= 2  # raw rows and at least one day row
    day = datetime.fromisoformat(summary["records"][0]["timestamp"]).strftime("%Y-%m-%d")
    day_rows = [row for row in rows if f"{day}T00:00:00Z" in row]
    assert len(day_rows) == 1
    cells = [cell.strip() for cell in day_rows[0].split("│") if cell.strip()]
    start, end = cells[1], cells[2]
    assert start == f"{day}T00:00:00Z"
    assert datetime.fromisoformat(end) - datetime.fromisoformat(start) == timedelta(days=1)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf_path).pages)
    assert "Example Data Co" in text
    assert "1 Sample Street" in text
    assert "Dumm AI Corp" in text


def test_main_job_runs_unchanged_against_the_simulator_server(
    fresh_server: Any, tmp_path: Path
) -> None:
    summary_path = tmp_path / "summary.json"
    result = run_example(
        "examples/ingest_to_paigo.py",
        "--records",
        "15",
        "--interval",
        "0",
        "--summary",
        str(summary_path),
        "--pdf",
        str(tmp_path / "invoice.pdf"),
        env={
            "PAIGO_API_URL": fresh_server.url,
            "PAIGO_AUTH_URL": fresh_server.auth_url,
            "PAIGO_CLIENT_ID": fresh_server.client_id,
            "PAIGO_CLIENT_SECRET": fresh_server.client_secret,
        },
    )
    assert result.returncode == 0, result.stderr
    check_journey(json.loads(summary_path.read_text()), 15)
    assert (tmp_path / "invoice.pdf").read_bytes().startswith(b"%PDF")


def test_main_job_reuses_existing_customer_and_dimension(fresh_server: Any, tmp_path: Path) -> None:
    env = {
        "PAIGO_API_URL": fresh_server.url,
        "PAIGO_AUTH_URL": fresh_server.auth_url,
        "PAIGO_CLIENT_ID": fresh_server.client_id,
        "PAIGO_CLIENT_SECRET": fresh_server.client_secret,
    }
    first_summary = tmp_path / "first.json"
    first = run_example(
        "examples/ingest_to_paigo.py",
        "--records=3",
        "--interval=0",
        f"--summary={first_summary}",
        f"--pdf={tmp_path / 'a.pdf'}",
        env=env,
    )
    assert first.returncode == 0, first.stderr
    created = json.loads(first_summary.read_text())
    second_summary = tmp_path / "second.json"
    second = run_example(
        "examples/ingest_to_paigo.py",
        "--records=2",
        "--interval=0",
        f"--customer-id={created['customerId']}",
        f"--dimension-id={created['dimensionId']}",
        f"--summary={second_summary}",
        f"--pdf={tmp_path / 'b.pdf'}",
        env=env,
    )
    assert second.returncode == 0, second.stderr
    again = json.loads(second_summary.read_text())
    assert again["customerId"] == created["customerId"]
    assert "Offering" not in second.stdout  # nothing new was created
    # The first run's period invoice marked its records as billed (B9), so the second one bills
    # only the second run's 2 + 1 records.
    total = Decimal(str(again["invoice"]["totalAmountWithoutTax"]))
    assert total == expected_period_total(again["records"])
    assert total != expected_period_total(created["records"] + again["records"])


def test_main_job_reports_bad_credentials_in_one_line(fresh_server: Any) -> None:
    result = run_example(
        "examples/ingest_to_paigo.py",
        f"--api-url={fresh_server.url}",
        f"--auth-url={fresh_server.auth_url}",
        "--client-id=nobody",
        "--client-secret=wrong-secret",
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert "authentication failed" in result.stderr
    assert "wrong-secret" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_main_job_reports_an_unknown_customer_in_one_line(fresh_server: Any) -> None:
    result = run_example(
        "examples/ingest_to_paigo.py",
        f"--api-url={fresh_server.url}",
        f"--auth-url={fresh_server.auth_url}",
        f"--client-id={fresh_server.client_id}",
        f"--client-secret={fresh_server.client_secret}",
        "--customer-id=no-such-customer",
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert "Customer with ID: no-such-customer not found" in result.stderr


def test_main_job_reports_an_unreachable_server_in_one_line() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe socket is closed.
    result = run_example(
        "examples/ingest_to_paigo.py",
        f"--api-url=http://127.0.0.1:{port}",
        "--client-id=x",
        "--client-secret=y",
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert "cannot reach the server" in result.stderr


def test_seats_example_bills_paigos_seat_example() -> None:
    result = run_example("examples/seats.py")
    assert result.returncode == 0, result.stderr
    # $25 seat + $30 subscription at enrollment; 2 added seats at once; then 3 seats + subscription.
    assert "Invoice totals: 55, 50, 105" in result.stdout


def test_async_example_delivers_every_record_once() -> None:
    result = run_example("examples/async_ingest.py")
    assert result.returncode == 0, result.stderr
    assert "Delivered 500 of 500 records; rejected 0, pending 0." in result.stdout
    assert "Calls stored: 500" in result.stdout


def test_testing_your_app_example_passes_under_the_plugin() -> None:
    result = run_example(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "examples/testing_your_app"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
