"""Helpers that more than one operations module needs."""

from __future__ import annotations

from typing import Any

from simulator.engine.errors import Invalid
from simulator.engine.state import (
    Unset,
)

Metadata = dict[str, Any]


def given(**fields: Any) -> dict[str, Any]:
    """Keep the arguments an update actually sent."""
    return {k: v for k, v in fields.items() if not isinstance(v, Unset)}


def raise_if(errors: list[str]) -> None:
    """Raise `Invalid` with every message when a rule was broken (before any state changes)."""
    if errors:
        raise Invalid(errors)
