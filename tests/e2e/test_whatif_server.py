"""`paigo whatif` pulling records and enrollments from `paigo-simulator serve` on loopback.

The server bills the same records itself as its clock passes each cycle: what-if's current
scenario must equal the invoices the server issued, to the cent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

from paigo_sdk import PaigoClient
from simulator.whatif import CURRENT, what_if
from simulator.whatif.server import enrollments_from_server, records_from_server

from .conftest import ServerProcess

START = "2026-01-01T00:00:00Z"
END = datetime(2026, 3, 1, tzinfo=UTC)
USAGE = [
    # (moment, customer, value, metadata)
    ("2026-01-05T10:00:00Z", "c1", "100", None),
    ("2026-01-15T12:00:00Z", "c2", "0", None),  # c2 enrolls at this instant (see below)
    ("2026-01-20T00:00:00Z", "c2", "10", {"region": "eu"}),
    ("2026-01-31T23:59:59Z", "c1", "50", None),
    ("2026-02-10T06:00:00Z", "c1", "30.5", None),
    ("2026-02-11T00:00:00Z", "c2", "4", None),
]


def _client(server: ServerProcess) -> PaigoClient:
    return PaigoClient(
        client_id=server.client_id,
        client_secret=server.client_secret,
        api_url=server.url,
        auth_url=server.auth_url,
    )


def _move(server: ServerProcess, moment: str) -> None:
    reply = httpx.post(f"{server.url}/_simulator/clock/advance", json={"to": moment}, timeout=30)
    reply.raise_for_status()


def _bill_on_server(server: ServerProcess) -> tuple[str, str]:
    """Create the catalog, enroll c1 (1 January) and c2 (15 January, noon), send the usage at
    its own instants and run the clock to 1 March; return the dimension and offering ids."""
    with _client(server) as client:
        dimension = client.dimensions.create(
            dimension_name="Calls",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment="1",
            rounding="ceiling",
            consumption_price="0.10",
            aggregation_method="sum",
            aggregation_interval="day",
        )
        offering = client.offerings.create(
            offering_name="PAYG", dimension_ids=[dimension.dimension_id], billing_cycle="monthly"
        )
        for customer_id in ("c1", "c2"):
            client.customers.create(
                customer_id=customer_id,
                customer_name=customer_id.upper(),
                email=f"{customer_id}@example.com",
                payment_channel="manual",
            )
        client.customers.update("c1", offering_id=offering.offering_id)
        for moment, customer_id, value, metadata in USAGE:
            _move(server, moment)
            if customer_id == "c2" and value == "0":
                client.customers.update("c2", offering_id=offering.offering_id)
            client.usage.record(
                customer_id=customer_id,
                dimension_id=dimension.dimension_id,
                record_value=value,
                timestamp=moment,
                metadata=metadata,
            )
        _move(server, END.isoformat())
    return dimension.dimension_id, offering.offering_id


def _catalog(path: Path, dimension_id: str, offering_id: str) -> Path:
    unit = {"type": "count", "unit": "count-based"}
    common = {"consumptionUnit": unit, "usageIncrement": "1", "rounding": "ceiling"}
    catalog = {
        "dimensions": [
            {"dimensionId": "calls", "usageDimensionId": dimension_id, "dimensionName": "Calls",
             "aggregationMethod": "sum", "aggregationInterval": "day",
             "consumptionPrice": "0.10", **common},
            {"dimensionId": "calls-monthly", "usageDimensionId": dimension_id,
             "dimensionName": "Calls", "aggregationMethod": "sum",
             "aggregationInterval": "month", "consumptionPrice": "0.05", **common},
        ],
        "offerings": [
            {"offeringId": offering_id, "offeringName": "PAYG", "dimensionIds": ["calls"],
             "billingCycle": "monthly"},
            {"offeringId": "pro", "offeringName": "Pro", "dimensionIds": ["calls-monthly"],
             "offeringType": "subscription", "subscriptionPrice": 20},
        ],
    }  # fmt: skip
    path.write_text(json.dumps(catalog))
    return path


def test_whatif_from_the_server_equals_the_servers_own_invoices(
    server_factory, tmp_path: Path
) -> None:
    server = server_factory("--manual-clock", "--start", START)
    dimension_id, offering_id = _bill_on_server(server)
    catalog = _catalog(tmp_path / "catalog.json", dimension_id, offering_id)
    env = {
        **os.environ,
        "PAIGO_API_URL": server.url,
        "PAIGO_AUTH_URL": server.auth_url,
        "PAIGO_CLIENT_ID": server.client_id,
        "PAIGO_CLIENT_SECRET": server.client_secret,
    }
    out = tmp_path / "out"
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "paigo"), "whatif",
            "--records-from-server", "--enrollments-from-server",
            "--catalog", str(catalog), "--candidate", "pro",
            "--through", END.isoformat(), "--out", str(out),
        ],
        capture_output=True, text=True, timeout=180, check=False, env=env,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    invoices = json.loads((out / "whatif.json").read_text())["invoices"]
    mine = sorted(
        (i["customerId"], i["invoiceDate"][:10], Decimal(i["total"]))
        for i in invoices
        if i["scenario"] == CURRENT
    )
    with _client(server) as client:
        theirs = sorted(
            (
                customer_id,
                i.invoice_date.date().isoformat() if i.invoice_date else "",
                i.total_amount_without_tax + (i.tax_amount or 0),
            )
            for customer_id in ("c1", "c2")
            for i in client.customers.retrieve(customer_id).invoices or []
        )
    assert mine == theirs
    # By hand: c1 pays 150 x 0.10 for January and ceil(30.5) x 0.10 for February; c2 pays
    # 10 x 0.10 and 4 x 0.10.
    assert mine == [
        ("c1", "2026-02-01", Decimal("15.00")),
        ("c1", "2026-03-01", Decimal("3.10")),
        ("c2", "2026-02-01", Decimal("1.00")),
        ("c2", "2026-03-01", Decimal("0.40")),
    ]
    summary = json.loads((out / "summary.json").read_text())
    pro = next(s for s in summary["scenarios"] if s["scenario"] == "pro")
    # Pro, monthly sums at 0.05 plus 20 a month: c1 20 at enrollment, 20 + 7.50 on 1 February,
    # 20 + 1.55 on 1 March; c2 20 x 17/31 days = 10.97 at enrollment, 20 + 0.50, 20 + 0.20.
    assert pro["total"] == "120.72"


def test_python_api_reads_the_server_through_the_sdk(server_factory, tmp_path: Path) -> None:
    server = server_factory("--manual-clock", "--start", START)
    dimension_id, offering_id = _bill_on_server(server)
    with _client(server) as client:
        enrollments = enrollments_from_server(client)
        records = records_from_server(
            client, [e.customer_id for e in enrollments], start=datetime(2026, 1, 1, tzinfo=UTC)
        )
    assert [(e.customer_id, e.offering_id, e.enrollment_date) for e in enrollments] == [
        ("c1", offering_id, datetime(2026, 1, 1, tzinfo=UTC)),
        ("c2", offering_id, datetime(2026, 1, 15, 12, tzinfo=UTC)),
    ]
    local = [
        {"customerId": c, "dimensionId": dimension_id, "recordValue": v, "timestamp": t,
         "metadata": m}
        for t, c, v, m in USAGE
    ]  # fmt: skip
    catalog = _catalog(tmp_path / "catalog.json", dimension_id, offering_id)
    pulled = what_if(records, catalog, enrollments, ["pro"], through=END)
    given = what_if(local, catalog, enrollments, ["pro"], through=END)
    assert pulled.to_json() == given.to_json()
    assert str(pulled.totals()[CURRENT]) == "19.50"
