"""Prices: override precedence, unit price, graduated tiers, entitlement and overage (B5-B7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from simulator.engine.numbers import CENT, EXACT, RATIO
from simulator.engine.state import (
    INFINITY,
    ConsumptionUnit,
    Dimension,
    Enrollment,
    InvoiceLine,
    Offering,
    Tier,
    TierGroup,
)

__all__ = [
    "Price",
    "converted_unit",
    "effective_price",
    "line",
    "line_name",
    "money",
    "money_ratio",
    "prorated_line",
    "usage_lines",
]


_TIME = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_TIME_NAMES = {60: "Minute", 3600: "Hour", 86400: "Day"}
_DATA_DECIMAL = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte", "petabyte"]
_DATA_BINARY = ["byte", "kibibyte", "mebibyte", "gibibyte", "tebibyte", "pebibyte"]
_COUNT = {1000: "Thousand", 1_000_000: "Million", 1_000_000_000: "Billion"}


def money(amount: Decimal) -> Decimal:
    """Round an amount to 2 decimal places, halves away from zero (B1)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


def _round_fraction(value: Fraction, places: int, mode: str) -> Decimal:
    """Round an exact rational to `places` decimals: `half_up` (halves away from zero), `up`
    (away from zero) or `down` (towards zero)."""
    scaled = abs(value) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if rest and (mode == "up" or (mode == "half_up" and 2 * rest >= scaled.denominator)):
        whole += 1
    return Decimal(-whole if value < 0 else whole).scaleb(-places, EXACT)


def money_ratio(numerator: Decimal, denominator: int) -> Decimal:
    """Return `numerator / denominator` rounded once to 2 decimal places, halves away from zero.

    The quotient is never rounded on the way (B1): `100 x 17 / 31` is 54.84, not a 34-digit
    quotient rounded again.
    """
    return _round_fraction(Fraction(numerator) / denominator, 2, "half_up")


def _shown_unit_cost(quantity: Decimal, unit_cost: Fraction, amount: Decimal) -> Decimal:
    """Return the shortest decimal form of an exact unit cost that still gives `amount`.

    Paigo's line items carry only `quantity` and `unitCost`, so a reader multiplies them:
    `money(quantity x shown) == amount` must hold. Halves away from zero are tried first, then
    rounding up or down, with 2 places and more until one fits. This ends: with enough places,
    rounding away from zero reaches the amount from above and towards zero from below.
    """
    places = 2
    while True:
        for mode in ("half_up", "up", "down"):
            shown = _round_fraction(unit_cost, places, mode)
            if money(EXACT.multiply(quantity, shown)) == amount:
                return shown
        places += 1


def prorated_line(
    name: str,
    quantity: Decimal,
    unit_cost: Decimal,
    paid_days: int,
    cycle_days: int,
    *,
    kind: str,
    description: str | None = None,
    dimension_id: str | None = None,
    offering_id: str | None = None,
) -> InvoiceLine:
    """Return a line billing `quantity x unit_cost x paid_days / cycle_days` (B1, B7).

    The amount is the exact product rounded once to cents: 1000 seats at 0.10 for 17 of 31 days
    bill 54.84 (not 1000 x a unit cost first rounded to 0.05). The shown unit cost is the exact
    prorated price in the fewest decimal places that give back the amount (0.05484 here).
    """
    if paid_days == cycle_days:
        return line(
            name,
            quantity,
            unit_cost,
            kind=kind,
            description=description,
            dimension_id=dimension_id,
            offering_id=offering_id,
        )
    amount = money_ratio(EXACT.multiply(EXACT.multiply(quantity, unit_cost), paid_days), cycle_days)
    exact_unit = Fraction(unit_cost) * paid_days / cycle_days
    return InvoiceLine(
        name=name,
        quantity=quantity,
        unit_cost=_shown_unit_cost(quantity, exact_unit, amount),
        amount=amount,
        kind=kind,
        description=description,
        dimension_id=dimension_id,
        offering_id=offering_id,
    )


def line(
    name: str,
    quantity: Decimal,
    unit_cost: Decimal,
    *,
    kind: str,
    description: str | None = None,
    dimension_id: str | None = None,
    offering_id: str | None = None,
) -> InvoiceLine:
    """Return an invoice line whose amount is `quantity x unit_cost` rounded once (B1)."""
    return InvoiceLine(
        name=name,
        quantity=quantity,
        unit_cost=unit_cost,
        amount=money(EXACT.multiply(quantity, unit_cost)),
        kind=kind,
        description=description,
        dimension_id=dimension_id,
        offering_id=offering_id,
    )


def converted_unit(unit: ConsumptionUnit, increment: Decimal) -> str:
    """Return the unit one increment is shown as on invoices (B9).

    Time: second x60 = Minute, x3600 = Hour, x86400 = Day. Data: steps of 1024. Count: x1000 =
    Thousand, x1000000 = Million. Anything else keeps the unit's own name, capitalised.
    """
    own = unit.unit[:1].upper() + unit.unit[1:]
    if increment != increment.to_integral_value() or increment <= 0:
        return own
    step = int(increment)
    if unit.type == "time" and unit.unit in _TIME:
        seconds = _TIME[unit.unit] * step
        if seconds != _TIME[unit.unit]:
            return _TIME_NAMES.get(seconds, own)
        return own
    if unit.type == "data":
        for ladder in (_DATA_DECIMAL, _DATA_BINARY):
            if unit.unit in ladder:
                position, power = ladder.index(unit.unit), 0
                while step > 1 and step % 1024 == 0:
                    step //= 1024
                    power += 1
                if step == 1 and power and position + power < len(ladder):
                    name = ladder[position + power]
                    return name[:1].upper() + name[1:]
        return own
    if unit.type == "count":
        return _COUNT.get(step, own)
    return own


