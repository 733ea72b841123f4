"""Third-party client habits over a real socket: what Pipedream's and Prometheus's Paigo
integrations and a C# SDK send is accepted by `paigo-simulator serve`."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import quote_plus

import httpx


def _basic(client_id: str, client_secret: str) -> str:
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def test_basic_credentials_space_timestamps_and_null_metadata_over_the_socket(fresh_server):
    # Prometheus's OAuth client: form body, credentials in an HTTP Basic header.
    reply = httpx.post(
        fresh_server.auth_url,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": _basic(fresh_server.client_id, fresh_server.client_secret)},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    with httpx.Client(base_url=fresh_server.url, headers=headers, timeout=30) as http:
        customer = http.post(
            "/customers",
            json={
                "customerName": "Acme",
                "email": "ops@acme.test",
                "paymentChannel": "manual",
                "metadata": None,
                "address": None,
            },
        )
        assert customer.status_code == 201, customer.text
        dimension = http.post(
            "/dimensions",
            json={
                "dimensionName": "Calls",
                "consumptionUnit": {"type": "count", "unit": "count-based"},
                "usageIncrement": "1",
                "rounding": "ceiling",
                "consumptionPrice": "0.01",
            },
        )
        assert dimension.status_code == 201, dimension.text
        customer_id = customer.json()["customerId"]
        moment = datetime.now(UTC).replace(microsecond=0)  # in the view's current period
        # Pipedream's measure-usage action: a space for the T; a C# SDK: "metadata": null.
        usage = http.post(
            "/usage",
            json={
                "customerId": customer_id,
                "dimensionId": dimension.json()["dimensionId"],
                "recordValue": "7",
                "timestamp": moment.strftime("%Y-%m-%d %H:%M:%SZ"),
                "metadata": None,
            },
        )
        assert usage.status_code == 201, usage.text
        view = http.get(
            f"/customers/{customer_id}/usage", params={"aggregationInterval": "none"}
        ).json()
        [record] = [r for item in view["data"] for r in item["usage"]]
        assert record["recordValue"] == "7"
        assert record["timestamp"].startswith(moment.strftime("%Y-%m-%dT%H:%M:%S"))
        offering = http.post(
            "/offerings",
            json={
                "offeringName": "Pro",
                "offeringType": "subscription",
                "subscriptionPrice": "9.95",
            },
        )
        assert offering.status_code == 201, offering.text
        read = http.get(f"/offerings/{offering.json()['offeringId']}")
        assert '"subscriptionPrice":9.95' in read.text


def test_a_wrong_basic_secret_is_refused_over_the_socket(fresh_server):
    reply = httpx.post(
        fresh_server.auth_url,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": _basic(fresh_server.client_id, "not-the-secret")},
        timeout=30,
    )
    assert reply.status_code == 401
    assert reply.json()["error"] == "access_denied"
