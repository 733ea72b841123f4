"""Operations on the organisation's profile and settings (B8)."""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal
from typing import Final

from simulator import wire
from simulator.engine.context import Ctx
from simulator.engine.operations._shared import Metadata, given, raise_if
from simulator.engine.state import (
    UNSET,
    Profile,
    Settings,
    Unset,
)

_PROFILE_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(Profile))


def retrieve_profile(ctx: Ctx) -> Profile:
    """Return the business profile."""
    return ctx.state.settings.profile


def retrieve_settings(ctx: Ctx) -> Settings:
    """Return the account settings (with the profile)."""
    return ctx.state.settings


def update_profile(ctx: Ctx, /, **fields: str | None) -> Settings:
    """Change the given profile fields (snake_case names of `Profile`) and return the settings.

    Raises:
        Invalid: an unknown field name.
    """
    profile = ctx.state.settings.profile
    unknown = [name for name in fields if name not in _PROFILE_FIELDS]
    raise_if([f"{name} is not a profile field" for name in unknown])
    for name, value in fields.items():
        setattr(profile, name, value)
    return ctx.state.settings


def store_invoice_image(ctx: Ctx, image: bytes) -> None:
    """Keep `image` (PNG or JPEG bytes) as the logo printed on invoice PDFs."""
    ctx.state.settings.invoice_image = image


def update_settings(
    ctx: Ctx,
    *,
    tax_rate: Decimal | Unset = UNSET,
    invoice_approval: str | Unset = UNSET,
    free_dimension_on_invoice: str | Unset = UNSET,
    default_currency: str | Unset = UNSET,
    invoice_payment_term: str | Unset = UNSET,
    account_state: str | Unset = UNSET,
    invoice_generation: str | Unset = UNSET,
    generate_pdf_payment_link: bool | Unset = UNSET,
    extra: Metadata | Unset = UNSET,
) -> Settings:
    """Change account settings billing reads (simulator extension) and return them.

    Raises:
        Invalid: a tax rate outside 0..100 or an unknown enum value.
    """
    settings = ctx.state.settings
    errors = []
    if isinstance(tax_rate, Decimal) and not (0 <= tax_rate <= 100):
        errors.append("taxRate must be between 0 and 100")
    for name, value, allowed in (
        ("invoiceApproval", invoice_approval, wire.INVOICE_APPROVALS),
        ("freeDimensionOnInvoice", free_dimension_on_invoice, wire.FREE_DIMENSION_DISPLAYS),
        ("defaultCurrency", default_currency, wire.CURRENCIES),
        ("invoicePaymentTerm", invoice_payment_term, wire.INVOICE_PAYMENT_TERMS),
        ("accountState", account_state, wire.ACCOUNT_STATES),
        ("invoiceGeneration", invoice_generation, wire.INVOICE_GENERATIONS),
    ):
        if isinstance(value, str) and value not in allowed:
            errors.append(f"{name} must be one of: {', '.join(allowed)}")
    raise_if(errors)
    for name, value in given(
        tax_rate=tax_rate,
        invoice_approval=invoice_approval,
        free_dimension_on_invoice=free_dimension_on_invoice,
        default_currency=default_currency,
        invoice_payment_term=invoice_payment_term,
        account_state=account_state,
        invoice_generation=invoice_generation,
        generate_pdf_payment_link=generate_pdf_payment_link,
    ).items():
        setattr(settings, name, value)
    if not isinstance(extra, Unset):
        settings.extra.update(copy.deepcopy(extra))
    return settings
