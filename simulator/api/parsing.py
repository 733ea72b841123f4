"""Validate request bodies and query strings strictly, with NestJS-style messages naming each field.

The simulator is strict where Paigo is strict and documents where it had to choose:

- Unknown body fields are rejected (`property X should not exist`), as a NestJS `ValidationPipe`
  with `forbidNonWhitelisted` does. Unknown query parameters are ignored.
- Numeric string fields must be plain decimals (B1): an optional sign, digits, an optional fraction.
  Exponents, `NaN`, `Infinity`, empty strings and JSON numbers are rejected.
- JSON numbers are parsed straight to `Decimal`; no float is ever created.
- Timestamps are RFC 3339 with a 4-digit year, seconds and an explicit offset (`Z` or `+hh:mm`);
  a space may stand for the `T` (the grammar is `simulator.wire`).
- Limits: bodies up to `MAX_BODY_BYTES` (larger ones get 413), ids and names up to `MAX_ID_LENGTH`,
  other strings up to `MAX_STRING_LENGTH`, metadata up to `MAX_METADATA_BYTES` of JSON and
  `MAX_METADATA_DEPTH` levels of nesting, usage batches up to `MAX_BATCH_SIZE` elements.

Validated objects come back as dicts keyed by snake_case names; absent optional fields are absent
(so updates can tell "not sent" from `null`), and metadata is returned exactly as sent.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from simulator.wire import (
    MAX_BATCH_SIZE,
    MAX_BODY_BYTES,
    MAX_DECIMAL_LENGTH,
    MAX_ID_LENGTH,
    MAX_IDEMPOTENCY_KEY_LENGTH,
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    MAX_NUMBER,
    MAX_STRING_LENGTH,
    is_idempotency_key,
    parse_decimal,
    parse_timestamp,
)

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_BODY_BYTES",
    "MAX_DECIMAL_LENGTH",
    "MAX_ID_LENGTH",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_DEPTH",
    "MAX_STRING_LENGTH",
    "Array",
    "BadRequest",
    "Boolean",
    "DecimalString",
    "Entitlement",
    "Enum",
    "Field",
    "Metadata",
    "Number",
    "NumberOrDecimalString",
    "Object",
    "PayloadTooLarge",
    "Schema",
    "String",
    "Timestamp",
    "Union",
    "idempotency_keys",
    "parse_decimal",
    "parse_timestamp",
    "query_value",
    "read_json",
    "validate",
]


class BadRequest(Exception):
    """The request is malformed or fails validation; `messages` name each offending field."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


class PayloadTooLarge(Exception):
    """The request body is larger than `MAX_BODY_BYTES`."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(f"request body of {size} bytes exceeds the limit of {MAX_BODY_BYTES}")


# --------------------------------------------------------------------------- reading the body


def read_json(body: bytes, content_type: str | None) -> Any:
    """Decode a JSON request body; an empty body reads as `{}`, as NestJS's body parser does.

    Raises:
        PayloadTooLarge: when the body exceeds `MAX_BODY_BYTES`.
        BadRequest: for a non-JSON content type, invalid UTF-8 or malformed JSON.
    """
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(len(body))
    if content_type == "application/json" and body[:1] == b"{" and body.isascii():
        # The usual body, an object in ASCII: scanned at once, without the whitespace and
        # encoding steps `JSONDecoder.decode` takes. Anything the scan does not read whole is
        # read again below, so every refusal keeps its message.
        text = body.decode("ascii")
        try:
            value, end = _SCAN(text, 0)
        except (StopIteration, ValueError, RecursionError):
            pass
        else:
            if end == len(text):
                return value
    if not body.strip():
        return {}
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise BadRequest(["Content-Type must be application/json"])
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest([f"request body is not valid UTF-8 (byte {exc.start})"]) from None
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            [f"request body is not valid JSON: {exc.msg} at position {exc.pos}"]
        ) from None
    except (RecursionError, ValueError) as exc:
        raise BadRequest([f"request body is not valid JSON: {exc}"]) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER: Final = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)
# The decoder's own scanner (the C one when available), called directly for the usual body;
# `JSONDecoder.__init__` sets it, and typeshed does not declare it.
_SCAN: Final[Callable[[str, int], tuple[Any, int]]] = _DECODER.scan_once  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- schemas


Converter = Callable[[Any], Any]
"""A schema's fast check: the value `check` would return for a value it accepts, or `_REFUSED`
for a value it refuses (a converter may refuse more than `check` does, never less)."""

_REFUSED: Final = object()


class Schema:
    """One wire type; `check` returns the converted value and appends messages for failures."""

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate `value` found at `path`, returning its converted form.

        Raises:
            NotImplementedError: always, on the base class.
        """
        raise NotImplementedError

    def converter(self) -> Converter | None:
        """Return this schema's fast check (see `Converter`), or None when it has none.

        Built from the same settings as `check`; containers use it to accept the usual values
        without working out paths or messages, and call `check` for any value it refuses, so
        the messages come from `check` alone.
        """
        return None


