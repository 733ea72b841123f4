"""Usage records in a compact columnar store, idempotency keys and per-hour rollups (B2)."""

from __future__ import annotations

__all__ = ["UsageStore"]


class UsageStore:
    """Every stored usage record, per (customer, dimension), with hourly rollups kept at ingest."""
