"""The parity kit: run one test module against the simulator and a real Paigo account, and compare.

- `ParityTarget` (the `paigo_target` fixture of the pytest plugin): an SDK client for either side
  and `check(name, reply)`, which stores a masked snapshot and compares shapes.
- `mask` hides ids, secrets, timestamps, emails and URLs; `shape_of` reduces a reply to its keys,
  types and enumeration values; `compare_shapes` lists where two shapes differ.
- `SnapshotStore` keeps the snapshots on disk, one folder per side.

See docs/simulator/parity.md.
"""

from __future__ import annotations

from simulator.parity.masking import mask
from simulator.parity.shapes import (
    ShapeDifference,
    compare_shapes,
    enum_fields,
    format_differences,
    shape_of,
)
from simulator.parity.store import SnapshotStore
from simulator.parity.target import (
    CREDENTIALS,
    ParityTarget,
    ShapeMismatch,
    TargetName,
    live_skip_reason,
    reply_body,
)

__all__ = [
    "CREDENTIALS",
    "ParityTarget",
    "ShapeDifference",
    "ShapeMismatch",
    "SnapshotStore",
    "TargetName",
    "compare_shapes",
    "enum_fields",
    "format_differences",
    "live_skip_reason",
    "mask",
    "reply_body",
    "shape_of",
]
