"""Every operation of Paigo v1.10: the exact request sent and the reply parsed, sync and async."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from paigo_sdk import INFINITY, AsyncPaigoClient, PaigoClient
from paigo_sdk._operations import OPERATIONS
from paigo_sdk.types import (
    AggregatedUsage,
    BusinessProfile,
    Customer,
    Dimension,
    Enrollment,
    Invoice,
    LedgerEntry,
    Measurement,
    Offering,
    RawUsage,
    Settings,
    StripePayment,
    StripeRefund,
    Webhook,
)
from tests.sdk.conftest import API, FakePaigo, body_of

DIM_ID = "22372d1d-1c0c-40e0-8167-af0b4f5c82f6"
DIMENSION = {
    "dimensionId": DIM_ID,
    "dimensionName": "API calls",
    "consumptionUnit": {"type": "count", "unit": "count-based"},
    "usageIncrement": "1000",
    "rounding": "ceiling",
    "aggregationInterval": "hour",
    "aggregationMethod": "sum",
    "consumptionPrice": "0.50",
    "paymentSchedule": "arrear",
    "tiers": [
        {"tierPosition": "1", "upperBound": "1000", "unitPrice": "1"},
        {"tierPosition": "2", "upperBound": "inf", "unitPrice": "0.50"},
    ],
}
OFFERING = {
    "offeringId": "off-1",
    "offeringName": "Pro",
    "offeringType": "subscription",
    "subscriptionPrice": 20,
    "billingCycle": "monthly",
    "dimensions": [DIMENSION],
}
MEASUREMENT = {
    "measurementId": "meas-1",
    "measurementMode": "agentBased",
    "measurementName": "k8s",
    "measurementConfiguration": {
        "iamRoleArn": "arn:aws:iam::1:role/x",
        "hostingPlatform": "k8spod",
    },
}
CUSTOMER: dict[str, Any] = {
    "customerId": "cust-1",
    "customerName": "Acme",
    "email": "billing@acme.test",
    "paymentChannel": "manual",
    "offering": {},
    "creditBalance": "12.50",
    "children": [],
    "invoices": None,
}
ENROLLMENT = {"offering": OFFERING, "offeringEnrollmentDate": "2026-11-01T00:00:00.000Z"}
INVOICE = {
    "invoiceId": "inv-1",
    "customerId": "cust-1",
    "invoiceStatus": "Open",
    "invoiceType": "MANUAL",
    "invoicePaymentTerm": "30",
    "invoiceDate": "2026-11-24T00:00:00.000Z",
    "currency": "USD",
    "totalAmountWithoutTax": 100.09,
    "taxAmount": 0,
    "amountPaid": 0,
    "lineItems": [{"name": "Paigo Pro", "quantity": 1, "unitCost": 100.09}],
    "payments": [],
    "refunds": [],
    "invoiceCommunicationHistory": [],
}
WEBHOOK = {"id": "wh-1", "hookUrl": "https://hooks.test/paigo", "webhookType": "INVOICE_CREATED"}
REFUND = {
    "amountRefunded": "5.00",
    "amount": "5.00",
    "chargeId": "ch_1",
    "metadata": {},
    "currency": "usd",
    "status": "succeeded",
}
PAYMENT = {
    "amount": "100.09",
    "paymentIntentsId": "pi_1",
    "metadata": {"invoiceId": "inv-1"},
    "currency": "usd",
    "status": "succeeded",
    "charges": [{"chargeId": "ch_1", "amount": "100.09"}],
}
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def envelope(*items: Any) -> dict[str, Any]:
    return {"message": "sample message; exact text may vary", "data": list(items)}


@dataclass
class Case:
    """One operation: the call, the scripted replies, the requests expected and a check."""

    op: str
    target: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    replies: list[tuple[str, str, int, Any]] = field(default_factory=list)
    expect: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    returns: dict[str, Any] = field(default_factory=dict)
    """Dotted paths into the result (list indexes as numbers) -> a type or an equal value."""
    headers: dict[str, str] = field(default_factory=dict)


def _check_result(result: Any, returns: dict[str, Any]) -> None:
    for path, expected in returns.items():
        value = result
        for part in filter(None, path.split(".")):
            if part.isdigit():
                value = value[int(part)]
            elif isinstance(value, dict):
                value = value[part]
            else:
                value = getattr(value, part)
        if isinstance(expected, type):
            assert isinstance(value, expected), path
        else:
            assert value == expected, path


CASES = [
    Case(
        "list_dimensions",
        "dimensions.list",
        replies=[("GET", "/dimensions", 200, envelope(DIMENSION))],
        expect=[("GET", "/dimensions", {}, None)],
        returns={"0": Dimension, "0.tiers.1.upper_bound": INFINITY},
    ),
    Case(
        "create_dimension",
        "dimensions.create",
        kwargs={
            "dimension_name": "API calls",
            "consumption_unit": {"type": "count", "unit": "count-based"},
            "usage_increment": 1000,
            "rounding": "ceiling",
            "consumption_price": Decimal("0.50"),
            "usage_entitlement": INFINITY,
            "overage_allowed": True,
            "tiers": [{"tier_position": 1, "upper_bound": INFINITY, "unit_price": "1"}],
            "metadata": {"team": "core"},
        },
        replies=[
            ("POST", "/dimensions", 201, {"message": "Dimension created", "dimensionId": DIM_ID}),
            ("GET", f"/dimensions/{DIM_ID}", 200, envelope(DIMENSION)),
        ],
        expect=[
            (
                "POST",
                "/dimensions",
                {},
                {
                    "dimensionName": "API calls",
                    "consumptionUnit": {"type": "count", "unit": "count-based"},
                    "usageIncrement": "1000",
                    "rounding": "ceiling",
                    "consumptionPrice": "0.50",
                    "usageEntitlement": "inf",
                    "overageAllowed": "true",
                    "tiers": [{"tierPosition": "1", "upperBound": "inf", "unitPrice": "1"}],
                    "metadata": {"team": "core"},
                },
            ),
            ("GET", f"/dimensions/{DIM_ID}", {}, None),
        ],
        returns={"": Dimension},
    ),
    Case(
        "retrieve_dimension",
        "dimensions.retrieve",
        args=(DIM_ID,),
        replies=[("GET", f"/dimensions/{DIM_ID}", 200, envelope(DIMENSION))],
        expect=[("GET", f"/dimensions/{DIM_ID}", {}, None)],
        returns={"": Dimension, "consumption_price": Decimal("0.50")},
    ),
    Case(
        "update_dimension",
        "dimensions.update",
        args=(DIM_ID,),
        kwargs={"consumption_price": Decimal("0.75"), "tiers": None, "metadata": {"old": None}},
        replies=[
            ("PUT", f"/dimensions/{DIM_ID}", 200, {"message": "updated", "dimensionId": DIM_ID}),
            ("GET", f"/dimensions/{DIM_ID}", 200, envelope(DIMENSION)),
        ],
        expect=[
            (
                "PUT",
                f"/dimensions/{DIM_ID}",
                {},
                {"consumptionPrice": "0.75", "tiers": None, "metadata": {"old": None}},
            ),
            ("GET", f"/dimensions/{DIM_ID}", {}, None),
        ],
        returns={"": Dimension},
    ),
    Case(
        "delete_dimension",
        "dimensions.delete",
        args=(DIM_ID,),
        replies=[("DELETE", f"/dimensions/{DIM_ID}", 200, {"message": "Dimension deleted"})],
        expect=[("DELETE", f"/dimensions/{DIM_ID}", {}, None)],
        returns={"message": "Dimension deleted"},
    ),
    Case(
        "list_offerings",
        "offerings.list",
        replies=[("GET", "/offerings", 200, envelope(OFFERING))],
        expect=[("GET", "/offerings", {}, None)],
        returns={"0.subscription_price": Decimal(20)},
    ),
    Case(
        "create_offering",
        "offerings.create",
        kwargs={
            "offering_name": "Pro",
            "offering_type": "subscription",
            "subscription_price": Decimal("20.00"),
            "dimension_ids": [DIM_ID],
            "prepaid_credit": "5",
            "dimension_overrides": [{"dimension_id": DIM_ID, "consumption_price": "0.40"}],
        },
        replies=[
            ("POST", "/offerings", 201, {"message": "Offering created", "offeringId": "off-1"}),
            ("GET", "/offerings/off-1", 200, envelope(OFFERING)),
        ],
        expect=[
            (
                "POST",
                "/offerings",
                {},
                {
                    "offeringName": "Pro",
                    "offeringType": "subscription",
                    "subscriptionPrice": Decimal("20.00"),
                    "dimensionIds": [DIM_ID],
                    "prepaidCredit": "5",
                    "dimensionOverrides": [{"dimensionId": DIM_ID, "consumptionPrice": "0.40"}],
                },
            ),
            ("GET", "/offerings/off-1", {}, None),
        ],
        returns={"": Offering},
    ),
    Case(
        "retrieve_offering",
        "offerings.retrieve",
        args=("off-1",),
        replies=[("GET", "/offerings/off-1", 200, envelope(OFFERING))],
        expect=[("GET", "/offerings/off-1", {}, None)],
        returns={"dimensions.0.dimension_id": DIM_ID},
    ),
    Case(
        "update_offering",
        "offerings.update",
        args=("off-1",),
        kwargs={"offering_name": "Pro 2", "minimum_charge": None},
        replies=[
            ("PUT", "/offerings/off-1", 200, {"message": "updated", "offeringId": "off-1"}),
            ("GET", "/offerings/off-1", 200, envelope(OFFERING)),
        ],
        expect=[
            ("PUT", "/offerings/off-1", {}, {"offeringName": "Pro 2", "minimumCharge": None}),
            ("GET", "/offerings/off-1", {}, None),
        ],
        returns={"": Offering},
    ),
    Case(
        "delete_offering",
        "offerings.delete",
        args=("off-1",),
        replies=[
            ("DELETE", "/offerings/off-1", 200, {"message": "deleted", "offeringId": "off-1"})
        ],
        expect=[("DELETE", "/offerings/off-1", {}, None)],
        returns={"offering_id": "off-1"},
    ),
    Case(
        "list_measurements",
        "measurements.list",
        replies=[("GET", "/measurements", 200, envelope(MEASUREMENT))],
        expect=[("GET", "/measurements", {}, None)],
        returns={"0": Measurement},
    ),
    Case(
        "create_measurement",
        "measurements.create",
        kwargs={
            "measurement_mode": "agentBased",
            "measurement_configuration": {
                "iamRoleArn": "arn:aws:iam::1:role/x",
                "hostingPlatform": "k8spod",
            },
            "measurement_name": "k8s",
        },
        replies=[
            ("POST", "/measurements", 201, {"message": "created", "measurementId": "meas-1"}),
            ("GET", "/measurements/meas-1", 200, envelope(MEASUREMENT)),
        ],
        expect=[
            (
                "POST",
                "/measurements",
                {},
                {
                    "measurementMode": "agentBased",
                    "measurementConfiguration": {
                        "iamRoleArn": "arn:aws:iam::1:role/x",
                        "hostingPlatform": "k8spod",
                    },
                    "measurementName": "k8s",
                },
            ),
            ("GET", "/measurements/meas-1", {}, None),
        ],
        returns={"": Measurement},
    ),
    Case(
        "retrieve_measurement",
        "measurements.retrieve",
        args=("meas-1",),
        replies=[("GET", "/measurements/meas-1", 200, envelope(MEASUREMENT))],
        expect=[("GET", "/measurements/meas-1", {}, None)],
        returns={"measurement_name": "k8s"},
    ),
    Case(
        "update_measurement",
        "measurements.update",
        args=("meas-1",),
        kwargs={"measurement_mode": "agentBased", "measurement_name": "k8s-2"},
        replies=[
            ("PUT", "/measurements/meas-1", 200, {"message": "ok", "measurementId": "meas-1"}),
            ("GET", "/measurements/meas-1", 200, envelope(MEASUREMENT)),
        ],
        expect=[
            (
                "PUT",
                "/measurements/meas-1",
                {},
                {"measurementMode": "agentBased", "measurementName": "k8s-2"},
            ),
            ("GET", "/measurements/meas-1", {}, None),
        ],
        returns={"": Measurement},
    ),
    Case(
        "delete_measurement",
        "measurements.delete",
        args=("meas-1",),
        replies=[
            ("DELETE", "/measurements/meas-1", 200, {"message": "ok", "measurementId": "meas-1"})
        ],
        expect=[("DELETE", "/measurements/meas-1", {}, None)],
        returns={"measurement_id": "meas-1"},
    ),
    Case(
        "record_usage",
        "usage.record",
        kwargs={
            "customer_id": "cust-1",
            "dimension_id": DIM_ID,
            "record_value": Decimal("0.87"),
            "timestamp": NOW,
            "metadata": {"region": "us-east-1"},
            "invoice": True,
            "idempotency_key": "key-1",
        },
        replies=[
            ("POST", "/usage", 201, {"message": "Usage record created", "invoiceId": "inv-9"})
        ],
        expect=[
            (
                "POST",
                "/usage",
                {"invoice": "true"},
                {
                    "customerId": "cust-1",
                    "dimensionId": DIM_ID,
                    "recordValue": "0.87",
                    "timestamp": "2026-11-24T08:00:00.000Z",
                    "metadata": {"region": "us-east-1"},
                },
            )
        ],
        headers={"Idempotency-Key": "key-1"},
        returns={"invoice_id": "inv-9", "idempotent_replayed": False},
    ),
    Case(
        "list_customers",
        "customers.list",
        replies=[("GET", "/customers", 200, envelope(CUSTOMER))],
        expect=[("GET", "/customers", {}, None)],
        returns={"0.credit_balance": Decimal("12.50")},
    ),
    Case(
        "create_customer",
        "customers.create",
        kwargs={
            "customer_name": "Acme",
            "email": "billing@acme.test",
            "payment_channel": "Stripe",
            "customer_id": "cust-1",
            "offering_id": "off-1",
            "offering_enrollment_date": NOW,
            "address": {
                "country_code": "US",
                "postal_code": "10001",
                "city": "New York",
                "street_line_one": "1 Main St",
                "state": "NY",
            },
            "usage": [{"dimension_id": DIM_ID, "record_value": 3}],
        },
        replies=[
            (
                "POST",
                "/customers",
                201,
                {
                    "message": "created",
                    "customerId": "cust-1",
                    "portalUrl": "https://stripe.test/p",
                },
            ),
            ("GET", "/customers/cust-1", 200, envelope(CUSTOMER)),
        ],
        expect=[
            (
                "POST",
                "/customers",
                {},
                {
                    "customerName": "Acme",
                    "email": "billing@acme.test",
                    "paymentChannel": "Stripe",
                    "customerId": "cust-1",
                    "offeringId": "off-1",
                    "offeringEnrollmentDate": "2026-11-24T08:00:00.000Z",
                    "address": {
                        "countryCode": "US",
                        "postalCode": "10001",
                        "city": "New York",
                        "streetLineOne": "1 Main St",
                        "state": "NY",
                    },
                    "usage": [{"dimensionId": DIM_ID, "recordValue": "3"}],
                },
            ),
            ("GET", "/customers/cust-1", {}, None),
        ],
        returns={"portal_url": "https://stripe.test/p"},
    ),
    Case(
        "add_child",
        "customers.children.add",
        args=("cust-1", "cust-2"),
        kwargs={"bill_parent": "aggregated"},
        replies=[("POST", "/customers/cust-1/children/cust-2", 201, {"message": "ok"})],
        expect=[("POST", "/customers/cust-1/children/cust-2", {}, {"billParent": "aggregated"})],
        returns={"message": "ok"},
    ),
    Case(
        "remove_child",
        "customers.children.remove",
        args=("cust-1", "cust-2"),
        replies=[("DELETE", "/customers/cust-1/children/cust-2", 200, {"message": "ok"})],
        expect=[("DELETE", "/customers/cust-1/children/cust-2", {}, None)],
    ),
    Case(
        "update_child",
        "customers.children.update",
        args=("cust-1", "cust-2"),
        kwargs={"bill_parent": "separate"},
        replies=[("PUT", "/customers/cust-1/children/cust-2", 200, {"message": "ok"})],
        expect=[("PUT", "/customers/cust-1/children/cust-2", {}, {"billParent": "separate"})],
    ),
    Case(
        "retrieve_customer",
        "customers.retrieve",
        args=("cust-1",),
        replies=[("GET", "/customers/cust-1", 200, envelope(CUSTOMER))],
        expect=[("GET", "/customers/cust-1", {}, None)],
        returns={"": Customer, "invoices": None},
    ),
    Case(
        "update_customer",
        "customers.update",
        args=("cust-1",),
        kwargs={"email": "new@acme.test", "metadata": None},
        replies=[
            ("PUT", "/customers/cust-1", 200, {"message": "updated", "customerId": "cust-1"}),
            ("GET", "/customers/cust-1", 200, envelope(CUSTOMER)),
        ],
        expect=[
            ("PUT", "/customers/cust-1", {}, {"email": "new@acme.test", "metadata": None}),
            ("GET", "/customers/cust-1", {}, None),
        ],
        returns={"": Customer},
    ),
    Case(
        "delete_customer",
        "customers.delete",
        args=("cust-1",),
        replies=[("DELETE", "/customers/cust-1", 200, {"message": "ok", "customerId": "cust-1"})],
        expect=[("DELETE", "/customers/cust-1", {}, None)],
        returns={"customer_id": "cust-1"},
    ),
    Case(
        "create_refund",
        "customers.refunds.create",
        args=("cust-1",),
        kwargs={"payment_intent_id": "pi_1", "amount": Decimal("5.00"), "reason": "duplicate"},
        replies=[("POST", "/customers/cust-1/refunds", 201, {"message": "Refund created"})],
        expect=[
            (
                "POST",
                "/customers/cust-1/refunds",
                {},
                {
                    "refundChannelOptions": {"paymentIntentId": "pi_1"},
                    "amount": "5.00",
                    "reason": "duplicate",
                },
            )
        ],
    ),
    Case(
        "list_refunds",
        "customers.refunds.list",
        args=("cust-1",),
        replies=[("GET", "/customers/cust-1/refunds", 200, envelope(REFUND))],
        expect=[("GET", "/customers/cust-1/refunds", {}, None)],
        returns={"0": StripeRefund, "0.charge_id": "ch_1"},
    ),
    Case(
        "retrieve_enrollment",
        "customers.enrollment.retrieve",
        args=("cust-1",),
        replies=[("GET", "/customers/cust-1/enrollment", 200, envelope(ENROLLMENT))],
        expect=[("GET", "/customers/cust-1/enrollment", {}, None)],
        returns={"0": Enrollment, "0.offering.offering_id": "off-1"},
    ),
    Case(
        "update_enrollment",
        "customers.enrollment.update",
        args=("cust-1",),
        kwargs={
            "offering_id": "off-1",
            "overrides": {"discount": {"name": "Launch", "percentage": "10"}},
        },
        replies=[
            ("PUT", "/customers/cust-1/enrollment", 200, {"message": "Enrollment updated"}),
            ("GET", "/customers/cust-1/enrollment", 200, envelope(ENROLLMENT)),
        ],
        expect=[
            (
                "PUT",
                "/customers/cust-1/enrollment",
                {},
                {
                    "offeringId": "off-1",
                    "overrides": {"discount": {"name": "Launch", "percentage": "10"}},
                },
            ),
            ("GET", "/customers/cust-1/enrollment", {}, None),
        ],
        returns={"0": Enrollment},
    ),
    Case(
        "list_payments",
        "customers.payments.list",
        args=("cust-1",),
        kwargs={"invoice_id": "inv-1"},
        replies=[("GET", "/customers/cust-1/payments", 200, envelope(PAYMENT))],
        expect=[("GET", "/customers/cust-1/payments", {"invoiceId": "inv-1"}, None)],
        returns={"0": StripePayment, "0.payment_intents_id": "pi_1"},
    ),
    Case(
        "retrieve_stripe_portal",
        "customers.retrieve_stripe_portal",
        args=("cust-1",),
        replies=[
            (
                "GET",
                "/customers/cust-1/stripePortal",
                200,
                {"message": "ok", "portalUrl": "https://s"},
            )
        ],
        expect=[("GET", "/customers/cust-1/stripePortal", {}, None)],
        returns={"portal_url": "https://s"},
    ),
    Case(
        "update_free_trial",
        "customers.update_free_trial",
        args=("cust-1",),
        kwargs={"free_trial_end_date": datetime(2026, 12, 24, tzinfo=UTC)},
        replies=[
            ("PUT", "/customers/cust-1/freeTrial", 200, {"message": "ok", "customerId": "cust-1"})
        ],
        expect=[
            (
                "PUT",
                "/customers/cust-1/freeTrial",
                {},
                {"freeTrialEndDate": "2026-12-24T00:00:00.000Z"},
            )
        ],
        returns={"customer_id": "cust-1"},
    ),
    Case(
        "retrieve_customer_usage",
        "customers.retrieve_usage",
        args=("cust-1",),
        kwargs={
            "aggregation_interval": "hour",
            "aggregation_purpose": "billing",
            "start_time": datetime(2026, 11, 1, tzinfo=UTC),
            "end_time": NOW,
            "ignore_enrollment_date": True,
        },
        replies=[
            (
                "GET",
                "/customers/cust-1/usage",
                200,
                envelope(
                    {
                        "dimensionId": DIM_ID,
                        "usage": [
                            {
                                "value": "0.67",
                                "startTime": "2021-01-01T00:00:00.000Z",
                                "endTime": "2021-01-01T01:00:00.000Z",
                            }
                        ],
                    },
                    {
                        "dimensionId": "dim-2",
                        "usage": [
                            {
                                "timestamp": "2026-11-02T00:00:00Z",
                                "recordValue": "3",
                                "metadata": {},
                            }
                        ],
                    },
                ),
            )
        ],
        expect=[
            (
                "GET",
                "/customers/cust-1/usage",
                {
                    "aggregationInterval": "hour",
                    "aggregationPurpose": "billing",
                    "startTime": "2026-11-01T00:00:00.000Z",
                    "endTime": "2026-11-24T08:00:00.000Z",
                    "ignoreEnrollmentDate": "true",
                },
                None,
            )
        ],
        returns={"0": AggregatedUsage, "1": RawUsage, "0.usage.0.value": Decimal("0.67")},
    ),
    Case(
        "retrieve_customer_token",
        "customers.retrieve_token",
        args=("cust-1",),
        replies=[("GET", "/customers/cust-1/token", 200, {"access_token": "portal-jwt"})],
        expect=[("GET", "/customers/cust-1/token", {}, None)],
        returns={"access_token": "portal-jwt"},
    ),
    Case(
        "create_transaction",
        "customers.transactions.create",
        args=("cust-1",),
        kwargs={"transaction_amount": Decimal("-2.50"), "metadata": {"reason": "goodwill"}},
        replies=[("POST", "/customers/cust-1/transactions", 201, {"message": "ok"})],
        expect=[
            (
                "POST",
                "/customers/cust-1/transactions",
                {},
                {"transactionAmount": "-2.50", "metadata": {"reason": "goodwill"}},
            )
        ],
    ),
    Case(
        "list_transactions",
        "customers.transactions.list",
        args=("cust-1",),
        replies=[
            (
                "GET",
                "/customers/cust-1/transactions",
                200,
                envelope(
                    {
                        "transactionAmount": 12.5,
                        "timestamp": "2026-11-02T00:00:00.000Z",
                        "metadata": {},
                    }
                ),
            )
        ],
        expect=[("GET", "/customers/cust-1/transactions", {}, None)],
        returns={"0": LedgerEntry, "0.transaction_amount": Decimal("12.5")},
    ),
    Case(
        "retrieve_invoice",
        "invoices.retrieve",
        args=("inv-1",),
        kwargs={"download": True},
        replies=[("GET", "/invoices/inv-1", 200, envelope(INVOICE))],
        expect=[("GET", "/invoices/inv-1", {"download": "true"}, None)],
        returns={
            "": Invoice,
            "total_amount_without_tax": Decimal("100.09"),
            "line_items.0.unit_cost": Decimal("100.09"),
        },
    ),
    Case(
        "create_invoice",
        "invoices.create",
        kwargs={
            "customer_id": "cust-1",
            "items": [{"name": "Paigo Pro", "quantity": 1, "unit_cost": Decimal("100.09")}],
            "invoice_payment_term": "30",
            "store_payment_as_credit": False,
        },
        replies=[
            ("POST", "/invoices", 201, {"message": "created", "invoiceId": "inv-1"}),
            ("GET", "/invoices/inv-1", 200, envelope(INVOICE)),
        ],
        expect=[
            (
                "POST",
                "/invoices",
                {},
                {
                    "customerId": "cust-1",
                    "items": [{"name": "Paigo Pro", "quantity": 1, "unitCost": Decimal("100.09")}],
                    "invoicePaymentTerm": "30",
                    "storePaymentAsCredit": False,
                },
            ),
            ("GET", "/invoices/inv-1", {}, None),
        ],
        returns={"": Invoice},
    ),
    Case(
        "test_webhook",
        "webhooks.test",
        replies=[("GET", "/webhooks/test", 200, None)],
        expect=[("GET", "/webhooks/test", {}, None)],
    ),
    Case(
        "sample_invoice_webhook",
        "webhooks.sample_invoice",
        kwargs={"status": "INVOICE_CREATED"},
        replies=[
            (
                "GET",
                "/webhooks/invoice",
                200,
                [{"invoiceId": "inv-1", "message": "Generated invoice", "customerId": "cust-1"}],
            )
        ],
        expect=[("GET", "/webhooks/invoice", {"status": "INVOICE_CREATED"}, None)],
        returns={"0.invoiceId": "inv-1"},
    ),
    Case(
        "sample_customer_webhook",
        "webhooks.sample_customer",
        replies=[("GET", "/webhooks/customer", 200, [CUSTOMER])],
        expect=[("GET", "/webhooks/customer", {}, None)],
        returns={"0": Customer},
    ),
    Case(
        "sample_entitlement_webhook",
        "webhooks.sample_entitlement",
        replies=[
            (
                "GET",
                "/webhooks/entitlement",
                200,
                [{"entitlementLimit": "100", "eventType": "usageEntitlementLimitReached"}],
            )
        ],
        expect=[("GET", "/webhooks/entitlement", {}, None)],
        returns={"0.entitlement_limit": "100"},
    ),
    Case(
        "list_webhooks",
        "webhooks.list",
        replies=[("GET", "/webhooks", 200, [WEBHOOK])],
        expect=[("GET", "/webhooks", {}, None)],
        returns={"0": Webhook},
    ),
    Case(
        "retrieve_webhook",
        "webhooks.retrieve",
        args=("wh-1",),
        replies=[("GET", "/webhooks/wh-1", 200, WEBHOOK)],
        expect=[("GET", "/webhooks/wh-1", {}, None)],
        returns={"hook_url": WEBHOOK["hookUrl"]},
    ),
    Case(
        "delete_webhook",
        "webhooks.delete",
        args=("wh-1",),
        replies=[
            (
                "DELETE",
                "/webhooks/wh-1",
                200,
                {"message": "ok", "id": "wh-1", "webhookId": "wh-1", "environment": "production"},
            )
        ],
        expect=[("DELETE", "/webhooks/wh-1", {"environment": "production"}, None)],
        returns={"webhook_id": "wh-1"},
    ),
    Case(
        "subscribe_webhook",
        "webhooks.subscribe",
        kwargs={
            "hook_url": "https://hooks.test/paigo",
            "webhook_type": "INVOICE_CREATED",
            "security_key": "shh",
        },
        replies=[
            (
                "POST",
                "/webhooks/subscribe",
                201,
                {"message": "ok", "id": "wh-1", "webhookId": "wh-1", "environment": "production"},
            ),
            ("GET", "/webhooks/wh-1", 200, WEBHOOK),
        ],
        expect=[
            (
                "POST",
                "/webhooks/subscribe",
                {},
                {
                    "hookUrl": "https://hooks.test/paigo",
                    "webhookType": "INVOICE_CREATED",
                    "securityKey": "shh",
                },
            ),
            ("GET", "/webhooks/wh-1", {}, None),
        ],
        returns={"": Webhook},
    ),
    Case(
        "update_profile",
        "settings.update_profile",
        kwargs={"business_name": "Acme", "send_invoice_email": False},
        replies=[
            (
                "PUT",
                "/settings/profile",
                200,
                envelope({"businessName": "Acme", "sendInvoiceEmail": "false", "taxRate": "0"}),
            )
        ],
        expect=[
            ("PUT", "/settings/profile", {}, {"businessName": "Acme", "sendInvoiceEmail": "false"})
        ],
        returns={"": Settings, "send_invoice_email": False},
    ),
    Case(
        "retrieve_profile",
        "settings.retrieve_profile",
        replies=[("GET", "/settings/profile", 200, {"businessName": "Acme", "city": "Berlin"})],
        expect=[("GET", "/settings/profile", {}, None)],
        returns={"": BusinessProfile, "city": "Berlin"},
    ),
    Case(
        "upload_invoice_image",
        "settings.upload_invoice_image",
        args=(b"\x89PNG\r\n\x1a\nfake",),
        kwargs={"filename": "logo.png"},
        replies=[("POST", "/settings/invoiceImage", 201, {"message": "Image uploaded"})],
        expect=[("POST", "/settings/invoiceImage", {}, "multipart")],
        returns={"message": "Image uploaded"},
    ),
]


def test_every_paigo_operation_has_a_case() -> None:
    paigo = {op.name for op in OPERATIONS if not op.extension}
    assert len(paigo) == 48
    assert {case.op for case in CASES} == paigo


def _script(fake: FakePaigo, case: Case) -> None:
    for method, path, status, body in case.replies:
        if body is None:
            fake.add(method, path, httpx.Response(status))
        else:
            fake.json(method, path, status, body)


def _target(client: PaigoClient | AsyncPaigoClient, case: Case) -> Any:
    obj: Any = client
    for name in case.target.split("."):
        obj = getattr(obj, name)
    return obj


def _check_requests(fake: FakePaigo, case: Case) -> None:
    sent = fake.api_requests()
    assert len(sent) == len(case.expect)
    for request, (method, path, query, body) in zip(sent, case.expect, strict=True):
        assert request.method == method
        assert str(request.url).startswith(API)
        assert request.url.path == path
        assert dict(request.url.params) == query
        if body == "multipart":
            assert request.headers["content-type"].startswith("multipart/form-data")
            assert b'name="file"; filename="logo.png"' in request.content
        elif body is None:
            assert request.content == b""
        else:
            assert request.headers["content-type"] == "application/json"
            assert body_of(request) == body
        assert request.headers["authorization"].startswith("Bearer ")
        assert request.headers["user-agent"].startswith("paigo-sdk/")
    for name, value in case.headers.items():
        assert sent[0].headers[name] == value


@pytest.mark.parametrize("case", CASES, ids=[case.op for case in CASES])
def test_sync_operation_sends_the_exact_request(
    case: Case, fake: FakePaigo, client: PaigoClient
) -> None:
    _script(fake, case)
    result = _target(client, case)(*case.args, **case.kwargs)
    _check_requests(fake, case)
    _check_result(result, case.returns)


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[case.op for case in CASES])
async def test_async_operation_sends_the_exact_request(
    case: Case, fake: FakePaigo, make_async_client: Callable[..., AsyncPaigoClient]
) -> None:
    _script(fake, case)
    async with make_async_client() as client:
        result = await _target(client, case)(*case.args, **case.kwargs)
    _check_requests(fake, case)
    _check_result(result, case.returns)


def test_json_number_fields_are_written_as_numbers(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("POST", "/offerings", 201, {"message": "ok", "offeringId": "off-1"})
    fake.json("GET", "/offerings/off-1", 200, envelope(OFFERING))
    client.offerings.create(offering_name="Pro", subscription_price=Decimal("19.990"))
    assert b'"subscriptionPrice":19.990' in fake.api_requests()[0].content


def test_path_parameters_are_percent_encoded(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json("GET", "/customers/a/b c", 200, envelope({**CUSTOMER, "customerId": "a/b c"}))
    assert client.customers.retrieve("a/b c").customer_id == "a/b c"
    assert fake.api_requests()[0].url.raw_path == b"/customers/a%2Fb%20c"


def test_record_batch_sends_an_array_with_one_key_per_record(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.json(
        "POST",
        "/usage",
        201,
        {
            "message": "Usage records created",
            "data": [{"status": "created"}, {"status": "replayed"}],
        },
    )
    records = [
        {"customer_id": "c", "dimension_id": "d", "record_value": "1", "timestamp": NOW},
        {"customerId": "c", "dimensionId": "d", "recordValue": 2, "timestamp": NOW},
    ]
    result = client.usage.record_batch(records, idempotency_keys=["k1", "k2"])
    request = fake.api_requests()[0]
    assert request.headers["Idempotency-Key"] == "k1,k2"
    assert body_of(request) == [
        {
            "customerId": "c",
            "dimensionId": "d",
            "recordValue": "1",
            "timestamp": "2026-11-24T08:00:00.000Z",
        },
        {
            "customerId": "c",
            "dimensionId": "d",
            "recordValue": "2",
            "timestamp": "2026-11-24T08:00:00.000Z",
        },
    ]
    assert [item.status for item in result.results] == ["created", "replayed"]


def test_record_reads_the_replay_header(fake: FakePaigo, client: PaigoClient) -> None:
    fake.json(
        "POST",
        "/usage",
        201,
        {"message": "Usage record created"},
        **{"Idempotent-Replayed": "true"},
    )
    result = client.usage.record(customer_id="c", dimension_id="d", record_value=1, timestamp=NOW)
    assert result.idempotent_replayed is True


def test_record_defaults_the_timestamp_to_the_clock_and_generates_a_key(
    fake: FakePaigo, client: PaigoClient
) -> None:
    fake.json("POST", "/usage", 201, {"message": "Usage record created"})
    client.usage.record(customer_id="c", dimension_id="d", record_value="2.5")
    request = fake.api_requests()[0]
    assert body_of(request)["timestamp"] == "2026-11-24T08:00:00.000Z"
    assert len(request.headers["Idempotency-Key"]) == 32
