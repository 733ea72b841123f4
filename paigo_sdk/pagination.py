"""The list type list methods return: a list today, with room to grow into pagination.

Paigo v1.10 answers every list route with the whole collection in one reply. `SyncPage` and
`AsyncPage` are `list` subclasses, so iteration, `len`, indexing, slicing and comparison with a
plain list all work, and code written against them keeps working if Paigo starts paging:
`auto_paging_iter()` is the way to walk every item across pages, as in openai-python and
stripe-python, and `has_next_page()` says whether another page exists (never, today).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

__all__ = ["AsyncPage", "SyncPage"]

T = TypeVar("T")


class SyncPage(list[T]):
    """The items of one list call of `PaigoClient` (all of them: Paigo does not page yet)."""

    def has_next_page(self) -> bool:
        """Whether another page of items exists; False while Paigo answers lists whole.

        Raises:
            Nothing.
        """
        return False

    def auto_paging_iter(self) -> Iterator[T]:
        """Iterate over every item, fetching later pages as needed (none exist today).

        Raises:
            Nothing today; once Paigo pages, what the list method raises for a later page.
        """
        yield from self

    def __repr__(self) -> str:
        return f"SyncPage({list.__repr__(self)})"


class AsyncPage(list[T]):
    """The items of one list call of `AsyncPaigoClient` (all of them: Paigo does not page yet).

    Besides the list operations, `async for item in page` walks every item across pages.
    """

    def has_next_page(self) -> bool:
        """Whether another page of items exists; False while Paigo answers lists whole.

        Raises:
            Nothing.
        """
        return False

    async def auto_paging_iter(self) -> AsyncIterator[T]:
        """Iterate over every item, fetching later pages as needed (none exist today).

        Raises:
            Nothing today; once Paigo pages, what the list method raises for a later page.
        """
        for item in list.__iter__(self):
            yield item

    def __aiter__(self) -> AsyncIterator[T]:
        return self.auto_paging_iter()

    def __repr__(self) -> str:
        return f"AsyncPage({list.__repr__(self)})"
