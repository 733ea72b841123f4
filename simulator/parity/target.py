"""A parity target: an SDK client for the simulator or for a real Paigo account, and its checks.

`ParityTarget.check(name, reply)` masks the reply, stores it as this target's snapshot, and
compares its shape with the other target's stored snapshot of the same name, failing the test
with a readable list of differences. Run the suite with credentials once to record the real
service's snapshots; every run without them (CI included) then checks the simulator against them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from simulator.parity.masking import mask
from simulator.parity.shapes import ShapeDifference, compare_shapes, format_differences, shape_of
from simulator.parity.store import SnapshotStore

if TYPE_CHECKING:
    from paigo_sdk import PaigoClient
    from simulator.interface import PaigoSimulator

__all__ = [
    "CREDENTIALS",
    "ParityTarget",
    "ShapeMismatch",
    "TargetName",
    "live_skip_reason",
    "reply_body",
]

TargetName = Literal["simulator", "live"]
"""The two sides of a parity check."""
CREDENTIALS: Final = ("PAIGO_CLIENT_ID", "PAIGO_CLIENT_SECRET")
"""The environment variables a live run needs (the SDK reads them, with PAIGO_API_URL and
PAIGO_AUTH_URL for another environment than production)."""
_FALSE = frozenset({"", "0", "false", "no", "off"})


def live_skip_reason(environ: Mapping[str, str] | None = None) -> str | None:
    """Return why a live test cannot run here, or None when it can.

    It cannot in CI (`CI` set to anything but an empty, `0` or `false` value), nor without
    both `PAIGO_CLIENT_ID` and `PAIGO_CLIENT_SECRET`.
    """
    env = os.environ if environ is None else environ
    if env.get("CI", "").strip().lower() not in _FALSE:
        return "live Paigo tests do not run in CI (the CI variable is set)"
    missing = [name for name in CREDENTIALS if not env.get(name)]
    if missing:
        return (
            f"needs a Paigo account: set {' and '.join(missing)} (and PAIGO_API_URL / "
            "PAIGO_AUTH_URL for an environment other than production) to run it against Paigo"
        )
    return None


class ShapeMismatch(AssertionError):
    """A reply's shape differs from the other target's snapshot; `differences` lists where."""

    def __init__(self, message: str, differences: list[ShapeDifference]) -> None:
        super().__init__(message)
        self.differences = differences


def reply_body(reply: Any) -> Any:
    """Return the JSON body of `reply`.

    Accepts what `client.with_raw_response` returns (its raw body: the exact wire shape), an
    `httpx.Response`, a model or a list of models (dumped by wire name, fields the reply did not
    carry left out), or a JSON-like value.

    Raises:
        ValueError: when a response's body is not JSON.
    """
    from pydantic import BaseModel

    from paigo_sdk import _json

    if callable(getattr(reply, "json", None)) and hasattr(reply, "http_response"):
        return reply.json()
    if hasattr(reply, "status_code") and hasattr(reply, "content"):
        return _json.loads(reply.content)
    if isinstance(reply, BaseModel):
        return reply.model_dump(mode="python", by_alias=True, exclude_unset=True)
    if isinstance(reply, list | tuple):
        return [reply_body(item) for item in reply]
    return reply


@dataclass
class ParityTarget:
    """One side of a parity run: `client` talks to the simulator or to a real Paigo account."""

    name: TargetName
    client: PaigoClient
    store: SnapshotStore
    simulator: PaigoSimulator | None = None
    """The simulator behind `client` on the simulator side; None on the live side."""

    @property
    def is_live(self) -> bool:
        """Whether this side is a real Paigo account."""
        return self.name == "live"

    @property
    def other(self) -> TargetName:
        """The name of the other side."""
        return "simulator" if self.is_live else "live"

    def check(self, name: str, reply: Any) -> Any:
        """Store `reply` masked as this side's snapshot `name`; compare shapes with the other side.

        Returns the masked body. When the other side has no snapshot of this name yet, only this
        side's is stored.

        Raises:
            ShapeMismatch: when the shapes differ (keys, types or enumeration values).
            ValueError: when `name` is not a plain file name or a body is not JSON.
            OSError: when the snapshot cannot be written.
        """
        __tracebackhide__ = True  # a mismatch is reported at the test's line, not in the kit
        masked = self.store.save(self.name, name, reply_body(reply))
        recorded = self.store.load(self.other, name)
        if recorded is None:
            return masked
        # The real service is the reference: on the live side a difference is still reported
        # with the live reply as the expected shape.
        live, simulated = (masked, recorded) if self.is_live else (recorded, masked)
        differences = compare_shapes(shape_of(mask(live)), shape_of(mask(simulated)))
        if differences:
            report = format_differences(differences, expected="Paigo", actual="the simulator")
            raise ShapeMismatch(
                f"{name}: {report}\n(snapshots: {self.store.path('live', name)}, "
                f"{self.store.path('simulator', name)})",
                differences,
            )
        return masked

    def __repr__(self) -> str:
        return f"ParityTarget({self.name!r}, store={self.store!r})"
