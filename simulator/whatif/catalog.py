"""Offerings and dimensions to price with, read from YAML or JSON in Paigo's wire shape.

A catalog file holds `dimensions` (bodies of `POST /dimensions`, each with the `dimensionId` that
offerings refer to it by) and `offerings` (bodies of `POST /offerings`, each with an `offeringId`).
A dimension prices the usage records sent under its `dimensionId`, or under `usageDimensionId`
when given, so one stream of records can be priced by several candidate dimensions. Every body is
validated by the simulator's own request schemas, so a catalog the simulator would refuse is
refused here with the same messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from simulator.api import dimensions as dimension_api, schemas
from simulator.api.parsing import BadRequest, validate
from simulator.clock import ManualClock
from simulator.engine import Dimension, Engine, EngineError, Offering
from simulator.whatif.errors import WhatIfInputError
from simulator.wire import FREE_DIMENSION_DISPLAYS

__all__ = ["Catalog", "CatalogDimension", "CatalogOffering", "load_catalog"]

_UNSUPPORTED_CYCLES = ("topUp",)


@dataclass(frozen=True, slots=True)
class CatalogDimension:
    """One dimension of a catalog: its key, the records it prices, and its wire body."""

    dimension_id: str
    """The key offerings use in `dimensionIds` and `dimensionOverrides`."""
    usage_dimension_id: str
    """The `dimensionId` of the usage records this dimension prices."""
    body: dict[str, Any]
    """The validated `POST /dimensions` body, in wire (camelCase) form."""


@dataclass(frozen=True, slots=True)
class CatalogOffering:
    """One offering of a catalog: its key and its wire body (dimension ids are catalog keys)."""

    offering_id: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Catalog:
    """Dimensions, offerings and the invoice-shaping settings to price with."""

    dimensions: dict[str, CatalogDimension]
    offerings: dict[str, CatalogOffering]
    tax_rate: Decimal = Decimal(0)
    """Percent, as `settings.taxRate` (B8)."""
    free_dimension_on_invoice: str = "show"
    """`show` or `hide` zero-amount usage lines (B9)."""

    def merged(self, other: Catalog) -> Catalog:
        """Return a catalog with this one's entries and `other`'s (other wins on equal keys).

        Raises:
            WhatIfInputError: a dimension key names different records in the two catalogs.
        """
        for key, dimension in other.dimensions.items():
            mine = self.dimensions.get(key)
            if mine is not None and mine.usage_dimension_id != dimension.usage_dimension_id:
                raise WhatIfInputError(
                    f"dimension {key!r} prices different usage in the two catalogs"
                )
        return Catalog(
            dimensions={**self.dimensions, **other.dimensions},
            offerings={**self.offerings, **other.offerings},
            tax_rate=other.tax_rate if other.tax_rate else self.tax_rate,
            free_dimension_on_invoice=other.free_dimension_on_invoice
            if other.free_dimension_on_invoice != "show"
            else self.free_dimension_on_invoice,
        )

    def dimensions_of(self, offering_ids: Iterable[str]) -> list[CatalogDimension]:
        """Return the dimensions the given offerings use, each once, in catalog order."""
        wanted: set[str] = set()
        for offering_id in offering_ids:
            wanted.update(self.offerings[offering_id].body.get("dimensionIds") or [])
        return [d for key, d in self.dimensions.items() if key in wanted]

    def install(
        self, engine: Engine, offering_ids: Iterable[str]
    ) -> tuple[dict[str, Dimension], dict[str, Offering]]:
        """Create the given offerings and their dimensions in `engine`; return them by key.

        Raises:
            WhatIfInputError: the engine refuses a dimension or an offering (the message says
                which and why).
        """
        offering_ids = list(dict.fromkeys(offering_ids))
        created_dimensions: dict[str, Dimension] = {}
        for dimension in self.dimensions_of(offering_ids):
            fields = dimension_api.to_engine_fields(_engine_names(dimension.body))
            try:
                created_dimensions[dimension.dimension_id] = engine.create_dimension(**fields)
            except EngineError as error:
                raise WhatIfInputError(f"dimension {dimension.dimension_id!r}: {error}") from None
        created_offerings: dict[str, Offering] = {}
        for offering_id in offering_ids:
            body = dict(self.offerings[offering_id].body)
            body["dimensionIds"] = [
                created_dimensions[d].dimension_id for d in body.get("dimensionIds") or []
            ]
            overrides = []
            for override in body.get("dimensionOverrides") or []:
                override = dict(override)
                override["dimensionId"] = created_dimensions[override["dimensionId"]].dimension_id
                overrides.append(override)
            if overrides:
                body["dimensionOverrides"] = overrides
            fields = _engine_names(body)
            if "dimension_overrides" in fields:
                fields["dimension_overrides"] = dimension_api.to_overrides(
                    fields["dimension_overrides"]
                )
            if fields.get("free_trial_length") is not None:
                fields["free_trial_length"] = int(fields["free_trial_length"])
            try:
                created_offerings[offering_id] = engine.create_offering(**fields)
            except EngineError as error:
                raise WhatIfInputError(f"offering {offering_id!r}: {error}") from None
        return created_dimensions, created_offerings


def _engine_names(body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a wire body with the simulator's schema and return the engine's field names."""
    schema = schemas.CREATE_OFFERING if "offeringName" in body else schemas.CREATE_DIMENSION
    converted = validate(dict(body), schema)
    assert isinstance(converted, dict)
    return converted