@dataclass(frozen=True)
class String(Schema):
    """A JSON string, non-empty unless `allow_empty`, at most `max_length` characters."""

    max_length: int = MAX_STRING_LENGTH
    allow_empty: bool = False

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate a string."""
        if not isinstance(value, str):
            errors.append(f"{path} must be a string")
        elif not value and not self.allow_empty:
            errors.append(f"{path} should not be empty")
        elif len(value) > self.max_length:
            errors.append(f"{path} must be shorter than or equal to {self.max_length} characters")
        elif "\x00" in value:
            errors.append(f"{path} must not contain NUL characters")
        return value

    def converter(self) -> Converter:
        """Return the fast check of `check`."""
        max_length, allow_empty = self.max_length, self.allow_empty

        def convert(value: Any) -> Any:
            if (
                type(value) is str
                and (value or allow_empty)
                and len(value) <= max_length
                and "\x00" not in value
            ):
                return value
            return _REFUSED

        return convert


def Id() -> String:
    """A non-empty id string of at most `MAX_ID_LENGTH` characters."""
    return String(max_length=MAX_ID_LENGTH)


@dataclass(frozen=True)
class Enum(Schema):
    """A JSON string drawn from `values`."""

    values: tuple[str, ...]

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate an enum value."""
        if not isinstance(value, str) or value not in self.values:
            errors.append(f"{path} must be one of the following values: {', '.join(self.values)}")
        return value

    def converter(self) -> Converter:
        """Return the fast check of `check`."""
        values = frozenset(self.values)

        def convert(value: Any) -> Any:
            return value if type(value) is str and value in values else _REFUSED

        return convert


@dataclass(frozen=True)
class DecimalString(Schema):
    """A plain decimal carried as a JSON string (B1), converted to `Decimal`.

    `minimum`/`maximum` are inclusive unless `exclusive_minimum` is set; `integer` forbids a
    fraction.
    """

    minimum: Decimal | None = None
    maximum: Decimal | None = None
    exclusive_minimum: bool = False
    integer: bool = False

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate a decimal string."""
        if not isinstance(value, str):
            errors.append(f"{path} must be a string")
            return value
        number = parse_decimal(value)
        if number is None:
            errors.append(
                f'{path} must be a plain decimal string such as "12.5" '
                f"(optional sign, digits, optional fraction; no exponent, NaN or Infinity; "
                f"at most {MAX_DECIMAL_LENGTH} characters)"
            )
            return value
        _check_range(number, self.minimum, self.maximum, self.exclusive_minimum, path, errors)
        if self.integer and number != number.to_integral_value():
            errors.append(f"{path} must be a whole number")
        return number

    def converter(self) -> Converter:
        """Return the fast check of `check`."""
        minimum, maximum = self.minimum, self.maximum
        exclusive, integer = self.exclusive_minimum, self.integer

        def convert(value: Any) -> Any:
            number = parse_decimal(value) if type(value) is str else None
            if number is None:
                return _REFUSED
            if minimum is not None and (number <= minimum if exclusive else number < minimum):
                return _REFUSED
            if maximum is not None and number > maximum:
                return _REFUSED
            if integer and number != number.to_integral_value():
                return _REFUSED
            return number

        return convert


@dataclass(frozen=True)
class Number(Schema):
    """A JSON number (never a string), converted to `Decimal`."""

    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate a JSON number."""
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            errors.append(f"{path} must be a number conforming to the specified constraints")
            return value
        number = Decimal(value)
        if not number.is_finite() or number.copy_abs() > MAX_NUMBER:
            errors.append(f"{path} must be a finite number not larger than {MAX_NUMBER:f}")
            return value
        _check_range(number, self.minimum, self.maximum, False, path, errors)
        return number


