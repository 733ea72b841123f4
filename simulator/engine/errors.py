"""Domain errors raised by the engine; they carry domain fields only, never HTTP status codes."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Conflict", "EngineError", "Invalid", "NotFound"]


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class NotFound(EngineError):
    """A referenced entity does not exist.

    `kind` is one of "dimension", "offering", "measurement", "customer", "invoice", "webhook".
    """

    def __init__(self, kind: str, id: str) -> None:
        self.kind = kind
        self.id = id
        super().__init__(f"{kind} {id!r} not found")


class Conflict(EngineError):
    """An entity cannot be deleted because others still refer to it.

    `Conflict("dimension", offering_ids)` and `Conflict("offering", customer_ids)`.
    """

    def __init__(self, kind: str, ids: Iterable[str]) -> None:
        self.kind = kind
        self.ids: tuple[str, ...] = tuple(ids)
        super().__init__(f"{kind} is still referenced by {', '.join(self.ids)}")


class Invalid(EngineError):
    """A request breaks a business rule; each message names the wire field in camelCase."""

    def __init__(self, messages: Iterable[str] | str) -> None:
        self.messages: list[str] = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))
