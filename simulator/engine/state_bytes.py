"""The engine state as bytes: pickled to snapshot it, and read back admitting only its own types.

Pickle is several times faster than a deep copy and keeps snapshots immutable. Reading a pickle
can call any importable function, so a state file from elsewhere could run code; the reader here
admits only the classes an engine state is made of (the engine's own classes and the few
standard ones it holds), and refuses anything else before it is called.
"""

from __future__ import annotations

import io
import pickle
from typing import Final

from simulator.engine.state import State

__all__ = ["dump_state", "load_state"]

_STANDARD: Final = frozenset(
    {
        ("array", "_array_reconstructor"),
        ("array", "array"),
        ("builtins", "frozenset"),
        ("builtins", "set"),
        ("collections", "OrderedDict"),
        ("collections", "defaultdict"),
        ("collections", "deque"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("decimal", "Decimal"),
        ("random", "Random"),
    }
)
"""Standard names an engine state may hold (checked against states the engine writes)."""


class _StateUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> type:
        if (module, name) in _STANDARD:
            found: type = super().find_class(module, name)
            return found
        if module.startswith("simulator.engine.") and "." not in name:
            found = super().find_class(module, name)
            # Classes only: a function of the engine's modules could act when called.
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of an engine state")


def dump_state(state: State) -> bytes:
    """Return `state` as bytes that `load_state` reads back.

    Raises:
        pickle.PicklingError: when the state holds something that cannot be pickled (a bug).
    """
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def load_state(data: bytes) -> State:
    """Return the state held by `data`, as written by `dump_state`.

    Raises:
        ValueError: when `data` is not an engine state, is damaged, or names anything but the
            types an engine state is made of (nothing named is called before this check).
    """
    try:
        state = _StateUnpickler(io.BytesIO(data)).load()
    except Exception as exc:
        raise ValueError(f"not a simulator state: {type(exc).__name__}: {exc}") from exc
    if not isinstance(state, State):
        raise ValueError(f"not a simulator state: a {type(state).__name__}")
    return state