def load_catalog(source: str | Path | Mapping[str, Any]) -> Catalog:
    """Read a catalog from a YAML or JSON file (or an already decoded mapping) and validate it.

    Raises:
        WhatIfInputError: the file cannot be read or parsed, an entry is malformed, an offering
            names a dimension the catalog lacks, or the simulator's schema refuses a body.
    """
    if isinstance(source, Mapping):
        raw: Any = source
        where = "catalog"
    else:
        path = Path(source)
        where = str(path)
        raw = _read_structured(path)
    if not isinstance(raw, Mapping):
        raise WhatIfInputError(f"{where}: expected a mapping with 'dimensions' and 'offerings'")
    unknown = set(raw) - {"dimensions", "offerings", "settings"}
    if unknown:
        raise WhatIfInputError(f"{where}: unknown top-level keys {sorted(unknown)}")
    dimensions: dict[str, CatalogDimension] = {}
    for index, entry in enumerate(raw.get("dimensions") or []):
        dimension = _dimension(entry, f"{where}: dimensions[{index}]")
        if dimension.dimension_id in dimensions:
            raise WhatIfInputError(
                f"{where}: dimension {dimension.dimension_id!r} is defined twice"
            )
        dimensions[dimension.dimension_id] = dimension
    offerings: dict[str, CatalogOffering] = {}
    for index, entry in enumerate(raw.get("offerings") or []):
        offering = _offering(entry, f"{where}: offerings[{index}]", dimensions)
        if offering.offering_id in offerings:
            raise WhatIfInputError(f"{where}: offering {offering.offering_id!r} is defined twice")
        offerings[offering.offering_id] = offering
    settings = raw.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise WhatIfInputError(f"{where}: settings must be a mapping")
    tax_rate = _tax_rate(settings.get("taxRate", "0"), where)
    hide = settings.get("freeDimensionOnInvoice", "show")
    if hide not in FREE_DIMENSION_DISPLAYS:
        raise WhatIfInputError(f"{where}: settings.freeDimensionOnInvoice must be show or hide")
    catalog = Catalog(
        dimensions=dimensions,
        offerings=offerings,
        tax_rate=tax_rate,
        free_dimension_on_invoice=hide,
    )
    # The engine's own rules (tiers, minimum charge, override structure...) are checked now,
    # in a scratch engine, rather than when the first scenario is priced.
    catalog.install(Engine(clock=ManualClock()), list(offerings))
    return catalog


