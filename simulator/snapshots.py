"""Snapshots of a whole simulator (state and clock), in memory and in versioned files.

A `Snapshot` holds the engine's state as pickle bytes (so it is immutable, cheap to take and can
be restored any number of times) and the manual clock's time when it was taken.

File format, version 1 (`FORMAT_VERSION`):

1. one line of UTF-8 JSON, ending in `\\n`: `{"format": "paigo-simulator-state", "version": 1,
   "now": "<RFC 3339 time or null>", "payloadBytes": <int>, "sha256": "<hex digest of the
   payload>"}`;
2. the payload: `payloadBytes` bytes of a pickled engine state (Python's pickle, protocol 5).

A file is only ever read back by the simulator that wrote it (or a later one): loading one with a
newer version, a wrong digest or a truncated payload raises `SnapshotFileError`, never an empty
state. Pickle runs code while loading, so load only files you wrote yourself (as for any local
database file). Files are written atomically: to a temporary file in the same directory, flushed
to disk, then renamed over the target.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

__all__ = ["FILE_FORMAT", "FORMAT_VERSION", "Snapshot", "SnapshotFileError"]

FILE_FORMAT: Final = "paigo-simulator-state"
"""The `format` value of every snapshot file's header."""
FORMAT_VERSION: Final = 1
"""The file format version this simulator writes and the newest it reads."""
_MAX_HEADER: Final = 4096


class SnapshotFileError(ValueError):
    """A snapshot file cannot be loaded: missing, corrupt, truncated, or from a newer simulator."""


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The whole Paigo state of a simulator and its manual clock's time, for `restore()`."""

    state: bytes
    """The engine state, pickled (`Engine.export_state`)."""
    now: datetime | None
    """The manual clock's time when taken; None for a simulator on the system clock."""

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write this snapshot to `path` atomically and return the path.

        Raises:
            OSError: when the file cannot be written (the previous file, if any, is untouched).
        """
        target = Path(path)
        header = {
            "format": FILE_FORMAT,
            "version": FORMAT_VERSION,
            "now": None if self.now is None else self.now.isoformat(),
            "payloadBytes": len(self.state),
            "sha256": hashlib.sha256(self.state).hexdigest(),
        }
        line = json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n"
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(line)
                handle.write(self.state)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Snapshot:
        """Read a snapshot file written by `save`.

        Raises:
            SnapshotFileError: when the file is missing, not a snapshot file, corrupt, truncated
                or written by a newer simulator (its version is named).
        """
        source = Path(path)
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise SnapshotFileError(f"cannot read the snapshot file {source}: {exc}") from exc
        newline = data.find(b"\n", 0, _MAX_HEADER)
        header = _header(source, data[:newline] if newline >= 0 else b"")
        payload = data[newline + 1 :]
        if len(payload) != header["payloadBytes"]:
            raise SnapshotFileError(
                f"{source} is truncated or corrupt: its header announces "
                f"{header['payloadBytes']} bytes of state, the file holds {len(payload)}"
            )
        if hashlib.sha256(payload).hexdigest() != header["sha256"]:
            raise SnapshotFileError(f"{source} is corrupt: its state does not match its digest")
        now = header["now"]
        return cls(state=payload, now=None if now is None else datetime.fromisoformat(str(now)))

    def __repr__(self) -> str:
        moment = "system clock" if self.now is None else self.now.isoformat()
        return f"Snapshot({len(self.state)} bytes, at {moment})"


def _header(source: Path, line: bytes) -> dict[str, object]:
    try:
        header = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FILE_FORMAT:
        raise SnapshotFileError(f"{source} is not a Paigo simulator state file")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SnapshotFileError(f"{source} has no valid format version")
    if version > FORMAT_VERSION:
        raise SnapshotFileError(
            f"{source} was written in state format version {version}; this simulator reads "
            f"versions up to {FORMAT_VERSION}: upgrade paigo-sdk to load it"
        )
    size, digest, now = header.get("payloadBytes"), header.get("sha256"), header.get("now")
    if not isinstance(size, int) or not isinstance(digest, str):
        raise SnapshotFileError(f"{source} has a malformed header")
    if now is not None:
        try:
            moment = datetime.fromisoformat(str(now))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise SnapshotFileError(f"{source} has a malformed clock time: {now!r}")
    return header