@dataclass(frozen=True)
class NumberOrDecimalString(Schema):
    """A JSON number, or the same number as a plain decimal string, converted to `Decimal`.

    For fields the OpenAPI export types as a number while its prose asks for a "number string"
    (`subscriptionPrice`): clients send either form, and neither goes through a float.
    """

    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate a number or a decimal string."""
        if isinstance(value, str):
            return DecimalString(self.minimum, self.maximum).check(value, path, errors)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            errors.append(f"{path} must be a number or a plain decimal string")
            return value
        return Number(self.minimum, self.maximum).check(value, path, errors)


def _check_range(
    number: Decimal,
    minimum: Decimal | None,
    maximum: Decimal | None,
    exclusive_minimum: bool,
    path: str,
    errors: list[str],
) -> None:
    if minimum is not None:
        if exclusive_minimum and number <= minimum:
            errors.append(f"{path} must be greater than {minimum:f}")
        elif not exclusive_minimum and number < minimum:
            errors.append(f"{path} must not be less than {minimum:f}")
    if maximum is not None and number > maximum:
        errors.append(f"{path} must not be greater than {maximum:f}")


@dataclass(frozen=True)
class Entitlement(Schema):
    """`usageEntitlement`: a JSON number >= 0, or the string `"inf"` (returned as-is)."""

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate an entitlement."""
        if value == "inf":
            return "inf"
        if isinstance(value, str):
            errors.append(f'{path} must be a number not less than 0, or the string "inf"')
            return value
        return Number(minimum=Decimal(0)).check(value, path, errors)


@dataclass(frozen=True)
class Boolean(Schema):
    """A JSON boolean."""

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate a boolean."""
        if not isinstance(value, bool):
            errors.append(f"{path} must be a boolean value")
        return value


@dataclass(frozen=True)
class Timestamp(Schema):
    """An RFC 3339 timestamp string, converted to an aware UTC `datetime`."""

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate a timestamp."""
        if not isinstance(value, str):
            errors.append(f"{path} must be a string")
            return value
        moment = parse_timestamp(value)
        if moment is None:
            errors.append(_timestamp_message(path))
        return moment

    def converter(self) -> Converter:
        """Return the fast check of `check`."""

        def convert(value: Any) -> Any:
            moment = parse_timestamp(value) if type(value) is str else None
            return _REFUSED if moment is None else moment

        return convert


def _timestamp_message(path: str) -> str:
    return (
        f"{path} must be an RFC 3339 timestamp with a 4-digit year and an explicit offset, "
        "e.g. 2026-11-24T08:00:00Z"
    )


@dataclass(frozen=True)
class Metadata(Schema):
    """A free-form JSON object, bounded in size and depth, returned exactly as sent."""

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate metadata."""
        if not isinstance(value, dict):
            errors.append(f"{path} must be an object")
            return value
        if _small_and_flat(value):
            return value
        depth = _depth(value)
        if depth > MAX_METADATA_DEPTH:
            errors.append(f"{path} must not be nested more than {MAX_METADATA_DEPTH} levels deep")
            return value
        size = len(json.dumps(value, default=str, separators=(",", ":")).encode("utf-8"))
        if size > MAX_METADATA_BYTES:
            errors.append(f"{path} must not be larger than {MAX_METADATA_BYTES} bytes of JSON")
        return value

    def converter(self) -> Converter:
        """Return the fast check of `check`: small flat metadata only."""

        def convert(value: Any) -> Any:
            return value if type(value) is dict and _small_and_flat(value) else _REFUSED

        return convert


def _small_and_flat(value: dict[Any, Any]) -> bool:
    # Fast path for the common case: a few short scalar pairs are far below both limits.
    if len(value) > 16:
        return False
    for k, v in value.items():
        if len(k) > 64:
            return False
        if v is None:
            continue
        if isinstance(v, int):
            if not -(10**18) < v < 10**18:
                return False
        elif not (isinstance(v, str | Decimal) and len(str(v)) <= 256):
            return False
    return True


def _depth(value: Any, limit: int = MAX_METADATA_DEPTH + 1) -> int:
    # Stops descending past `limit`, so hostile nesting cannot exhaust the stack.
    if limit <= 0 or not isinstance(value, dict | list):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(v, limit - 1) for v in children), default=0)


@dataclass(frozen=True)
class Array(Schema):
    """A JSON array of `item`, with at most `max_items` elements."""

    item: Schema
    max_items: int = 1000
    min_items: int = 0
    _item_converter: Converter | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_item_converter", self.item.converter())

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate an array and each element."""
        if not isinstance(value, list):
            errors.append(f"{path or 'request body'} must be an array")
            return value
        name = path or "request body"
        if len(value) > self.max_items:
            errors.append(f"{name} must contain no more than {self.max_items} elements")
            return value
        if len(value) < self.min_items:
            errors.append(f"{name} must contain at least {self.min_items} elements")
        prefix = f"{path}." if path else ""
        convert = self._item_converter
        if convert is None:
            return [self.item.check(v, f"{prefix}{i}", errors) for i, v in enumerate(value)]
        # Elements the fast check accepts need no path; any other is checked in full, which
        # says what is wrong with it.
        result = [convert(v) for v in value]
        for i, converted in enumerate(result):
            if converted is _REFUSED:
                result[i] = self.item.check(value[i], f"{prefix}{i}", errors)
        return result


