"""Encode and decode JSON without ever turning money into a float."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "loads"]

_encode_string = json.JSONEncoder(ensure_ascii=False).encode


def loads(text: str | bytes) -> Any:
    """Parse JSON, reading every number with a fraction or exponent as a `Decimal`.

    The same as `json.loads(text, parse_float=Decimal)`, with one decoder built once instead of
    one per call, and without Python's extensions: `NaN`, `Infinity` and `-Infinity` are not
    JSON, and no float ever comes out.

    Raises:
        ValueError: when the text is not JSON (`json.JSONDecodeError` is a `ValueError`).
        RecursionError: when it is nested deeper than the interpreter's recursion limit.
        TypeError: when `text` is neither text nor bytes.
    """
    if isinstance(text, str):
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    elif isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    else:
        raise TypeError(
            f"the JSON object must be str, bytes or bytearray, not {type(text).__name__}"
        )
    return _decode(text)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_decode = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant).decode


def dumps(value: Any) -> str:
    """Serialise JSON compactly, writing `Decimal` values as plain JSON numbers.

    `format(d, "f")` is used, so a `Decimal` never comes out in exponent form, and no float is ever
    created. Strings that carry numbers (most of Paigo's money fields) are ordinary strings here;
    the models decide which fields are numbers and which are strings.

    Raises:
        TypeError: for a value JSON cannot represent.
        ValueError: for a non-finite `Decimal` or float.
    """
    try:
        # The C encoder handles the common case (no Decimal anywhere) much faster.
        return _fast_encode(value)
    except (TypeError, ValueError):
        pass
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts)


def _refuse(value: object) -> object:
    raise TypeError(f"{type(value).__name__} needs the exact encoder")


_fast_encode = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_refuse
).encode


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write the non-finite number {value!r} as JSON")
        out.append(format(value, "f"))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        # Floats only reach here from free-form metadata; money is always Decimal.
        out.append(json.dumps(value, allow_nan=False))
    elif isinstance(value, Mapping):
        out.append("{")
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            if not first:
                out.append(",")
            first = False
            out.append(_encode_string(key))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} values cannot be written as JSON")
