"""The shape of a reply (its keys, value types and enumeration values) and how two shapes differ.

A shape is a JSON value itself, so it can be printed and stored: an object becomes a dict of its
keys' shapes, an array a one-element list holding the merged shape of its items (`[]` when it is
empty), and a scalar the name of its type: `string`, `number`, `boolean` or `null`. A string
under a key whose type is one of Paigo's enumerations in the SDK's wire models (`ENUM_FIELDS`:
`invoiceStatus`, `billingCycle`, ...) keeps its value, as `enum:Paid`. Items of one array with
different types merge into a union such as `null|string`.
"""

from __future__ import annotations

import enum
import inspect
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

__all__ = ["ShapeDifference", "compare_shapes", "enum_fields", "format_differences", "shape_of"]


@cache
def enum_fields() -> frozenset[str]:
    """Return the wire names of every field the SDK's reply models type as a Paigo enumeration."""
    from pydantic import BaseModel

    import paigo_sdk.types as types

    names: set[str] = set()
    for _, model in inspect.getmembers(types, inspect.isclass):
        if not issubclass(model, BaseModel):
            continue
        for name, info in model.model_fields.items():
            if _has_enum(info.annotation):
                names.add(info.alias or name)
    return frozenset(names)


def _has_enum(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return True
    return any(_has_enum(arg) for arg in typing.get_args(annotation))


def shape_of(value: Any, *, key: str | None = None) -> Any:
    """Return the shape of a JSON-like value (see the module's description).

    Raises:
        TypeError: for a value that is not JSON-like.
    """
    if isinstance(value, Mapping):
        return {str(k): shape_of(v, key=str(k)) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        if not value:
            return []
        merged = shape_of(value[0], key=key)
        for item in value[1:]:
            merged = _merge(merged, shape_of(item, key=key))
        return [merged]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return f"enum:{value}" if key is not None and key in enum_fields() else "string"
    raise TypeError(f"a {type(value).__name__} has no JSON shape")


def _kinds(shape: Any) -> set[str]:
    if isinstance(shape, dict):
        return {"object"}
    if isinstance(shape, list):
        return {"array"}
    return set(str(shape).split("|"))


def _merge(a: Any, b: Any) -> Any:
    if a == b:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {
            k: _merge(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k))
            for k in sorted(a.keys() | b.keys())
        }
    if isinstance(a, list) and isinstance(b, list):
        if not a or not b:
            return a or b
        return [_merge(a[0], b[0])]
    return "|".join(sorted(_kinds(a) | _kinds(b)))


@dataclass(frozen=True, slots=True)
class ShapeDifference:
    """One place where two shapes differ: `path` (`data[].invoiceStatus`) and both sides."""

    path: str
    expected: str
    """The expected side's shape there, or `(absent)`."""
    actual: str
    """The actual side's shape there, or `(absent)`."""

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected}, got {self.actual}"


_ABSENT = "(absent)"


def compare_shapes(expected: Any, actual: Any, *, path: str = "$") -> list[ShapeDifference]:
    """Return every difference between two shapes, in key order (empty when they agree).

    Keys missing on either side, different types and different enumeration values are
    differences. An empty array agrees with any array, since it shows no item to compare.
    """
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[ShapeDifference] = []
        for k in sorted(expected.keys() | actual.keys()):
            where = f"{path}.{k}"
            if k not in actual:
                found.append(ShapeDifference(where, _describe(expected[k]), _ABSENT))
            elif k not in expected:
                found.append(ShapeDifference(where, _ABSENT, _describe(actual[k])))
            else:
                found += compare_shapes(expected[k], actual[k], path=where)
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if not expected or not actual:
            return []
        return compare_shapes(expected[0], actual[0], path=f"{path}[]")
    if expected == actual:
        return []
    return [ShapeDifference(path, _describe(expected), _describe(actual))]


def _describe(shape: Any) -> str:
    if isinstance(shape, dict):
        keys = ", ".join(sorted(shape))
        return f"object {{{keys}}}" if keys else "object {}"
    if isinstance(shape, list):
        return f"array of {_describe(shape[0])}" if shape else "empty array"
    return str(shape)


def format_differences(differences: list[ShapeDifference], *, expected: str, actual: str) -> str:
    """Return a readable report: one line per difference, naming the two sides."""
    lines = [f"{len(differences)} shape difference(s), {expected} (expected) vs {actual} (actual):"]
    lines += [
        f"  {d.path}: {expected} has {d.expected}; {actual} has {d.actual}" for d in differences
    ]
    return "\n".join(lines)
