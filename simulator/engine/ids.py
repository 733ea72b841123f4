"""Seeded identifier factory, so that `Simulator(seed=...)` yields the same UUIDs on every run."""

from __future__ import annotations

import random
import uuid

__all__ = ["IdFactory"]


class IdFactory:
    """Make version-4-shaped UUID strings from a private random generator.

    With a seed the sequence is reproducible; without one it is seeded from the operating system.
    The generator's state is part of the engine snapshot, so a restore replays the same ids.
    """

    __slots__ = ("_random",)

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def uuid(self) -> str:
        """Return a new random UUID string."""
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def token(self, nbytes: int = 16) -> str:
        """Return a new random hex string of `nbytes` bytes (payment intents, charges, secrets)."""
        return self._random.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()
