"""The base models and the wire types every Paigo model is built from.

- `PaigoModel` parses replies: camelCase aliases, unknown fields kept, frozen.
- `ParamsModel` checks requests: the same aliases, unknown fields rejected.
- `DecimalString` / `DecimalNumber`: money and quantities as `Decimal`, written as a JSON string
  or a JSON number respectively; floats, NaN, infinities and exponent strings are rejected.
- `INFINITY`: Paigo's `"inf"` (an unlimited entitlement or an open last tier).
- `Timestamp`: an aware datetime, written as RFC 3339 UTC with milliseconds (`...T08:00:00.000Z`).
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Self, TypeVar, final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import core_schema

from paigo_sdk import _json
from paigo_sdk._wire import (
    BOOL_STRINGS,
    DECIMAL_PATTERN,
    INFINITY_TEXT,
    MAX_DECIMAL_LENGTH,
    MAX_ID_LENGTH,
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    MAX_NAME_LENGTH,
    MAX_NUMBER,
    MAX_STRING_LENGTH,
    format_timestamp,
    is_plain_decimal,
    parse_wire_timestamp,
)

__all__ = [
    "INFINITY",
    "BoolString",
    "Credit",
    "DecimalInput",
    "DecimalNumber",
    "DecimalString",
    "Entitlement",
    "Fraction",
    "Infinity",
    "MessageResponse",
    "Metadata",
    "NonNegative",
    "OpenEnum",
    "PaigoModel",
    "ParamsModel",
    "Percentage",
    "Positive",
    "PositiveWhole",
    "ReadTimestamp",
    "Timestamp",
    "UpperBound",
    "dump_json",
    "format_timestamp",
    "is_small_flat_metadata",
    "parse_decimal",
    "parse_timestamp",
    "to_wire",
]

DecimalInput = Decimal | int | str
"""What callers may pass where Paigo expects a number: never a float."""


@final
class Infinity:
    """The type of `INFINITY`, Paigo's `"inf"`: greater than every number, equal only to itself."""

    _instance: Infinity | None = None

    def __new__(cls) -> Infinity:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "INFINITY"

    def __str__(self) -> str:
        return "inf"

    def __reduce__(self) -> str:
        return "INFINITY"

    def __hash__(self) -> int:
        return hash("inf")

    def __eq__(self, other: object) -> bool:
        return other is self

    def __gt__(self, other: object) -> bool:
        if isinstance(other, Decimal | int):
            return True
        return NotImplemented if other is not self else False

    def __ge__(self, other: object) -> bool:
        if isinstance(other, Decimal | int) or other is self:
            return True
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Decimal | int) or other is self:
            return False
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, Decimal | int):
            return False
        return NotImplemented

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _to_infinity,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda _: "inf"),
        )


INFINITY: Final = Infinity()
"""Paigo's `"inf"`: an unlimited usage entitlement or the open upper bound of the last tier."""


def _to_infinity(value: object) -> Infinity:
    if value is INFINITY or value == INFINITY_TEXT:
        return INFINITY
    raise ValueError('expected "inf"')


def parse_decimal(value: object) -> Decimal:
    """Convert a `Decimal`, an `int` or a plain decimal string such as `"0.87"` to a `Decimal`.

    Raises:
        ValueError: for a float, a bool, NaN or an infinity, an exponent string such as `"1e3"`,
            an empty or padded string, or any other type.
    """
    if isinstance(value, bool):
        raise ValueError("a bool is not a number")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        return _short(value)
    if isinstance(value, int):
        return _short(Decimal(value))
    if isinstance(value, float):
        raise ValueError(
            "floats are not accepted because they lose precision; "
            "pass a Decimal, an int or a decimal string such as '0.87'"
        )
    if isinstance(value, str):
        if len(value) > MAX_DECIMAL_LENGTH:
            raise ValueError(f"must be a decimal string of at most {MAX_DECIMAL_LENGTH} characters")
        if not is_plain_decimal(value):
            raise ValueError(
                f"{value!r} is not a plain decimal string such as '0.87' "
                "(optional sign, digits, optional fraction)"
            )
        try:
            return Decimal(value)
        except InvalidOperation as error:  # pragma: no cover - the pattern already excludes these
            raise ValueError(f"{value!r} is not a decimal") from error
    raise ValueError(f"expected a Decimal, an int or a decimal string, not {type(value).__name__}")