@dataclass(frozen=True)
class Field:
    """One property of an `Object`: its schema, whether it is required, whether null is allowed."""

    schema: Schema
    required: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class Object(Schema):
    """A JSON object with known properties; unknown ones are rejected unless `extra` is set.

    The result maps each property's snake_case name to its converted value. With
    `null_is_absent`, `null` in an optional property that is not `nullable` means "not given"
    (NestJS's `@IsOptional()` skips `null` as well as a missing property); without it, such a
    `null` is refused. A `nullable` property keeps its `null` (an update's "clear").
    """

    fields: Mapping[str, Field]
    extra: bool = False
    null_is_absent: bool = False
    check_after: Callable[[dict[str, Any], str, list[str]], None] | None = field(
        default=None, compare=False
    )
    _table: tuple[tuple[str, str, Field], ...] = field(
        init=False, repr=False, compare=False, default=()
    )
    _names: frozenset[str] = field(init=False, repr=False, compare=False, default=frozenset())
    _converter: Converter | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        # Each property's wire name, result name and spec, worked out once: wire batches check
        # the same shape thousands of times per request.
        table = tuple((name, snake(name), spec) for name, spec in self.fields.items())
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_names", frozenset(self.fields))
        object.__setattr__(self, "_converter", self._build_converter())

    def converter(self) -> Converter | None:
        """Return the fast check of `check`, when every property's schema has one."""
        return self._converter

    def _build_converter(self) -> Converter | None:
        if self.check_after is not None:
            return None
        # The rules of `check`, in the same order, without paths or messages, written out as
        # one function per schema (as dataclasses writes `__init__`): a loop over the
        # properties costs a quarter more per object, and wire batches check thousands.
        names: dict[str, Any] = {"REFUSED": _REFUSED, "known": self._names}
        lines = ["def convert(value):"]
        if self.extra:
            lines += ["    if type(value) is not dict:", "        return REFUSED"]
        else:
            lines += [
                "    if type(value) is not dict or not known.issuperset(value):",
                "        return REFUSED",
            ]
        lines += ["    get = value.get", "    result = {}"]
        for index, (name, key, spec) in enumerate(self._table):
            convert_property = spec.schema.converter()
            if convert_property is None:
                return None
            names[f"convert_{index}"] = convert_property
            if spec.nullable:
                if_null = f"result[{key!r}] = None"
            elif spec.required or not self.null_is_absent:
                if_null = "return REFUSED"
            else:
                if_null = "pass  # null means absent"
            lines += [
                f"    item = get({name!r})",
                "    if item is None:",
                f"        if {name!r} not in value:",
                f"            {'return REFUSED' if spec.required else 'pass'}",
                "        else:",
                f"            {if_null}",
                "    else:",
                f"        item = convert_{index}(item)",
                "        if item is REFUSED:",
                "            return REFUSED",
                f"        result[{key!r}] = item",
            ]
        lines.append("    return result")
        exec("\n".join(lines), names)  # the text is built above from the schema alone
        convert: Converter = names["convert"]
        return convert

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate an object and each of its properties."""
        if self._converter is not None:
            converted = self._converter(value)
            if converted is not _REFUSED:
                return converted
        return self._check_in_full(value, path, errors)

    def _check_in_full(self, value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, dict):
            errors.append(f"{path} must be an object" if path else "request body must be an object")
            return value
        prefix = f"{path}." if path else ""
        result: dict[str, Any] = {}
        if not self.extra and not self._names.issuperset(value):
            errors.extend(
                f"property {prefix}{name} should not exist"
                for name in value
                if name not in self._names
            )
        before = len(errors)
        for name, key, spec in self._table:
            item = value.get(name, _ABSENT)
            if item is _ABSENT:
                if spec.required:
                    errors.append(f"{prefix}{name} should not be empty")
                continue
            if item is None:
                if spec.nullable:
                    result[key] = None
                elif spec.required:
                    errors.append(f"{prefix}{name} should not be empty")
                elif not self.null_is_absent:
                    errors.append(f"{prefix}{name} must not be null")
                continue
            result[key] = spec.schema.check(item, prefix + name, errors)
        if self.check_after is not None and len(errors) == before:
            self.check_after(result, path, errors)
        return result


_ABSENT: Final = object()


@dataclass(frozen=True)
class Union(Schema):
    """One of several object shapes, chosen by the value of a discriminating property."""

    key: str
    shapes: Mapping[str, Schema]

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """Validate against the shape named by `value[key]`."""
        if not isinstance(value, dict):
            errors.append(f"{path} must be an object")
            return value
        where = f"{path}.{self.key}" if path else self.key
        kind = value.get(self.key)
        shape = self.shapes.get(kind) if isinstance(kind, str) else None
        if shape is None:
            errors.append(f"{where} must be one of the following values: {', '.join(self.shapes)}")
            return value
        return shape.check(value, path, errors)


_WORD_RE: Final = re.compile(r"(.)([A-Z][a-z]+)")
_CAMEL_RE: Final = re.compile(r"([a-z0-9])([A-Z])")


@functools.lru_cache(maxsize=1024)
def snake(name: str) -> str:
    """Return the snake_case name of a camelCase wire name (`tierPosition` -> `tier_position`)."""
    return _CAMEL_RE.sub(r"\1_\2", _WORD_RE.sub(r"\1_\2", name)).lower()


# --------------------------------------------------------------------------- entry points


def validate(value: Any, schema: Schema, path: str = "") -> Any:
    """Validate a decoded body against `schema` and return the converted value.

    Raises:
        BadRequest: with one message per failure.
    """
    errors: list[str] = []
    result = schema.check(value, path, errors)
    if errors:
        raise BadRequest(list(dict.fromkeys(errors)))
    return result


def query_value(query: Iterable[tuple[str, str]], name: str, schema: Schema | None = None) -> Any:
    """Return the converted value of query parameter `name`, or None when absent.

    Raises:
        BadRequest: when the parameter is repeated or fails `schema`.
    """
    if not query:  # no query at all: the usual case
        return None
    values = [v for k, v in query if k == name]
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest([f"{name} must be given at most once"])
    if schema is None:
        return values[0]
    return validate(values[0], schema, name)


def idempotency_keys(header: str | None, *, count: int | None = None) -> list[str] | None:
    """Split and check an `Idempotency-Key` header: one key, or `count` comma-separated keys.

    Each key is 1 to 255 printable ASCII characters without spaces or commas.

    Raises:
        BadRequest: when a key is malformed or the number of keys is wrong.
    """
    if header is None:
        return None
    keys = [k.strip() for k in header.split(",")] if count is not None else [header]
    for i, key in enumerate(keys):
        if not is_idempotency_key(key):
            where = "Idempotency-Key" if count is None else f"Idempotency-Key {i}"
            raise BadRequest(
                [
                    f"{where} must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters "
                    "without spaces or commas"
                ]
            )
    if count is not None and len(keys) != count:
        raise BadRequest(
            [
                f"Idempotency-Key must hold exactly one key per element "
                f"({len(keys)} keys, {count} elements)"
            ]
        )
    return keys
