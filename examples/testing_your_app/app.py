"""A tiny SaaS service that meters its work: thumbnails made, billed per thousand megapixels.

The application knows nothing of the simulator. It is given a `PaigoClient` (pointed at Paigo in
production, at the simulator in tests) and reports usage through a batcher, off its hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from paigo_sdk import PaigoClient
from paigo_sdk.batching import UsageBatcher


@dataclass(frozen=True)
class Thumbnail:
    """A resized image."""

    width: int
    height: int


class ThumbnailService:
    """Make thumbnails and meter the megapixels processed for each customer."""

    def __init__(self, client: PaigoClient, *, megapixels_dimension_id: str) -> None:
        self._dimension_id = megapixels_dimension_id
        self._usage: UsageBatcher = client.usage.batcher(flush_interval=0.1)

    def make_thumbnail(self, customer_id: str, width: int, height: int) -> Thumbnail:
        """Shrink an image to fit 256 x 256 and record the megapixels read."""
        scale = min(Decimal(1), Decimal(256) / max(width, height))
        megapixels = Decimal(width * height) / Decimal(1_000_000)
        self._usage.add(customer_id, self._dimension_id, megapixels)
        return Thumbnail(int(width * scale), int(height * scale))

    def close(self) -> None:
        """Deliver every recorded usage record before the service stops."""
        report = self._usage.close(timeout=30)
        if not report.complete:
            raise RuntimeError(f"usage not fully delivered: {report}")
