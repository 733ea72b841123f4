"""Each resource through the Api: envelopes, statuses, wire shapes and strict validation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from simulator.api import Api
from simulator.clock import ManualClock

if TYPE_CHECKING:
    from tests.simulator.api.conftest import ApiClient

DIMENSION = {
    "dimensionName": "Data Processed",
    "consumptionUnit": {"type": "data", "unit": "gigabyte"},
    "usageIncrement": "1",
    "rounding": "ceiling",
    "consumptionPrice": "0.08",
    "aggregationMethod": "sum",
}


def create(client: ApiClient, path: str, body: dict[str, Any], id_field: str) -> str:
    reply = client.post(path, json=body)
    assert reply.status == 201, reply.body
    return str(reply.json[id_field])


@pytest.fixture
def dimension_id(client: ApiClient) -> str:
    return create(client, "/dimensions", DIMENSION, "dimensionId")


@pytest.fixture
def offering_id(client: ApiClient, dimension_id: str) -> str:
    body = {"offeringName": "Pay-as-you-go", "dimensionIds": [dimension_id]}
    return create(client, "/offerings", body, "offeringId")


@pytest.fixture
def customer_id(client: ApiClient, offering_id: str) -> str:
    body = {
        "customerName": "Dumm AI Corp",
        "email": "billing@dumm.ai",
        "paymentChannel": "manual",
        "offeringId": offering_id,
    }
    return create(client, "/customers", body, "customerId")


class TestDimensions:
    def test_create_list_retrieve(self, client: ApiClient, dimension_id: str) -> None:
        listed = client.get("/dimensions")
        assert listed.status == 200
        assert [d["dimensionId"] for d in listed.json["data"]] == [dimension_id]
        one = client.get(f"/dimensions/{dimension_id}")
        assert one.status == 200
        (dim,) = one.json["data"]
        assert dim["dimensionName"] == "Data Processed"
        assert dim["usageIncrement"] == "1"
        assert dim["consumptionPrice"] == "0.08"
        assert dim["consumptionUnit"] == {"type": "data", "unit": "gigabyte"}
        assert dim["aggregationInterval"] == "hour"
        assert dim["paymentSchedule"] == "arrear"

    def test_tiers_and_entitlement_round_trip(self, client: ApiClient) -> None:
        body = {
            **{k: v for k, v in DIMENSION.items() if k != "consumptionPrice"},
            "tiers": [
                {"tierPosition": "1", "upperBound": "1000", "unitPrice": "1"},
                {"tierPosition": "2", "upperBound": "inf", "unitPrice": "0.50", "tierName": "Bulk"},
            ],
        }
        dimension_id = create(client, "/dimensions", body, "dimensionId")
        (dim,) = client.get(f"/dimensions/{dimension_id}").json["data"]
        assert dim["tiers"] == [
            {"tierPosition": "1", "upperBound": "1000", "unitPrice": "1"},
            {"tierPosition": "2", "upperBound": "inf", "unitPrice": "0.50", "tierName": "Bulk"},
        ]
        unlimited = create(
            client,
            "/dimensions",
            {**DIMENSION, "usageEntitlement": "inf", "overageAllowed": "false"},
            "dimensionId",
        )
        (dim,) = client.get(f"/dimensions/{unlimited}").json["data"]
        assert dim["usageEntitlement"] == "inf"
        assert dim["overageAllowed"] == "false"
        counted = create(
            client, "/dimensions", {**DIMENSION, "usageEntitlement": 100}, "dimensionId"
        )
        (dim,) = client.get(f"/dimensions/{counted}").json["data"]
        assert dim["usageEntitlement"] == 100

    def test_update_with_null_semantics(self, client: ApiClient, dimension_id: str) -> None:
        reply = client.put(f"/dimensions/{dimension_id}", json={"metadata": {"a": 1, "b": 2}})
        assert reply.status == 200
        assert reply.json == {"message": reply.json["message"], "dimensionId": dimension_id}
        client.put(f"/dimensions/{dimension_id}", json={"metadata": {"a": None}})
        (dim,) = client.get(f"/dimensions/{dimension_id}").json["data"]
        assert dim["metadata"] == {"b": 2}
        client.put(f"/dimensions/{dimension_id}", json={"metadata": None})
        (dim,) = client.get(f"/dimensions/{dimension_id}").json["data"]
        assert dim["metadata"] == {}

    def test_not_found(self, client: ApiClient) -> None:
        for method in ("GET", "PUT", "DELETE"):
            reply = client.request(
                method, "/dimensions/missing", json={} if method == "PUT" else None
            )
            assert reply.status == 404
            assert reply.json == {
                "message": "No Dimensions found with ID: missing",
                "error": "Not Found",
                "statusCode": 404,
            }

    def test_delete_blocked_by_offering(
        self, client: ApiClient, dimension_id: str, offering_id: str
    ) -> None:
        reply = client.delete(f"/dimensions/{dimension_id}")
        assert reply.status == 409
        assert reply.json["error"] == "Conflict"
        assert reply.json["message"].endswith(
            f"Current OfferingIds using the dimension: {offering_id}"
        )

    def test_delete(self, client: ApiClient, dimension_id: str) -> None:
        reply = client.delete(f"/dimensions/{dimension_id}")
        assert reply.status == 200
        assert "message" in reply.json
        assert client.get(f"/dimensions/{dimension_id}").status == 404

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"usageIncrement": 1}, "usageIncrement must be a string"),
            ({"usageIncrement": "1e3"}, "usageIncrement must be a plain decimal string"),
            ({"usageIncrement": "NaN"}, "usageIncrement must be a plain decimal string"),
            ({"usageIncrement": ""}, "usageIncrement must be a plain decimal string"),
            (
                {"rounding": "up"},
                "rounding must be one of the following values: round, floor, ceiling",
            ),
            (
                {"consumptionUnit": {"type": "time", "unit": "gigabyte"}},
                "consumptionUnit.unit must be one of",
            ),
            ({"colour": "red"}, "property colour should not exist"),
            ({"dimensionName": None}, "dimensionName should not be empty"),
            (
                {"usageEntitlement": "100"},
                'usageEntitlement must be a number not less than 0, or the string "inf"',
            ),
            (
                {"tiers": [{"tierPosition": "1", "upperBound": "abc"}]},
                "tiers.0.upperBound must be a plain",
            ),
        ],
    )
    def test_validation_messages_and_no_state_change(
        self, client: ApiClient, change: dict[str, Any], message: str
    ) -> None:
        before = client.state()
        reply = client.post("/dimensions", json={**DIMENSION, **change})
        assert reply.status == 400
        assert reply.json["statusCode"] == 400
        assert reply.json["error"] == "Bad Request"
        assert any(m.startswith(message) for m in reply.json["message"]), reply.json
        assert client.state() == before


class TestOfferings:
    def test_offering_embeds_dimensions(
        self, client: ApiClient, offering_id: str, dimension_id: str
    ) -> None:
        (offering,) = client.get(f"/offerings/{offering_id}").json["data"]
        assert offering["offeringName"] == "Pay-as-you-go"
        assert [d["dimensionId"] for d in offering["dimensions"]] == [dimension_id]
        assert "dimensionIds" not in offering
        assert offering["billingCycle"] == "monthly"

    def test_subscription_price_is_a_json_number(self, client: ApiClient) -> None:
        body = {"offeringName": "Pro", "offeringType": "subscription", "subscriptionPrice": 49.99}
        offering_id = create(client, "/offerings", body, "offeringId")
        raw = client.get(f"/offerings/{offering_id}").body
        assert b'"subscriptionPrice":49.99' in raw
        reply = client.post("/offerings", json={**body, "subscriptionPrice": "4.9e1"})
        assert reply.status == 400

    def test_delete_blocked_by_customer(
        self, client: ApiClient, offering_id: str, customer_id: str
    ) -> None:
        reply = client.delete(f"/offerings/{offering_id}")
        assert reply.status == 409
        assert reply.json["message"].endswith(
            f"Current customerIds using the offering:: {customer_id}"
        )

    def test_not_found(self, client: ApiClient) -> None:
        reply = client.get("/offerings/nope")
        assert reply.json["message"] == "Offering with ID: nope not found"


class TestMeasurements:
    CONFIG: ClassVar[dict[str, str]] = {
        "iamRoleArn": "arn:aws:iam::1:role/x",
        "cloudPlatform": "aws",
        "region": "us-east-1",
        "resourceType": "ebs",
    }

    def test_lifecycle(self, client: ApiClient) -> None:
        body = {"measurementMode": "infrastructureBased", "measurementConfiguration": self.CONFIG}
        reply = client.post("/measurements", json=body)
        assert reply.status == 201
        measurement_id = reply.json["measurementId"]
        (m,) = client.get(f"/measurements/{measurement_id}").json["data"]
        assert m["measurementConfiguration"] == self.CONFIG
        update = {"measurementMode": "infrastructureBased", "measurementName": "EBS"}
        assert client.put(f"/measurements/{measurement_id}", json=update).status == 200
        assert (
            client.delete(f"/measurements/{measurement_id}").json["measurementId"] == measurement_id
        )
        reply = client.get(f"/measurements/{measurement_id}")
        assert reply.json["message"] == f"Measurement with ID: {measurement_id} not found"

    def test_configuration_checked_against_mode(self, client: ApiClient) -> None:
        body = {"measurementMode": "agentBased", "measurementConfiguration": self.CONFIG}
        reply = client.post("/measurements", json=body)
        assert reply.status == 400
        assert (
            "measurementConfiguration.hostingPlatform should not be empty" in reply.json["message"]
        )


class TestUsage:
    def record(self, client: ApiClient, customer_id: str, dimension_id: str, **kw: Any) -> Any:
        body = {
            "customerId": customer_id,
            "dimensionId": dimension_id,
            "timestamp": "2026-11-24T07:30:00Z",
            "recordValue": "1.5",
            "metadata": {},
        }
        body.update(kw.pop("body", {}))
        return client.post("/usage", json=body, **kw)

    def test_record_and_query(self, client: ApiClient, customer_id: str, dimension_id: str) -> None:
        reply = self.record(client, customer_id, dimension_id)
        assert reply.status == 201
        assert reply.json == {"message": "Usage record created"}
        raw = client.get(
            f"/customers/{customer_id}/usage",
            query={
                "aggregationInterval": "none",
                "startTime": "2026-11-01T00:00:00Z",
                "ignoreEnrollmentDate": "true",
            },
        )
        assert raw.status == 200
        (series,) = raw.json["data"]
        assert series["dimensionId"] == dimension_id
        assert series["usage"] == [
            {"timestamp": "2026-11-24T07:30:00.000Z", "recordValue": "1.5", "metadata": {}}
        ]

    def test_idempotent_replay(
        self, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        first = self.record(client, customer_id, dimension_id, headers={"Idempotency-Key": "k1"})
        again = self.record(client, customer_id, dimension_id, headers={"Idempotency-Key": "k1"})
        assert first.status == again.status == 201
        assert first.body == again.body
        assert "idempotent-replayed" not in first.headers
        assert again.headers["idempotent-replayed"] == "true"
        records = client.get("/_simulator/usage-records").json["data"]
        assert len(records) == 1

    def test_missing_customer_is_404(self, client: ApiClient, dimension_id: str) -> None:
        reply = self.record(client, "ghost", dimension_id)
        assert reply.status == 404
        assert reply.json["message"] == "Customer with ID: ghost not found"

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"recordValue": 1}, "recordValue must be a string"),
            ({"recordValue": "1E3"}, "recordValue must be a plain decimal string"),
            ({"recordValue": "Infinity"}, "recordValue must be a plain decimal string"),
            ({"timestamp": "2026-11-24T07:30:00"}, "timestamp must be an RFC 3339 timestamp"),
            ({"timestamp": "24/11/2026"}, "timestamp must be an RFC 3339 timestamp"),
            ({"metadata": []}, "metadata must be an object"),
        ],
    )
    def test_invalid_records_store_nothing(
        self,
        client: ApiClient,
        customer_id: str,
        dimension_id: str,
        change: dict[str, Any],
        message: str,
    ) -> None:
        before = client.state()
        reply = self.record(client, customer_id, dimension_id, body=change)
        assert reply.status == 400
        assert any(m.startswith(message) for m in reply.json["message"]), reply.json
        assert client.state() == before

    def test_arrays_rejected_unless_enabled(
        self, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        element = {
            "customerId": customer_id,
            "dimensionId": dimension_id,
            "timestamp": "2026-11-24T07:30:00Z",
            "recordValue": "1",
        }
        reply = client.post("/usage", json=[element])
        assert reply.status == 400
        assert reply.json["message"] == ["usage batches are not enabled on this server"]

    def test_array_batches(
        self, api: Api, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        api.engine.options.array_batches = True
        element = {
            "customerId": customer_id,
            "dimensionId": dimension_id,
            "timestamp": "2026-11-24T07:30:00Z",
            "recordValue": "1",
        }
        first = client.post("/usage", json=[element, element], headers={"Idempotency-Key": "a,b"})
        assert first.status == 201
        assert first.json == {
            "message": "Usage records created",
            "data": [{"status": "created"}, {"status": "created"}],
        }
        mixed = client.post("/usage", json=[element, element], headers={"Idempotency-Key": "b,c"})
        assert mixed.json["data"] == [{"status": "replayed"}, {"status": "created"}]
        assert "idempotent-replayed" not in mixed.headers
        replay = client.post("/usage", json=[element], headers={"Idempotency-Key": "c"})
        assert replay.headers["idempotent-replayed"] == "true"
        before = client.state()
        bad = client.post("/usage", json=[element, {**element, "recordValue": 2}])
        assert bad.status == 400
        assert bad.json["message"] == ["1.recordValue must be a string"]
        wrong_keys = client.post("/usage", json=[element], headers={"Idempotency-Key": "x,y"})
        assert wrong_keys.status == 400
        assert client.state() == before

    def test_usage_query_validation(self, client: ApiClient, customer_id: str) -> None:
        reply = client.get(f"/customers/{customer_id}/usage", query={"aggregationInterval": "week"})
        assert reply.status == 400
        reply = client.get(
            f"/customers/{customer_id}/usage", query={"endTime": "2099-01-01T00:00:00Z"}
        )
        assert reply.status == 400


class TestCustomers:
    def test_customer_view(self, client: ApiClient, customer_id: str, offering_id: str) -> None:
        (customer,) = client.get(f"/customers/{customer_id}").json["data"]
        assert customer["customerId"] == customer_id
        assert customer["offeringId"] == offering_id
        assert customer["offering"]["offeringId"] == offering_id
        assert customer["creditBalance"] == "0"
        assert customer["children"] == []
        assert [e["offering"]["offeringId"] for e in customer["enrollments"]] == [offering_id]
        enrollment = client.get(f"/customers/{customer_id}/enrollment").json["data"]
        assert enrollment[0]["offering"]["offeringId"] == offering_id

    def test_own_customer_id_and_duplicate(self, client: ApiClient) -> None:
        body = {
            "customerName": "A",
            "email": "a@example.com",
            "paymentChannel": "manual",
            "customerId": "acme",
        }
        assert create(client, "/customers", body, "customerId") == "acme"
        before = client.state()
        assert client.post("/customers", json=body).status == 400
        assert client.state() == before

    def test_wallet(self, client: ApiClient, customer_id: str) -> None:
        assert (
            client.post(
                f"/customers/{customer_id}/transactions", json={"transactionAmount": "25.50"}
            ).status
            == 201
        )
        ledger = client.get(f"/customers/{customer_id}/transactions").json["data"]
        assert (
            b'"transactionAmount":25.5' in client.get(f"/customers/{customer_id}/transactions").body
        )
        assert len(ledger) == 1
        before = client.state()
        reply = client.post(
            f"/customers/{customer_id}/transactions", json={"transactionAmount": "-100"}
        )
        assert reply.status == 400
        assert client.state() == before

    def test_portal_token_reads_only_its_customer(
        self, client: ApiClient, customer_id: str
    ) -> None:
        other = create(
            client,
            "/customers",
            {"customerName": "B", "email": "b@x.io", "paymentChannel": "manual"},
            "customerId",
        )
        token = client.get(f"/customers/{customer_id}/token").json["access_token"]
        assert client.get(f"/customers/{customer_id}", auth=token).status == 200
        assert client.get(f"/customers/{customer_id}/usage", auth=token).status == 200
        denied = client.get(f"/customers/{other}", auth=token)
        assert denied.status == 403
        assert client.get("/customers", auth=token).status == 403
        assert client.post("/dimensions", json=DIMENSION, auth=token).status == 403

    def test_manual_customer_refunds_are_400(self, client: ApiClient, customer_id: str) -> None:
        assert client.get(f"/customers/{customer_id}/refunds").status == 400
        assert client.get(f"/customers/{customer_id}/payments").status == 400

    def test_children(self, client: ApiClient, customer_id: str) -> None:
        child = create(
            client,
            "/customers",
            {"customerName": "C", "email": "c@x.io", "paymentChannel": "manual"},
            "customerId",
        )
        assert (
            client.post(
                f"/customers/{customer_id}/children/{child}", json={"billParent": "aggregated"}
            ).status
            == 201
        )
        (parent,) = client.get(f"/customers/{customer_id}").json["data"]
        assert parent["children"] == [
            {"childId": child, "parentId": customer_id, "billParent": "aggregated"}
        ]
        assert (
            client.put(
                f"/customers/{customer_id}/children/{child}", json={"billParent": "separate"}
            ).status
            == 200
        )
        assert client.delete(f"/customers/{customer_id}/children/{child}").status == 200
        assert client.delete(f"/customers/{customer_id}/children/{child}").status == 400

    def test_enrollment_combination_rejected(
        self, client: ApiClient, customer_id: str, offering_id: str
    ) -> None:
        before = client.state()
        reply = client.put(
            f"/customers/{customer_id}/enrollment",
            json={"unenrollOffering": offering_id, "removePriorOffering": True},
        )
        assert reply.status == 400
        assert client.state() == before


class TestInvoices:
    def test_manual_invoice(self, client: ApiClient, customer_id: str) -> None:
        body = {
            "customerId": customer_id,
            "items": [{"name": "Paigo Pro", "quantity": 1, "unitCost": 100.09}],
        }
        invoice_id = create(client, "/invoices", body, "invoiceId")
        reply = client.get(f"/invoices/{invoice_id}")
        assert reply.status == 200
        (invoice,) = reply.json["data"]
        assert invoice["invoiceId"] == invoice_id
        assert invoice["invoiceType"] == "MANUAL"
        assert invoice["lineItems"] == [
            {"name": "Paigo Pro", "quantity": 1, "unitCost": Decimal("100.09")}
        ]
        assert invoice["totalAmountWithoutTax"] == Decimal("100.09")
        assert "invoiceUrl" not in invoice
        (customer,) = client.get(f"/customers/{customer_id}").json["data"]
        assert [i["invoiceId"] for i in customer["invoices"]] == [invoice_id]

    def test_download_link(self, client: ApiClient, clock: ManualClock, customer_id: str) -> None:
        body = {"customerId": customer_id, "items": [{"name": "X", "quantity": 2, "unitCost": 5}]}
        invoice_id = create(client, "/invoices", body, "invoiceId")
        (invoice,) = client.get(f"/invoices/{invoice_id}", query={"download": "true"}).json["data"]
        url = invoice["invoiceUrl"]
        assert url.startswith(f"http://paigo-simulator.local/_simulator/invoices/{invoice_id}.pdf?")
        path, _, query = url.removeprefix("http://paigo-simulator.local").partition("?")
        params = dict(p.split("=") for p in query.split("&"))
        tampered = client.get(path, query={**params, "signature": "0" * 64}, auth=False)
        assert tampered.status == 403
        clock.advance(timedelta(days=8))
        expired = client.get(path, query=params, auth=False)
        assert expired.status == 400

    def test_invoice_not_found(self, client: ApiClient) -> None:
        assert client.get("/invoices/nope").json["message"] == "Invoice with ID: nope not found"

    def test_items_must_be_numbers(self, client: ApiClient, customer_id: str) -> None:
        body = {"customerId": customer_id, "items": [{"name": "X", "quantity": "1", "unitCost": 5}]}
        reply = client.post("/invoices", json=body)
        assert reply.status == 400
        assert reply.json["message"] == [
            "items.0.quantity must be a number conforming to the specified constraints"
        ]


class TestWebhooksAndSettings:
    def test_webhook_bare_bodies(self, client: ApiClient) -> None:
        body = {
            "hookUrl": "https://example.com/hook",
            "webhookType": "INVOICE_CREATED",
            "securityKey": "k",
        }
        reply = client.post("/webhooks/subscribe", json=body)
        assert reply.status == 201
        webhook_id = reply.json["webhookId"]
        assert reply.json["id"] == webhook_id
        assert reply.json["environment"] == "production"
        listed = client.get("/webhooks").json
        assert listed == [
            {
                "id": webhook_id,
                "hookUrl": "https://example.com/hook",
                "webhookType": "INVOICE_CREATED",
                "securityKey": "k",
            }
        ]
        assert client.get(f"/webhooks/{webhook_id}").json["id"] == webhook_id
        assert client.delete(f"/webhooks/{webhook_id}").json["webhookId"] == webhook_id
        assert client.get(f"/webhooks/{webhook_id}").status == 404

    def test_sample_endpoints(self, client: ApiClient) -> None:
        assert client.get("/webhooks/test").status == 200
        assert client.get("/webhooks/invoice").status == 400
        assert (
            client.get("/webhooks/invoice", query={"status": "INVOICE_CREATED"}).json[0]["message"]
            == "Generated invoice"
        )
        assert client.get("/webhooks/customer").json[0]["customerName"]
        assert client.get("/webhooks/entitlement").json[0]["webhookType"] == "ENTITLEMENT"

    def test_profile(self, client: ApiClient) -> None:
        assert client.get("/settings/profile").status == 200
        reply = client.put(
            "/settings/profile", json={"businessName": "Dumm AI", "sendInvoiceEmail": "true"}
        )
        assert reply.status == 200
        (settings,) = reply.json["data"]
        assert settings["businessName"] == "Dumm AI"
        assert client.get("/settings/profile").json["businessName"] == "Dumm AI"
        assert client.put("/settings/profile", json={"sendInvoiceEmail": True}).status == 400

    def test_invoice_image(self, client: ApiClient) -> None:
        ok = client.post(
            "/settings/invoiceImage",
            body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 16,
            headers={"content-type": "image/png"},
        )
        assert ok.status == 201
        truncated = client.post(
            "/settings/invoiceImage", body=b"\x89PNG", headers={"content-type": "image/png"}
        )
        assert truncated.status == 400
        bad = client.post(
            "/settings/invoiceImage", body=b"x", headers={"content-type": "text/plain"}
        )
        assert bad.status == 400


class TestRequestHandling:
    def test_malformed_json(self, client: ApiClient) -> None:
        reply = client.post(
            "/dimensions", body=b"{oops", headers={"content-type": "application/json"}
        )
        assert reply.status == 400
        assert reply.json["message"][0].startswith("request body is not valid JSON")

    def test_wrong_content_type(self, client: ApiClient) -> None:
        reply = client.post(
            "/dimensions",
            body=b"a=b",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert reply.status == 400
        assert reply.json["message"] == ["Content-Type must be application/json"]

    def test_body_over_one_mib(self, client: ApiClient) -> None:
        body = b'{"dimensionName": "' + b"x" * (1024 * 1024) + b'"}'
        reply = client.post("/dimensions", body=body, headers={"content-type": "application/json"})
        assert reply.status == 413
        assert reply.json == {
            "statusCode": 413,
            "message": "request entity too large",
            "error": "Payload Too Large",
        }


class TestPortalAndConcurrency:
    def test_portal_token_reads_only_its_own_invoices(
        self, client: ApiClient, customer_id: str
    ) -> None:
        other = create(
            client,
            "/customers",
            {"customerName": "B", "email": "b@x.io", "paymentChannel": "manual"},
            "customerId",
        )
        item = {"name": "X", "quantity": 1, "unitCost": 1}
        mine = create(
            client, "/invoices", {"customerId": customer_id, "items": [item]}, "invoiceId"
        )
        theirs = create(client, "/invoices", {"customerId": other, "items": [item]}, "invoiceId")
        token = client.get(f"/customers/{customer_id}/token").json["access_token"]
        assert client.get(f"/invoices/{mine}", auth=token).status == 200
        denied = client.get(f"/invoices/{theirs}", auth=token)
        assert denied.status == 403
        assert denied.json == {
            "statusCode": 403,
            "message": "Forbidden resource",
            "error": "Forbidden",
        }
        assert client.get(f"/customers/{customer_id}/token", auth=token).status == 403

    def test_usage_window_order_is_checked(self, client: ApiClient, customer_id: str) -> None:
        reply = client.get(
            f"/customers/{customer_id}/usage",
            query={"startTime": "2026-11-24T07:00:00Z", "endTime": "2026-11-24T06:00:00Z"},
        )
        assert reply.status == 400

    def test_concurrent_requests_are_all_stored(
        self, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        import threading

        token = client.token
        body = {
            "customerId": customer_id,
            "dimensionId": dimension_id,
            "timestamp": "2026-11-24T07:59:00Z",
            "recordValue": "1",
        }

        def post(n: int) -> None:
            for i in range(25):
                reply = client.post(
                    "/usage", json=body, auth=token, headers={"Idempotency-Key": f"{n}-{i}"}
                )
                assert reply.status == 201

        threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(client.get("/_simulator/usage-records").json["data"]) == 100


class TestImmediateInvoice:
    def test_b12_invoice_id_is_returned_and_replayed(self, client: ApiClient) -> None:
        seats = create(
            client,
            "/dimensions",
            {
                "dimensionName": "Seats",
                "consumptionUnit": {"type": "count", "unit": "count-based"},
                "usageIncrement": "1",
                "rounding": "ceiling",
                "consumptionPrice": "10",
                "aggregationMethod": "last",
                "paymentSchedule": "upfront",
            },
            "dimensionId",
        )
        offering = create(
            client, "/offerings", {"offeringName": "Team", "dimensionIds": [seats]}, "offeringId"
        )
        customer = create(
            client,
            "/customers",
            {
                "customerName": "A",
                "email": "a@x.io",
                "paymentChannel": "manual",
                "offeringId": offering,
            },
            "customerId",
        )
        body = {
            "customerId": customer,
            "dimensionId": seats,
            "timestamp": "2026-11-24T08:00:00Z",
            "recordValue": "5",
        }
        first = client.post(
            "/usage", json=body, query={"invoice": "true"}, headers={"Idempotency-Key": "s1"}
        )
        assert first.status == 201, first.body
        invoice_id = first.json["invoiceId"]
        again = client.post(
            "/usage", json=body, query={"invoice": "true"}, headers={"Idempotency-Key": "s1"}
        )
        assert again.json == {"message": "Usage record created", "invoiceId": invoice_id}
        assert again.headers["idempotent-replayed"] == "true"
        assert client.get(f"/invoices/{invoice_id}").json["data"][0]["invoiceType"] == "MANUAL"
        assert client.post("/usage", json=body, query={"invoice": "yes"}).status == 400


def test_pdf_without_the_extra_is_a_clear_501(
    client: ApiClient, customer_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    item = {"name": "X", "quantity": 1, "unitCost": 1}
    invoice_id = create(
        client, "/invoices", {"customerId": customer_id, "items": [item]}, "invoiceId"
    )
    (invoice,) = client.get(f"/invoices/{invoice_id}", query={"download": "true"}).json["data"]
    path, _, query = (
        invoice["invoiceUrl"].removeprefix("http://paigo-simulator.local").partition("?")
    )
    params = dict(p.split("=") for p in query.split("&"))
    monkeypatch.setitem(sys.modules, "simulator.pdf", None)
    reply = client.get(path, query=params, auth=False)
    assert reply.status == 501
    assert "pdf extra" in reply.json["message"]
