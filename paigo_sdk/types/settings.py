"""Models for account settings: the business profile and Paigo's account-level options."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from paigo_sdk.types._base import BoolString, OpenEnum, PaigoModel, ParamsModel
from paigo_sdk.types.enums import Currency, InvoicePaymentTerm

__all__ = ["BusinessProfile", "ProfileUpdateParams", "Settings"]


class ProfileUpdateParams(ParamsModel):
    """The body of `PUT /settings/profile`: only the fields given are sent."""

    clearable: ClassVar[frozenset[str] | None] = frozenset()
    may_be_empty: ClassVar[frozenset[str]] = frozenset(
        {
            "business_name",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "country",
            "postal_code",
            "support_email",
            "redirection_url",
        }
    )

    business_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    support_email: str | None = None
    send_invoice_email: BoolString | None = None
    """Whether invoices are emailed to customers (`"true"`/`"false"` on the wire)."""
    redirection_url: str | None = None


class BusinessProfile(PaigoModel):
    """The business profile printed on invoices."""

    business_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    support_email: str | None = None
    send_invoice_email: BoolString | None = None
    stripe_account_id: str | None = None
    redirection_url: str | None = None


class Settings(PaigoModel):
    """Account settings, returned after a profile update."""

    account_state: str | None = None
    invoice_approval: str | None = None
    invoice_generation: str | None = None
    send_invoice_email: BoolString | None = None
    free_dimension_on_invoice: str | None = None
    business_name: str | None = None
    default_currency: OpenEnum[Currency] | None = None
    tax_rate: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    support_email: str | None = None
    vat_id: str | None = None
    redirection_url: str | None = None
    invoice_email_configuration: dict[str, Any] | None = None
    invoice_payment_term: OpenEnum[InvoicePaymentTerm] | None = None
    custom_fields: str | None = None
    tax_jar_api_key: str | None = Field(default=None, repr=False)
    """The TaxJar API key (hidden from repr)."""
    logo_url: str | None = None
    tax_category: str | None = None
    stripe_account_id: str | None = None
    generate_pdf_payment_link: bool | None = Field(default=None, alias="generatePDFPaymentLink")
    tax_calculation_type: str | None = None
    cloud_iam: dict[str, Any] | None = Field(default=None, alias="cloudIAM")
    pages: dict[str, Any] | None = None
    compute_cost_source: str | None = None
    storage_cost_source: str | None = None
    archive_cost_source: str | None = None
