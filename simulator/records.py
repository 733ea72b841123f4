"""A lossless JSON form of the simulator's inspection records, so a server returns what
`Simulator` returns.

`encode` turns a dataclass record (an `Invoice`, a `UsageRecordView`, a `WebhookDelivery`, a
`RejectedRequest`, ...) into JSON values: field names kept as they are, `Decimal` as its exact
string, `datetime` as ISO 8601 with its offset, tuples as lists. `decode(data, cls)` rebuilds the
same object from the type hints of `cls`, so `RemoteSimulator` hands back the very types the
in-process `Simulator` does, with every field (Paigo's wire views drop some, such as line
amounts and billing periods).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

__all__ = ["RecordDecodeError", "decode", "encode"]

T = TypeVar("T")


class RecordDecodeError(ValueError):
    """A JSON record does not match the type it should be decoded into."""


def encode(value: Any) -> Any:
    """Return `value` (a dataclass record, or a list, dict or plain value) as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(encode(v) for v in value)
    return value


def decode(data: Any, cls: type[T]) -> T:
    """Rebuild a `cls` record from `encode`'s output.

    Raises:
        RecordDecodeError: when `data` does not fit `cls`.
    """
    result: T = _decode(data, cls, cls.__name__)
    return result


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _decode(data: Any, hint: Any, where: str) -> Any:
    if hint is Any or hint is object:
        return data
    origin = get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        options = get_args(hint)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(data, option, where)
            except (RecordDecodeError, TypeError, ValueError):
                continue
        raise RecordDecodeError(f"{where}: {data!r} fits none of {hint}")
    if origin in (list, tuple, set, frozenset):
        if not isinstance(data, list):
            raise RecordDecodeError(f"{where}: expected a list, got {type(data).__name__}")
        args = get_args(hint)
        item = args[0] if args else Any
        items = [_decode(v, item, f"{where}[{i}]") for i, v in enumerate(data)]
        return origin(items) if origin is not list else items
    if origin is dict:
        if not isinstance(data, dict):
            raise RecordDecodeError(f"{where}: expected an object, got {type(data).__name__}")
        args = get_args(hint)
        value_type = args[1] if len(args) == 2 else Any
        return {k: _decode(v, value_type, f"{where}.{k}") for k, v in data.items()}
    if isinstance(hint, type):
        return _decode_type(data, hint, where)
    return data


def _decode_type(data: Any, cls: type, where: str) -> Any:
    if dataclasses.is_dataclass(cls):
        if not isinstance(data, dict):
            raise RecordDecodeError(f"{where}: expected an object, got {type(data).__name__}")
        hints = _hints(cls)
        known = {f.name for f in dataclasses.fields(cls) if f.init}
        unknown = set(data) - known
        if unknown:
            raise RecordDecodeError(f"{where}: unknown fields {sorted(unknown)}")
        values = {name: _decode(v, hints[name], f"{where}.{name}") for name, v in data.items()}
        try:
            return cls(**values)
        except TypeError as exc:
            raise RecordDecodeError(f"{where}: {exc}") from exc
    if cls is Decimal:
        if not isinstance(data, str):
            raise RecordDecodeError(f"{where}: expected a decimal string, got {data!r}")
        return Decimal(data)
    if cls is datetime:
        if not isinstance(data, str):
            raise RecordDecodeError(f"{where}: expected an ISO time, got {data!r}")
        return datetime.fromisoformat(data)
    if cls is bool:
        if not isinstance(data, bool):
            raise RecordDecodeError(f"{where}: expected a boolean, got {data!r}")
        return data
    if cls in (int, str, float):
        if not isinstance(data, cls) or isinstance(data, bool):
            raise RecordDecodeError(f"{where}: expected {cls.__name__}, got {data!r}")
        return data
    return data
