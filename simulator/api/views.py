"""Turn the engine's dataclasses into Paigo's wire objects, one explicit function per resource.

A view takes a read model (`simulator.engine.reads`) when the wire object embeds other resources
(a customer's offerings, an offering's dimensions): the engine resolves those in one call, and a
view never calls back into the engine.

Wire conventions: camelCase names; numeric strings as plain decimal strings; JSON numbers (as
Decimal, written exactly) where the export says number; `"inf"` for infinite bounds; timestamps in
millisecond ISO form (`2026-11-24T08:00:00.000Z`). Optional fields the engine does not hold are
left out, never sent as `null` (the export declares no nullable field but `minimumCharge`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from simulator.api import webhook_payloads
from simulator.api.replies import wire_decimal, wire_number, wire_time
from simulator.engine import (
    ChildLink,
    CustomerRead,
    DimensionOverride,
    DimensionRead,
    Discount,
    EnrollmentRead,
    EntitlementExcess,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    Measurement,
    OfferingRead,
    Overrides,
    Payment,
    Profile,
    RawUsage,
    Refund,
    Settings,
    StripePayment,
    Tier,
    TierGroup,
    UsageBucket,
    UsageRecordView,
    UsageSeries,
    Webhook,
    WebhookDelivery,
)

__all__ = [
    "child",
    "customer",
    "dimension",
    "enrollment",
    "entitlement_excess",
    "invoice",
    "ledger_entry",
    "measurement",
    "offering",
    "profile",
    "refund",
    "settings",
    "stripe_payment",
    "usage_record",
    "usage_series",
    "webhook",
    "webhook_delivery",
]

Wire = dict[str, Any]


def _bound(value: Decimal) -> str:
    return "inf" if value.is_infinite() else wire_decimal(value)


def _put(out: Wire, key: str, value: Any, convert: Callable[[Any], Any] | None = None) -> None:
    if value is not None:
        out[key] = convert(value) if convert is not None else value


# ----------------------------------------------------------------------------- catalog


def tier(t: Tier) -> Wire:
    """DimensionTierDto."""
    out: Wire = {"tierPosition": str(t.tier_position), "upperBound": _bound(t.upper_bound)}
    _put(out, "unitPrice", t.unit_price, wire_decimal)
    _put(out, "tierName", t.tier_name)
    return out


def tier_group(g: TierGroup) -> Wire:
    """DimensionTiersGroupByMetadataDto."""
    return {"metadataGroups": g.metadata_groups, "tiers": [tier(t) for t in g.tiers]}


def dimension_override(o: DimensionOverride) -> Wire:
    """DimensionOverridesDto."""
    out: Wire = {"dimensionId": o.dimension_id}
    _put(out, "consumptionPrice", o.consumption_price, wire_decimal)
    if o.tiers is not None:
        out["tiers"] = [tier(t) for t in o.tiers]
    if o.tiers_group_by_metadata is not None:
        out["tiersGroupByMetadata"] = [tier_group(g) for g in o.tiers_group_by_metadata]
    return out


def measurement(m: Measurement) -> Wire:
    """ReadMeasurementResponseData."""
    out: Wire = {
        "measurementId": m.measurement_id,
        "measurementMode": m.measurement_mode,
        "measurementConfiguration": m.measurement_configuration,
    }
    _put(out, "measurementName", m.measurement_name)
    return out


def dimension(read: DimensionRead) -> Wire:
    """ReadDimensionResponseData; the measurement is embedded, as Paigo does."""
    d = read.dimension
    out: Wire = {
        "dimensionId": d.dimension_id,
        "dimensionName": d.dimension_name,
        "consumptionUnit": {"type": d.consumption_unit.type, "unit": d.consumption_unit.unit},
        "usageIncrement": wire_decimal(d.usage_increment),
        "rounding": d.rounding,
        "aggregationInterval": d.aggregation_interval,
        "aggregationMethod": d.aggregation_method,
        "paymentSchedule": d.payment_schedule,
        "metadata": d.metadata,
    }
    if d.usage_entitlement is not None:
        e = d.usage_entitlement
        out["usageEntitlement"] = "inf" if e.is_infinite() else wire_number(e)
    _put(out, "overageAllowed", d.overage_allowed, lambda b: "true" if b else "false")
    _put(out, "consumptionPrice", d.consumption_price, wire_decimal)
    _put(out, "sampleType", d.sample_type)
    if read.measurement is not None:
        out["measurement"] = measurement(read.measurement)
    if d.tiers is not None:
        out["tiers"] = [tier(t) for t in d.tiers]
    if d.tiers_group_by_metadata is not None:
        out["tiersGroupByMetadata"] = [tier_group(g) for g in d.tiers_group_by_metadata]
    return out


def offering(read: OfferingRead) -> Wire:
    """ReadOfferingResponseData, its dimensions embedded."""
    o = read.offering
    out: Wire = {
        "offeringId": o.offering_id,
        "offeringName": o.offering_name,
        "offeringType": o.offering_type,
        # Paigo: "leave empty for no automatic billing".
        "billingCycle": o.billing_cycle or "",
        "currency": o.currency,
        "offeringVisibility": o.offering_visibility,
        "dimensions": [dimension(d) for d in read.dimensions],
        "dimensionOverrides": [dimension_override(x) for x in o.dimension_overrides],
        "metadata": o.metadata,
        "minimumCharge": None if o.minimum_charge is None else wire_decimal(o.minimum_charge),
    }
    _put(out, "subscriptionPrice", o.subscription_price, wire_number)
    _put(out, "prepaidCredit", o.prepaid_credit, wire_decimal)
    _put(out, "topUpAmount", o.top_up_amount, wire_decimal)
    _put(out, "topUpThreshold", o.top_up_threshold, wire_decimal)
    _put(out, "freeTrialLength", o.free_trial_length, str)
    return out


# ----------------------------------------------------------------------------- customers


def discount(d: Discount) -> Wire:
    """CustomerContractDiscount."""
    out: Wire = {"name": d.name, "percentage": wire_decimal(d.percentage)}
    _put(out, "endDate", d.end_date, wire_time)
    return out


def overrides(o: Overrides) -> Wire:
    """CustomOverrides."""
    out: Wire = {"dimensionOverrides": [dimension_override(x) for x in o.dimension_overrides]}
    _put(out, "discount", o.discount, discount)
    _put(out, "freeTrialEndDate", o.free_trial_end_date, wire_time)
    return out


def enrollment(read: EnrollmentRead) -> Wire:
    """CustomerEnrollmentResponseData."""
    e = read.enrollment
    return {
        "offering": offering(read.offering),
        "offeringEnrollmentDate": wire_time(e.enrollment_date),
        "overrides": overrides(e.overrides),
    }


def child(link: ChildLink) -> Wire:
    """ReadChildRowResponseData."""
    return {"childId": link.child_id, "parentId": link.parent_id, "billParent": link.bill_parent}


def customer(read: CustomerRead) -> Wire:
    """ReadCustomerResponseData (also used for the list, ReadAllCustomersResponseData).

    `offering` is the current enrollment's offering, or `{}` when the customer is not enrolled;
    the deprecated `offeringId`, `offeringEnrollmentDate` and free-trial dates are left out then
    (the export types them as optional, non-nullable strings).
    """
    c = read.customer
    current = c.current_enrollment
    out: Wire = {
        "customerId": c.customer_id,
        "customerName": c.customer_name,
        "email": c.email,
        "paymentChannel": c.payment_channel,
        "paymentChannelOptions": {"stripeCustomerId": c.stripe_customer_id or ""},
        "customerVatId": c.customer_vat_id or "",
        "taxExempt": c.tax_exempt,
        "currency": c.currency,
        "metadata": c.metadata,
        "creditBalance": wire_decimal(c.balance),
        "offering": offering(read.offering) if read.offering is not None else {},
        "enrollments": [enrollment(e) for e in read.enrollments],
        "children": [child(link) for link in c.children],
        "invoices": [invoice(i, include_customer=False) for i in read.invoices],
    }
    if current is not None:
        out["offeringId"] = current.offering_id
        out["offeringEnrollmentDate"] = wire_time(current.enrollment_date)
        _put(out, "freeTrialStartDate", current.free_trial_start_date, wire_time)
        _put(out, "freeTrialEndDate", current.free_trial_end_date, wire_time)
    if c.payment_channel == "Stripe":
        out["stripeAccountReady"] = True
    _put(out, "discount", c.discount, discount)
    _put(out, "parent", c.parent, child)
    if c.address is not None:
        a = c.address
        address: Wire = {
            "countryCode": a.country_code,
            "postalCode": a.postal_code,
            "city": a.city,
            "streetLineOne": a.street_line_one,
            "state": a.state,
        }
        _put(address, "streetLineTwo", a.street_line_two)
        out["address"] = address
    return out


def ledger_entry(entry: LedgerEntry) -> Wire:
    """ReadTransactionLedger (`transactionAmount` is a JSON number on read)."""
    return {
        "transactionAmount": wire_number(entry.transaction_amount),
        "timestamp": wire_time(entry.timestamp),
        "metadata": entry.metadata,
    }


def refund(r: Refund) -> Wire:
    """StripeRefundResponseDto (amounts are strings, currency lower-case, as Stripe's)."""
    return {
        "amountRefunded": wire_decimal(r.amount_refunded),
        "amount": wire_decimal(r.amount),
        "chargeId": r.charge_id,
        "metadata": r.metadata,
        "currency": r.currency.lower(),
        "status": r.status,
        "created": wire_time(r.created),
    }


def stripe_payment(p: StripePayment) -> Wire:
    """StripePaymentResponseDto (the export types payments as refunds, a mistake in it)."""
    return {
        "amount": wire_decimal(p.amount),
        "paymentIntentsId": p.payment_intents_id,
        "metadata": p.metadata,
        "currency": p.currency.lower(),
        "status": p.status,
        "charges": [{"chargeId": p.charge_id, "amount": wire_decimal(p.amount)}],
        "created": wire_time(p.created),
    }


# ----------------------------------------------------------------------------- invoices


def line_item(line: InvoiceLine) -> Wire:
    """InvoiceLineItem (`quantity` and `unitCost` are JSON numbers)."""
    out: Wire = {
        "name": line.name,
        "quantity": wire_number(line.quantity),
        "unitCost": wire_number(line.unit_cost),
    }
    _put(out, "description", line.description)
    return out


def payment(p: Payment) -> Wire:
    """ReadPaymentDto (`transactionAmount` is a string here)."""
    return {
        "type": p.type,
        "transactionAmount": wire_decimal(p.transaction_amount),
        "timestamp": wire_time(p.timestamp),
        "metadata": p.metadata,
    }


def invoice(i: Invoice, *, include_customer: bool = True, invoice_url: str | None = None) -> Wire:
    """ReadInvoicesDto, plus `invoiceId` (missing from the export's schema, sent by Paigo).

    `invoiceCommunicationHistory` is a flat list (the export's array of arrays is a quirk).
    """
    out: Wire = {"invoiceId": i.invoice_id}
    if include_customer:
        out["customerId"] = i.customer_id
    out.update(
        {
            "invoiceStatus": i.invoice_status,
            "invoiceType": i.invoice_type,
            "invoicePaymentTerm": i.invoice_payment_term,
            "invoiceDate": wire_time(i.invoice_date),
            "currency": i.currency,
            "totalAmountWithoutTax": wire_number(i.total_amount_without_tax),
            "taxAmount": wire_number(i.tax_amount),
            "amountPaid": wire_number(i.amount_paid),
            "lineItems": [line_item(x) for x in i.line_items],
            "payments": [payment(p) for p in i.payments],
            "refunds": [refund(r) for r in i.refunds],
            "invoiceCommunicationHistory": [_communication(h) for h in i.communication_history],
        }
    )
    _put(out, "invoiceUrl", invoice_url)
    return out


def _communication(entry: dict[str, Any]) -> Wire:
    out: Wire = {}
    for key, value in entry.items():
        out[key] = wire_time(value) if hasattr(value, "tzinfo") else value
    return out


# ----------------------------------------------------------------------------- usage


def usage_series(s: UsageSeries) -> Wire:
    """AggregatedUsageResponse, or UnAggregatedUsageResponse for raw records."""
    out: Wire = {"dimensionId": s.dimension_id}
    _put(out, "offeringId", s.offering_id)
    if s.raw:
        out["usage"] = [_raw(r) for r in s.records]
    else:
        out["usage"] = [_bucket(b) for b in s.buckets]
    return out


def _raw(r: RawUsage) -> Wire:
    return {
        "timestamp": wire_time(r.timestamp),
        "recordValue": wire_decimal(r.record_value),
        "metadata": r.metadata,
    }


def _bucket(b: UsageBucket) -> Wire:
    out: Wire = {
        "value": wire_decimal(b.value),
        "startTime": wire_time(b.start_time),
        "endTime": wire_time(b.end_time),
    }
    _put(out, "metadataGroup", b.metadata_group)
    return out


# ----------------------------------------------------------------------------- webhooks, settings


def webhook(w: Webhook) -> Wire:
    """ReadWebhookDto."""
    out: Wire = {"id": w.webhook_id, "hookUrl": w.hook_url, "webhookType": w.webhook_type}
    _put(out, "securityKey", w.security_key)
    return out


_PROFILE_FIELDS = (
    ("businessName", "business_name"),
    ("addressLine1", "address_line1"),
    ("addressLine2", "address_line2"),
    ("city", "city"),
    ("state", "state"),
    ("country", "country"),
    ("postalCode", "postal_code"),
    ("supportEmail", "support_email"),
    ("sendInvoiceEmail", "send_invoice_email"),
    ("stripeAccountId", "stripe_account_id"),
    ("redirectionUrl", "redirection_url"),
)


def profile(p: Profile) -> Wire:
    """ReadProfileResponseData (every field optional; unset ones are left out)."""
    out: Wire = {}
    for wire_name, attr in _PROFILE_FIELDS:
        _put(out, wire_name, getattr(p, attr))
    return out


def settings(s: Settings) -> Wire:
    """ReadSettingsResponseData: the profile plus account-level settings."""
    out: Wire = dict(s.extra)
    out.update(profile(s.profile))
    out.update(
        {
            "accountState": s.account_state,
            "invoiceApproval": s.invoice_approval,
            "invoiceGeneration": s.invoice_generation,
            "freeDimensionOnInvoice": s.free_dimension_on_invoice,
            "defaultCurrency": s.default_currency,
            "taxRate": wire_decimal(s.tax_rate),
            "invoicePaymentTerm": s.invoice_payment_term,
            "generatePDFPaymentLink": s.generate_pdf_payment_link,
        }
    )
    return out


# ----------------------------------------------------------------------------- simulator-only


def usage_record(r: UsageRecordView) -> Wire:
    """A stored usage record, for the `/_simulator/` inspection routes."""
    return {
        "customerId": r.customer_id,
        "dimensionId": r.dimension_id,
        "timestamp": wire_time(r.timestamp),
        "recordValue": wire_decimal(r.record_value),
        "metadata": r.metadata,
        "sequence": r.sequence,
    }


def entitlement_excess(x: EntitlementExcess) -> Wire:
    """Usage beyond a non-overage entitlement (B6), for `/_simulator/entitlement-excess`."""
    return {
        "customerId": x.customer_id,
        "offeringId": x.offering_id,
        "dimensionId": x.dimension_id,
        "periodStart": wire_time(x.period_start),
        "periodEnd": wire_time(x.period_end),
        "entitledIncrements": wire_decimal(x.entitled_increments),
        "usedIncrements": wire_decimal(x.used_increments),
        "excessIncrements": wire_decimal(x.excess_increments),
        "closed": x.closed,
    }


def webhook_delivery(d: WebhookDelivery) -> Wire:
    """One webhook delivery and its attempts (B15); the security key is never shown."""
    return {
        "deliveryId": d.delivery_id,
        "webhookId": d.webhook_id,
        "hookUrl": d.hook_url,
        "webhookType": d.webhook_type,
        "payload": webhook_payloads.payload(d.webhook_type, d.event),
        "createdAt": wire_time(d.created_at),
        "status": d.status,
        "nextAttemptAt": None if d.next_attempt_at is None else wire_time(d.next_attempt_at),
        "triggered": d.triggered,
        "attempts": [
            {
                "attempt": a.attempt,
                "at": wire_time(a.at),
                "statusCode": a.status_code,
                "error": a.error,
                "resend": a.resend,
            }
            for a in d.attempts
        ],
    }
