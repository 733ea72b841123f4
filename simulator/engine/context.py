"""The context every rule runs in: the state, the moment of the call, options and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.engine.state import EngineOptions, State, WebhookDelivery

__all__ = ["Ctx"]


class Ctx:
    """One engine call: `now` is read once from the clock so every rule sees the same instant.

    A plain class with slots: one is made for every engine call, usage records included.
    """

    __slots__ = ("followups", "late", "now", "options", "outbox", "state")

    def __init__(
        self,
        state: State,
        now: datetime,
        options: EngineOptions,
        followups: dict[Any, Any] | None = None,
    ) -> None:
        self.state = state
        self.now = now
        self.options = options
        self.outbox: list[WebhookDelivery] = []
        """Deliveries created during the call; dispatched after the engine lock is released
        (B15)."""
        self.followups: dict[Any, Any] = {} if followups is None else followups
        """Work shared by usage records: per (customer, dimension) follow-ups (B6, B11) and
        entitlement running quantities; cleared by every call that is not a usage record."""
        self.late: list[tuple[str, str, datetime]] = []
        """(customer id, dimension id, timestamp) of records stored for an invoiced period
        (B9); reported to the engine's late-record listeners after the call."""

    def __repr__(self) -> str:
        return f"Ctx(now={self.now!r})"
