"""Paigo's own sample ingest scripts run against `paigo-simulator serve` by changing their URLs.

The scripts are the getting-started guide's Python and Node.js programs, with the guide's TODO
lines filled in (client id and secret, customer id, dimension id), the two URLs pointed at the
server, and the loop shortened. Nothing else is changed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from paigo_sdk import PaigoClient
from paigo_sdk.types import RawUsage

RECORDS = 5

GUIDE_PYTHON = """
import requests
import json
from time import sleep
from datetime import datetime

def post_usage_record(bearer_token):
    current_time = datetime.utcnow().replace(microsecond=0).isoformat() + "Z"
    response = requests.post('{api_url}/usage',
        headers={{
            'Accept': 'application/json',
            'Content-Type': 'application/json',
            'Authorization': 'Bearer ' + bearer_token,
        }},
        data=json.dumps({{
            "timestamp": current_time,
            "customerId": "{customer_id}",
            "dimensionId": "{dimension_id}",
            "recordValue": "1",
            "metadata": {{}}
        }})
    )
    print(response.text)

def ingest_to_paigo():
    auth_response = requests.post('{auth_url}',
        headers={{
            'Accept': 'application/json',
            'Content-Type': 'application/json',
        }},
        data=json.dumps({{
            "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
            "grant_type": "client_credentials",
            "client_id": "{client_id}",
            "client_secret": "{client_secret}"
        }})
    )
    bearer_token = json.loads(auth_response.text)['access_token']
    for _ in range({records}):
        post_usage_record(bearer_token)
        sleep(0)

ingest_to_paigo()
"""

GUIDE_NODE = """
const sleep = time => new Promise(res => setTimeout(res, time, "done sleeping"));

const ingestToPaigo = async () => {{
  const authResponse = await fetch('{auth_url}', {{
    method: 'POST',
    headers: {{
      'Accept': 'application/json',
      'Content-Type': 'application/json',
    }},
    body: JSON.stringify({{
      "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
      "grant_type": "client_credentials",
      "client_id": "{client_id}",
      "client_secret": "{client_secret}"
    }})
  }})
  const bearerToken = JSON.parse(await authResponse.text()).access_token;
  for (let i = 0; i < {records}; i++) {{
    await postUsageRecord(bearerToken);
    await sleep(0);
  }}
}};

const postUsageRecord = async (bearerToken) => {{
  const response = await fetch('{api_url}/usage', {{
    method: 'POST',
    headers: {{
      'Accept': 'application/json',
      'Content-Type': 'application/json',
      'Authorization': 'Bearer ' + bearerToken,
    }},
    body: JSON.stringify({{
      "timestamp": new Date().toISOString(),
      "customerId": "{customer_id}",
      "dimensionId": "{dimension_id}",
      "recordValue": "1",
      "metadata": {{}}
    }})
  }})
  console.log(await response.text());
}};

ingestToPaigo();
"""


def connect(server: Any) -> PaigoClient:
    """Return an SDK client for the server."""
    return PaigoClient(
        client_id=server.client_id,
        client_secret=server.client_secret,
        api_url=server.url,
        auth_url=server.auth_url,
    )


def set_up(client: PaigoClient) -> tuple[str, str]:
    """Create the guide's dimension, offering and customer on the server."""
    dimension = client.dimensions.create(
        dimension_name="Data Processed",
        consumption_unit={"type": "data", "unit": "gigabyte"},
        usage_increment=1,
        rounding="ceiling",
        consumption_price=Decimal("0.08"),
        aggregation_method="sum",
    )
    offering = client.offerings.create(
        offering_name="Pay-as-you-go", dimension_ids=[dimension.dimension_id]
    )
    customer = client.customers.create(
        customer_name="Dumm AI Corp",
        email="billing@dumm-ai.example",
        payment_channel="Stripe",
        payment_channel_options={"stripe_customer_id": "acct_1MV2hfFMNNPXLiB"},
        offering_id=offering.offering_id,
    )
    return customer.customer_id, dimension.dimension_id


def stored_values(client: PaigoClient, customer_id: str) -> list[Decimal]:
    """Return every raw record value the server holds for the customer."""
    # The guide's Python script truncates timestamps to the second, so its first records can
    # predate the enrollment made a fraction of a second earlier; the view hides those (B13).
    usage = client.customers.retrieve_usage(
        customer_id, aggregation_interval="none", ignore_enrollment_date=True
    )
    return [
        record.record_value for item in usage if isinstance(item, RawUsage) for record in item.usage
    ]


def script_values(server: Any, customer_id: str, dimension_id: str) -> dict[str, Any]:
    """Return the values the guide's TODO lines and URLs are filled with."""
    return {
        "api_url": server.url,
        "auth_url": server.auth_url,
        "client_id": server.client_id,
        "client_secret": server.client_secret,
        "customer_id": customer_id,
        "dimension_id": dimension_id,
        "records": RECORDS,
    }


def test_guides_python_script_ingests_into_the_server(fresh_server: Any, tmp_path: Path) -> None:
    with connect(fresh_server) as client:
        customer_id, dimension_id = set_up(client)
    script = tmp_path / "ingest_to_paigo.py"
    script.write_text(GUIDE_PYTHON.format(**script_values(fresh_server, customer_id, dimension_id)))
    result = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Usage record created") == RECORDS
    with connect(fresh_server) as client:
        assert stored_values(client, customer_id) == [Decimal(1)] * RECORDS


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_guides_node_script_ingests_into_the_server(fresh_server: Any, tmp_path: Path) -> None:
    with connect(fresh_server) as client:
        customer_id, dimension_id = set_up(client)
    script = tmp_path / "ingestToPaigo.js"
    script.write_text(GUIDE_NODE.format(**script_values(fresh_server, customer_id, dimension_id)))
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Usage record created") == RECORDS
    with connect(fresh_server) as client:
        assert stored_values(client, customer_id) == [Decimal(1)] * RECORDS
