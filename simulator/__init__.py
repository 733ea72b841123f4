"""An in-memory Paigo backend for offline, deterministic tests (not part of Paigo's service).

Importing `simulator` is cheap: the clocks and constants are loaded at once, and the other public
names (`Simulator`, `RemoteSimulator`, `FaultRule`, `SimulatorTransport`) on first use, so that
the pytest plugin, which every test run loads, costs nothing until a test asks for a simulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.clock import ManualClock, SystemClock

if TYPE_CHECKING:
    from simulator.faults import FaultRule
    from simulator.interface import PaigoSimulator
    from simulator.mocking import mock_paigo
    from simulator.remote import RemoteSimulator
    from simulator.settling import LateUsageWarning, UndeliveredUsageError
    from simulator.simulator import Simulator
    from simulator.snapshots import Snapshot
    from simulator.transport import SimulatorTransport

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "FaultRule",
    "LateUsageWarning",
    "ManualClock",
    "PaigoSimulator",
    "RemoteSimulator",
    "Simulator",
    "SimulatorTransport",
    "Snapshot",
    "SystemClock",
    "UndeliveredUsageError",
    "mock_paigo",
]

DEFAULT_CLIENT_ID = "paigo-simulator"
"""The client id every simulator accepts unless told otherwise."""
DEFAULT_CLIENT_SECRET = "paigo-simulator-secret"
"""The client secret paired with `DEFAULT_CLIENT_ID`; a public test value, not a secret."""

_LAZY = {
    "FaultRule": "simulator.faults",
    "LateUsageWarning": "simulator.settling",
    "PaigoSimulator": "simulator.interface",
    "RemoteSimulator": "simulator.remote",
    "Simulator": "simulator.simulator",
    "SimulatorTransport": "simulator.transport",
    "Snapshot": "simulator.snapshots",
    "UndeliveredUsageError": "simulator.settling",
    "mock_paigo": "simulator.mocking",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