def _short(value: Decimal) -> Decimal:
    if len(format(value, "f")) > MAX_DECIMAL_LENGTH:
        raise ValueError(f"must be a decimal of at most {MAX_DECIMAL_LENGTH} characters")
    return value


def _number(value: object) -> Decimal:
    number = parse_decimal(value)
    if abs(number) > MAX_NUMBER:
        raise ValueError(f"must be a finite number not larger than {MAX_NUMBER:f}")
    return number


def _decimal_to_string(value: Decimal) -> str:
    return format(value, "f")


def _bound(value: object) -> Decimal | Infinity:
    if value is INFINITY or value == INFINITY_TEXT:
        return INFINITY
    return parse_decimal(value)


def _entitlement(value: object) -> Decimal | Infinity:
    if value is INFINITY or value == INFINITY_TEXT:
        return INFINITY
    return _number(value)


def _bound_to_string(value: Decimal | Infinity) -> str:
    return "inf" if isinstance(value, Infinity) else format(value, "f")


def _entitlement_to_wire(value: Decimal | Infinity) -> Decimal | str:
    return "inf" if isinstance(value, Infinity) else value


def _entitlement_to_json(value: Decimal | Infinity) -> str:
    return _bound_to_string(value)


DecimalString = Annotated[
    Decimal,
    PlainValidator(parse_decimal),
    PlainSerializer(_decimal_to_string, return_type=str),
    WithJsonSchema({"type": "string", "pattern": f"^{DECIMAL_PATTERN}$"}),
]
"""A number that Paigo carries as a JSON string, e.g. `recordValue` or `consumptionPrice`."""

DecimalNumber = Annotated[
    Decimal,
    PlainValidator(_number),
    PlainSerializer(_decimal_to_string, return_type=str, when_used="json"),
    WithJsonSchema({"type": "number"}),
]
"""A number that Paigo carries as a JSON number, e.g. `subscriptionPrice` or an invoice total.

It stays a `Decimal` in Python dumps, so `to_wire` writes it as a JSON number without a float;
`model_dump_json` writes it as a string because pydantic cannot write a `Decimal` as a number.
"""


def _bounded(
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    *,
    exclusive_minimum: bool = False,
    whole: bool = False,
) -> AfterValidator:
    # The server's range for a field (simulator/api/schemas.py), checked before sending.
    def check(value: Decimal) -> Decimal:
        if minimum is not None:
            if exclusive_minimum and value <= minimum:
                raise ValueError(f"must be greater than {minimum}")
            if not exclusive_minimum and value < minimum:
                raise ValueError(f"must not be less than {minimum}")
        if maximum is not None and value > maximum:
            raise ValueError(f"must not be greater than {maximum}")
        if whole and value != value.to_integral_value():
            raise ValueError("must be a whole number")
        return value

    return AfterValidator(check)


NonNegative: Final = _bounded(Decimal(0))
"""A price or amount that may be zero but not negative."""
Positive: Final = _bounded(Decimal(0), exclusive_minimum=True)
"""An increment, charge or amount that must be above zero."""
PositiveWhole: Final = _bounded(Decimal(1), whole=True)
"""A count such as `freeTrialLength` or `tierPosition`: a whole number from 1."""
Fraction: Final = _bounded(Decimal(0), Decimal(1))
"""A share between 0 and 1, e.g. `topUpThreshold`."""
Percentage: Final = _bounded(Decimal(0), Decimal(100))
"""A percentage between 0 and 100, e.g. a discount."""
Credit: Final = _bounded(Decimal(-1_000_000_000), Decimal(1_000_000_000))
"""A wallet transaction: at most one billion either way."""

UpperBound = Annotated[
    Decimal | Infinity,
    PlainValidator(_bound),
    PlainSerializer(_bound_to_string, return_type=str),
    WithJsonSchema({"type": "string"}),
]
"""A tier's inclusive upper bound: a decimal string or `INFINITY` (`"inf"` on the wire)."""

Entitlement = Annotated[
    Decimal | Infinity,
    PlainValidator(_entitlement),
    PlainSerializer(_entitlement_to_wire, when_used="unless-none"),
    WithJsonSchema({"oneOf": [{"type": "number"}, {"type": "string", "enum": ["inf"]}]}),
]
"""A usage entitlement: a JSON number, or `INFINITY` (`"inf"` on the wire) for unlimited."""


