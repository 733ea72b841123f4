"""`mock_paigo()`: point every client that app code builds at a simulator.

App code builds `PaigoClient()` (or `AsyncPaigoClient()`) deep inside, with no arguments, reading
`PAIGO_*` settings. While `mock_paigo()` is active, every such client, created on any thread,
talks to a simulator instead: an in-process `Simulator` (a new one on a `ManualClock` unless one
is given) or a `RemoteSimulator`. It works through the SDK's own seam
(`paigo_sdk._default_target`), not by patching httpx, so clients given explicit connection
arguments are untouched, and the pytest plugin's production guard still refuses Paigo's real
hosts for them.

Three forms:

- a context manager: `with mock_paigo() as sim: ...` (`sim` is the simulator);
- a decorator: `@mock_paigo()` (the simulator is the decorator's `simulator` attribute);
- a pytest marker: `@pytest.mark.paigo_mock` on a test, which uses the test's `paigo_sim`.
"""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast, overload

from paigo_sdk import _default_target
from simulator.clock import ManualClock
from simulator.simulator import AUTH_URL, BASE_URL, Simulator

if TYPE_CHECKING:
    from simulator.remote import RemoteSimulator

__all__ = ["MockPaigo", "mock_paigo"]

_Sim = TypeVar("_Sim", bound="Simulator | RemoteSimulator")


class MockPaigo(contextlib.ContextDecorator, Generic[_Sim]):
    """An activation of `mock_paigo()`: a context manager and a decorator.

    Entering installs the simulator as the SDK's default target; leaving removes it (and closes
    a simulator this object created; its state stays readable). Activations nest; the innermost
    wins. As a decorator, each call gets a fresh simulator (when none was given), named by
    `simulator` afterwards.

    Raises:
        RuntimeError: on entering an activation that is already active.
    """

    def __init__(self, simulator: _Sim | None = None) -> None:
        self._given = simulator
        self.simulator: _Sim | None = simulator
        """The simulator clients are sent to while active (created on entry when not given)."""
        self._target: _default_target.DefaultTarget | None = None

    def __enter__(self) -> _Sim:
        """Install the default target and return the simulator."""
        if self._target is not None:
            raise RuntimeError("this mock_paigo() is already active; create another to nest")
        simulator: _Sim
        if self._given is not None:
            simulator = self._given
        else:
            simulator = cast(_Sim, Simulator(clock=ManualClock()))
        self.simulator = simulator
        self._target = target_for(simulator)
        _default_target.install(self._target)
        return simulator

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Remove the default target; close the simulator when this object created it."""
        if self._target is not None:
            _default_target.uninstall(self._target)
            self._target = None
        if self._given is None and self.simulator is not None:
            self.simulator.close()

    def __repr__(self) -> str:
        return f"mock_paigo({self.simulator!r})"


@overload
def mock_paigo(simulator: None = None) -> MockPaigo[Simulator]: ...
@overload
def mock_paigo(simulator: _Sim) -> MockPaigo[_Sim]: ...
def mock_paigo(simulator: Simulator | RemoteSimulator | None = None) -> MockPaigo[Any]:
    """Send every `PaigoClient()` / `AsyncPaigoClient()` built without connection arguments to
    `simulator` (a new in-process `Simulator` on a `ManualClock` when None) while active.

    Use as `with mock_paigo() as sim:` or as the decorator `@mock_paigo()`.
    """
    return MockPaigo(simulator)


def target_for(simulator: Simulator | RemoteSimulator) -> _default_target.DefaultTarget:
    """The SDK default target that sends new clients to `simulator`.

    Clients built for it are registered with the simulator, so it settles their batchers before
    its clock moves, as it does for `simulator.client()`.
    """
    if isinstance(simulator, Simulator):
        options = simulator._client_options()
        return _default_target.DefaultTarget(
            client_id=options["client_id"],
            client_secret=options["client_secret"],
            api_url=BASE_URL,
            auth_url=AUTH_URL,
            transport=simulator.transport(),
            clock=simulator.clock,
            created=simulator._clients.add,
        )
    options = simulator._client_options()
    return _default_target.DefaultTarget(
        client_id=options["client_id"],
        client_secret=options["client_secret"],
        api_url=options["api_url"],
        auth_url=options["auth_url"],
        clock=options["clock"],
        created=simulator._clients.add,
    )
