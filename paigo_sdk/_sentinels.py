"""Tell "argument not given" apart from an explicit `None`."""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven:
    """The type of `NOT_GIVEN`: a falsy marker for arguments the caller left out.

    Update methods use it so that `None` can keep its wire meaning ("send null", which for metadata
    deletes keys) while an omitted argument leaves the field unchanged.
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
"""The marker for an argument the caller did not give."""
