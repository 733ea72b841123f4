"""A process-wide default target for clients built without connection arguments.

App code builds its clients as `PaigoClient()`, with settings from `PAIGO_*` variables. A test
double (such as the simulator's `mock_paigo()`) installs a `DefaultTarget` here; while it is
installed, every `PaigoClient()` and `AsyncPaigoClient()` created anywhere in the process (any
thread) *without* connection arguments (`client_id`, `client_secret`, `api_url`, `auth_url`,
`http_client`, `transport`) goes to that target instead of Paigo or the `PAIGO_*` settings.
A client given any connection argument is built as usual. Installations nest: the latest wins.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paigo_sdk._clock import Clock

__all__ = ["DefaultTarget", "current", "install", "uninstall"]


@dataclass(frozen=True, eq=False)
class DefaultTarget:
    """Where clients built without connection arguments go while this target is installed."""

    client_id: str
    client_secret: str
    api_url: str
    auth_url: str
    transport: Any = None
    """An object that is both an `httpx.BaseTransport` and an `httpx.AsyncBaseTransport` (the
    in-process simulator's), or None to use the network."""
    clock: Clock | None = None
    """The clock given to clients that do not pass their own."""
    created: Callable[[Any], None] | None = None
    """Called with each client built for this target (a simulator remembers its clients)."""


_lock = threading.Lock()
_installed: list[DefaultTarget] = []


def install(target: DefaultTarget) -> None:
    """Make `target` the default for clients built without connection arguments."""
    with _lock:
        _installed.append(target)


def uninstall(target: DefaultTarget) -> None:
    """Remove `target` (installed earlier); a target not installed is ignored."""
    with _lock:
        if target in _installed:
            _installed.remove(target)


def current() -> DefaultTarget | None:
    """Return the latest installed target, or None."""
    with _lock:
        return _installed[-1] if _installed else None


def for_client(*connection_arguments: object) -> DefaultTarget | None:
    """Return the target a new client uses: None when any connection argument was given."""
    if any(argument is not None for argument in connection_arguments):
        return None
    return current()