def _bool_string(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value in BOOL_STRINGS:
        return value == "true"
    raise ValueError('expected a bool or the string "true" or "false"')


def _bool_to_string(value: bool) -> str:
    return "true" if value else "false"


BoolString = Annotated[
    bool,
    PlainValidator(_bool_string),
    PlainSerializer(_bool_to_string, return_type=str),
    WithJsonSchema({"type": "string", "enum": list(BOOL_STRINGS)}),
]
"""A flag Paigo carries as the string `"true"` or `"false"`, e.g. `overageAllowed`."""

_E = TypeVar("_E", bound=StrEnum)

OpenEnum = Annotated[_E | str, Field(union_mode="left_to_right")]
"""A reply field with known values: the enum member when known, the raw string otherwise."""


def parse_timestamp(value: object, *, assume_utc: bool = False) -> datetime:
    """Convert a datetime or an RFC 3339 string to an aware datetime.

    Args:
        value: a `datetime` or an RFC 3339 string. Strings sent to Paigo must follow the wire
            grammar (`paigo_sdk._wire`): seconds and an explicit offset, `T` or a space between
            date and time.
        assume_utc: read a naive value as UTC instead of rejecting it, and read any ISO 8601
            string (used for replies only).

    Raises:
        ValueError: for a naive value (unless `assume_utc`), a malformed string, a moment that
            cannot be expressed in UTC, or another type.
    """
    if isinstance(value, str):
        if assume_utc:
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError as error:
                raise ValueError(f"{value!r} is not an RFC 3339 timestamp") from error
        else:
            moment = parse_wire_timestamp(value)
            if moment is None:
                raise ValueError(
                    f"{value!r} is not an RFC 3339 timestamp with a 4-digit year, seconds and an "
                    "explicit offset, e.g. '2026-11-24T08:00:00Z'"
                )
            return moment
    elif isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date) and assume_utc:
        parsed = datetime.combine(value, time())
    else:
        raise ValueError(f"expected a datetime or an RFC 3339 string, not {type(value).__name__}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        if not assume_utc:
            raise ValueError(
                "timestamps must be timezone-aware, "
                "e.g. datetime.now(UTC) or '2026-01-01T00:00:00Z'"
            )
        parsed = parsed.replace(tzinfo=UTC)
    if not assume_utc:
        format_timestamp(parsed)  # refuses a moment that cannot be expressed in UTC
    return parsed


def _read_timestamp(value: object) -> datetime:
    return parse_timestamp(value, assume_utc=True)


Timestamp = Annotated[
    datetime,
    PlainValidator(parse_timestamp),
    PlainSerializer(format_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A timestamp sent to Paigo: must be timezone-aware; written in UTC with milliseconds."""

ReadTimestamp = Annotated[
    datetime,
    PlainValidator(_read_timestamp),
    PlainSerializer(format_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A timestamp read from Paigo; a value without an offset is taken as UTC."""


def _metadata(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"metadata must be a mapping, not {type(value).__name__}")
    if is_small_flat_metadata(value):
        return value
    try:
        text = json.dumps(value, allow_nan=False, default=_decimal_default, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"metadata must be JSON-serialisable: {error}") from error
    if _depth(value) > MAX_METADATA_DEPTH:
        raise ValueError(f"must not be nested more than {MAX_METADATA_DEPTH} levels deep")
    if len(text.encode()) > MAX_METADATA_BYTES:
        raise ValueError(f"must not be larger than {MAX_METADATA_BYTES} bytes of JSON")
    return value


def is_small_flat_metadata(value: dict[Any, Any]) -> bool:
    """Whether a metadata map is a few short scalar pairs: valid without encoding it.

    At most 16 string keys of at most 64 characters, each value `None`, a bool, a string of at
    most 256 characters or an int of at most 18 digits: far below every metadata limit.

    Raises:
        Nothing.
    """
    return len(value) <= 16 and all(
        type(key) is str
        and len(key) <= 64
        and (
            item is None
            or type(item) is bool
            or (type(item) is str and len(item) <= 256)
            or (type(item) is int and -(10**18) < item < 10**18)
        )
        for key, item in value.items()
    )


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list | tuple):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def _decimal_default(value: object) -> object:
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


Metadata = Annotated[
    dict[str, Any],
    PlainValidator(_metadata),
    WithJsonSchema({"type": "object"}),
]
"""A free-form key-value map that must be JSON-serialisable. In updates a `None` value deletes."""


_COMMON: Final = ConfigDict(
    alias_generator=to_camel,
    validate_by_name=True,
    validate_by_alias=True,
    serialize_by_alias=True,
    frozen=True,
    loc_by_alias=False,
)


class PaigoModel(BaseModel):
    """The base of every reply model: camelCase aliases, unknown fields kept, frozen.

    Fields the server sends that the model does not declare are kept and reachable through
    `model_extra` (and attribute access by their wire name).
    """

    model_config = ConfigDict(**_COMMON, extra="allow")


class ParamsModel(BaseModel):
    """The base of every request model: camelCase aliases, unknown fields rejected.

    Strings are checked against Paigo's wire limits before anything is sent: ids (`*_id`) and
    names (`*_name`) are at most 255 characters, other strings at most 2048, none may contain NUL
    characters, and none may be empty unless the field is in `may_be_empty` (wire grammar,
    `paigo_sdk._wire`).
    """

    model_config = ConfigDict(**_COMMON, extra="forbid")
    may_be_empty: ClassVar[frozenset[str]] = frozenset()
    """Fields (snake_case) whose string may be empty, as the server allows."""
    clearable: ClassVar[frozenset[str] | None] = None
    """In an update, the fields (snake_case) that `None` clears; `None` elsewhere is refused.
    Unset (`None`) in models where `None` only means "not given"."""

    @model_validator(mode="after")
    def _check_string_limits(self) -> Self:
        problems: list[str] = []
        values = self.__dict__
        clearable = type(self).clearable
        if clearable is not None:
            problems.extend(
                f"{to_camel(name)} must not be null"
                for name in sorted(self.model_fields_set)
                if values.get(name) is None and name not in clearable
            )
        for name, limit, required in _string_rules(type(self)):
            value = values.get(name)
            if isinstance(value, StrEnum):
                continue  # an enumeration's values are checked by its type ("" may be one)
            if isinstance(value, str):
                _check_string(name, None, value, limit, required, problems)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, str):
                        _check_string(name, index, item, limit, required, problems)
        if problems:
            raise ValueError("; ".join(problems))
        return self


_MAY_BE_EMPTY: Final = frozenset({"customer_vat_id", "stripe_customer_id"})
_NOT_IDS: Final = frozenset({"customer_vat_id"})  # a tax number, not a Paigo id


@functools.cache
def _string_rules(model: type[BaseModel]) -> tuple[tuple[str, int, bool], ...]:
    # (field name, maximum length, must not be empty), computed once per params model.
    rules = []
    for name in model.model_fields:
        is_id = name.endswith(("_id", "_ids")) and name not in _NOT_IDS
        may_be_empty = name in _MAY_BE_EMPTY or name in getattr(model, "may_be_empty", ())
        limit = (
            MAX_ID_LENGTH
            if is_id
            else MAX_NAME_LENGTH
            if name.endswith("_name")
            else MAX_STRING_LENGTH
        )
        rules.append((name, limit, not may_be_empty))
    return tuple(rules)


def _check_string(
    name: str, index: int | None, value: str, limit: int, required: bool, problems: list[str]
) -> None:
    if len(value) <= limit and (value or not required) and "\x00" not in value:
        return
    wire = to_camel(name) if index is None else f"{to_camel(name)}.{index}"
    if not value:
        problems.append(f"{wire} should not be empty")
    elif len(value) > limit:
        problems.append(f"{wire} must be shorter than or equal to {limit} characters")
    else:
        problems.append(f"{wire} must not contain NUL characters")


class MessageResponse(PaigoModel):
    """A reply that carries only Paigo's free-text `message`."""

    message: str | None = None
    """Free text; Paigo documents that its wording may change."""


def to_wire(model: BaseModel) -> Any:
    """Return the JSON value Paigo expects for a request model, ready for `_json.dumps`.

    Only fields that were set are included, so `None` set explicitly becomes `null` (for metadata,
    "delete") while an omitted field stays absent. Decimal strings become plain strings; JSON number
    fields stay `Decimal` so they are written as numbers.

    Raises:
        pydantic_core.PydanticSerializationError: if a field cannot be serialised.
    """
    return model.model_dump(mode="python", by_alias=True, exclude_unset=True)


def dump_json(model: BaseModel) -> str:
    """Serialise a request model to the exact JSON text sent to Paigo.

    Raises:
        pydantic_core.PydanticSerializationError: if a field cannot be serialised.
    """
    return _json.dumps(to_wire(model))