def _read_structured(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise WhatIfInputError(f"{path}: cannot read: {error.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text, parse_float=Decimal)
        import yaml

        # BaseLoader keeps every scalar a string: prices such as 0.10 never become floats.
        return yaml.load(text, Loader=yaml.BaseLoader)
    except (ValueError, ImportError) as error:
        raise WhatIfInputError(f"{path}: cannot parse: {error}") from None
    except Exception as error:  # yaml.YAMLError and its subclasses
        raise WhatIfInputError(f"{path}: cannot parse: {error}") from None


def _tax_rate(value: Any, where: str) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise WhatIfInputError(f"{where}: settings.taxRate must be a decimal string") from None
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise WhatIfInputError(f"{where}: settings.taxRate must be between 0 and 100")
    return rate


def _wire(entry: Any, where: str) -> dict[str, Any]:
    """Return `entry` with JSON numbers turned into strings, as Paigo's wire carries them."""
    if not isinstance(entry, Mapping):
        raise WhatIfInputError(f"{where}: expected a mapping")
    return {str(k): _stringify(v) for k, v in entry.items()}


def _stringify(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    return value


_NUMBER_FIELDS: Final = ("subscriptionPrice", "usageEntitlement")
"""The fields Paigo's wire carries as JSON numbers; every other amount is a decimal string."""


def _numbers(body: dict[str, Any], where: str) -> None:
    """Turn the JSON-number fields, read as strings (YAML, or numbers made strings), back."""
    for name in _NUMBER_FIELDS:
        value = body.get(name)
        if isinstance(value, str) and value != "inf":
            try:
                body[name] = Decimal(value)
            except InvalidOperation:
                raise WhatIfInputError(f"{where}: {name} must be a number") from None


def _dimension(entry: Any, where: str) -> CatalogDimension:
    body = _wire(entry, where)
    key = body.pop("dimensionId", None)
    usage = body.pop("usageDimensionId", None) or key
    if not isinstance(key, str) or not key:
        raise WhatIfInputError(f"{where}: dimensionId is required (the key offerings use)")
    if not isinstance(usage, str):
        raise WhatIfInputError(f"{where}: usageDimensionId must be a string")
    _numbers(body, where)
    try:
        validate(dict(body), schemas.CREATE_DIMENSION)
    except BadRequest as error:
        raise WhatIfInputError(f"{where} ({key}): {error}") from None
    return CatalogDimension(dimension_id=key, usage_dimension_id=usage, body=body)


def _offering(
    entry: Any, where: str, dimensions: Mapping[str, CatalogDimension]
) -> CatalogOffering:
    body = _wire(entry, where)
    key = body.pop("offeringId", None)
    if not isinstance(key, str) or not key:
        raise WhatIfInputError(f"{where}: offeringId is required")
    _numbers(body, where)
    try:
        validate(dict(body), schemas.CREATE_OFFERING)
    except BadRequest as error:
        raise WhatIfInputError(f"{where} ({key}): {error}") from None
    for dimension_id in body.get("dimensionIds") or []:
        if dimension_id not in dimensions:
            raise WhatIfInputError(f"{where} ({key}): no dimension {dimension_id!r} in the catalog")
    for override in body.get("dimensionOverrides") or []:
        if override.get("dimensionId") not in dimensions:
            raise WhatIfInputError(
                f"{where} ({key}): override names no catalog dimension "
                f"{override.get('dimensionId')!r}"
            )
    if body.get("billingCycle") in _UNSUPPORTED_CYCLES:
        raise WhatIfInputError(f"{where} ({key}): topUp offerings are not priced by what-if yet")
    if body.get("freeTrialLength"):
        raise WhatIfInputError(
            f"{where} ({key}): free trials are not priced by what-if yet; remove freeTrialLength"
        )
    return CatalogOffering(offering_id=key, body=body)