def line_name(dimension: Dimension, offering: Offering) -> str:
    """Return the default usage line name `<Dimension> - <Converted Unit> - <Offering>` (B9)."""
    unit = converted_unit(dimension.consumption_unit, dimension.usage_increment)
    return f"{dimension.dimension_name} - {unit} - {offering.offering_name}"


@dataclass(slots=True, frozen=True)
class Price:
    """The effective price of one dimension for one enrollment (B7 precedence)."""

    consumption_price: Decimal | None
    tiers: list[Tier] | None
    groups: list[TierGroup] | None
    entitlement: Decimal | None
    overage_allowed: bool

    @property
    def unit_price(self) -> Decimal:
        """The flat price per increment; for tiered prices, the first tier's (B12)."""
        if self.consumption_price is not None:
            return self.consumption_price
        tiers = self.tiers or (self.groups[0].tiers if self.groups else None)
        if tiers:
            first = min(tiers, key=lambda t: t.tier_position)
            return first.unit_price or Decimal(0)
        return Decimal(0)


def effective_price(
    dimension: Dimension, offering: Offering, enrollment: Enrollment | None
) -> Price:
    """Return the price for `dimension`: enrollment override > offering override > own (B7)."""
    price = dimension.consumption_price
    tiers = dimension.tiers
    groups = dimension.tiers_group_by_metadata
    sources = [offering.dimension_overrides]
    if enrollment is not None:
        sources.append(enrollment.overrides.dimension_overrides)
    for overrides in sources:
        for override in overrides:
            if override.dimension_id != dimension.dimension_id:
                continue
            if override.consumption_price is not None:
                price = override.consumption_price
            if override.tiers:
                tiers = override.tiers
            if override.tiers_group_by_metadata:
                groups = override.tiers_group_by_metadata
    return Price(
        consumption_price=price,
        tiers=tiers or None,
        groups=groups or None,
        entitlement=dimension.usage_entitlement,
        overage_allowed=dimension.overage_allowed is not False,
    )


def _tier_lines(
    quantity: Decimal,
    tiers: Sequence[Tier],
    increment: Decimal,
    base: str,
    *,
    dimension_id: str,
    offering_id: str,
) -> list[InvoiceLine]:
    """Split `quantity` increments across graduated tiers, one line per tier used (B5)."""
    lines: list[InvoiceLine] = []
    lower = Decimal(0)
    for tier in sorted(tiers, key=lambda t: t.tier_position):
        upper = (
            INFINITY
            if tier.upper_bound.is_infinite()
            else RATIO.divide(tier.upper_bound, increment)
        )
        part = min(quantity, upper) - lower
        if part > 0:
            name = tier.tier_name or f"{base} - Tier {tier.tier_position}"
            lines.append(
                line(
                    name,
                    part,
                    tier.unit_price or Decimal(0),
                    kind="usage",
                    dimension_id=dimension_id,
                    offering_id=offering_id,
                )
            )
        if upper >= quantity:
            break
        lower = upper
    return lines


def usage_lines(
    dimension: Dimension,
    offering: Offering,
    price: Price,
    quantities: dict[int | None, int],
) -> tuple[list[InvoiceLine], Decimal]:
    """Price a period's quantities for one dimension; return the lines and any unbilled excess.

    Flat: one line `Q x price` (B4). Tiers: one line per tier holding part of Q (B5). Metadata
    groups: tiers per group, the group's pairs in the line name. Entitlement: only increments
    beyond it, on a `- Overage` line when overage is allowed; otherwise the excess is returned (B6).
    """
    base = line_name(dimension, offering)
    ids = {"dimension_id": dimension.dimension_id, "offering_id": offering.offering_id}
    increment = dimension.usage_increment
    if price.groups:
        lines: list[InvoiceLine] = []
        for index, group in enumerate(price.groups):
            q = quantities.get(index)
            if q is None:
                continue
            label = ", ".join(f"{k}: {v}" for k, v in group.metadata_groups.items())
            lines += _tier_lines(Decimal(q), group.tiers, increment, f"{base} - {label}", **ids)
        return lines, Decimal(0)
    total = Decimal(quantities.get(None, 0))
    if price.tiers:
        return _tier_lines(total, price.tiers, increment, base, **ids), Decimal(0)
    unit = price.consumption_price if price.consumption_price is not None else Decimal(0)
    if price.entitlement is None:
        return [line(base, total, unit, kind="usage", **ids)], Decimal(0)
    # B6: entitlement E in increments; bill B = max(0, Q - E).
    entitled = (
        INFINITY if price.entitlement.is_infinite() else RATIO.divide(price.entitlement, increment)
    )
    billable = max(Decimal(0), total - entitled)
    if price.overage_allowed:
        return [line(f"{base} - Overage", billable, unit, kind="overage", **ids)], Decimal(0)
    return [], billable
