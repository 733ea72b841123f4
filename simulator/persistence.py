"""Keep a simulator's state in a file across restarts (`paigo-simulator serve --state-file`).

`StateFile.load_into` restores a file written earlier (state and manual clock time); `StateFile`
then writes the file again, atomically (`simulator.snapshots`), whenever the simulator changed
(`Simulator.revision` moved) at most every `interval` seconds, and once more on `close()`.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from simulator.clock import ManualClock
from simulator.simulator import Simulator
from simulator.snapshots import Snapshot

__all__ = ["DEFAULT_INTERVAL", "StateFile", "clock_for"]

DEFAULT_INTERVAL = 1.0
"""Seconds between checks for changes to write."""

logger = logging.getLogger("simulator")


class StateFile:
    """Write `simulator`'s state to `path` after changes, from a background thread.

    Raises:
        ValueError: when `interval` is not positive.
    """

    def __init__(
        self,
        simulator: Simulator,
        path: str | os.PathLike[str],
        *,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        if not interval > 0:
            raise ValueError("the state file interval must be a positive number of seconds")
        self.simulator = simulator
        self.path = Path(path)
        self.interval = interval
        self._saved: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def read(path: str | os.PathLike[str]) -> Snapshot | None:
        """Return the snapshot in `path`, or None when there is no file yet.

        Raises:
            simulator.snapshots.SnapshotFileError: when the file exists but cannot be loaded
                (corrupt, truncated, or written by a newer simulator).
        """
        if not Path(path).exists():
            return None
        return Snapshot.load(path)

    def start(self) -> StateFile:
        """Write the current state once, then keep writing it after changes; return self.

        Raises:
            OSError: when the first write fails (for example, the directory does not exist).
        """
        self.save()
        self._thread = threading.Thread(
            target=self._run, name="paigo-simulator-state-file", daemon=True
        )
        self._thread.start()
        return self

    def save(self) -> bool:
        """Write the state now if it changed since the last write; tell whether it wrote.

        Raises:
            OSError: when the file cannot be written (the previous file stays intact).
        """
        with self._lock:
            revision = self.simulator.revision
            if revision == self._saved:
                return False
            self.simulator.save(self.path)
            self._saved = revision
            return True

    def close(self) -> None:
        """Stop the background writer and write the final state.

        Raises:
            OSError: when the final write fails.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.save()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.save()
            except OSError:
                # Keep serving: the previous file is intact, and the next change retries.
                logger.exception("could not write the state file %s", self.path)

    def __repr__(self) -> str:
        return f"StateFile({str(self.path)!r}, interval={self.interval})"


def clock_for(snapshot: Snapshot | None, fallback: ManualClock | None) -> ManualClock | None:
    """The manual clock a restarted server runs on: the file's time wins over `--start`."""
    if snapshot is not None and snapshot.now is not None:
        return ManualClock(snapshot.now)
    return fallback
