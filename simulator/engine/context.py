"""The context every rule runs in: the state, the moment of the call, options and the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.engine.state import EngineOptions, State, WebhookDelivery

__all__ = ["Ctx"]


@dataclass(slots=True)
class Ctx:
    """One engine call: `now` is read once from the clock so every rule sees the same instant."""

    state: State
    now: datetime
    options: EngineOptions
    outbox: list[WebhookDelivery] = field(default_factory=list)
    """Deliveries created during the call; dispatched after the engine lock is released (B15)."""
    followups: dict[Any, Any] = field(default_factory=dict)
    """Work shared by usage records: per (customer, dimension) follow-ups (B6, B11) and
    entitlement running quantities; cleared by every call that is not a usage record."""
    late: list[tuple[str, str, datetime]] = field(default_factory=list)
    """(customer id, dimension id, timestamp) of records stored for an invoiced period (B9);
    reported to the engine's late-record listeners after the call."""
