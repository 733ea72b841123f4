"""The error every what-if input problem raises."""

from __future__ import annotations

__all__ = ["WhatIfInputError"]


class WhatIfInputError(ValueError):
    """An input file, catalog, enrollment or usage record cannot be priced; the message says why.

    Nothing is priced when this is raised.
    """
