"""pytest fixtures that give each test a fresh in-memory Paigo, and a guard against real Paigo.

Fixtures: `paigo_sim` (a new `Simulator` on a `ManualClock` per test), `paigo_clock`,
`paigo_client` and `async_paigo_client` (SDK clients already authenticated against it).

With `--paigo-simulator-url URL` the same fixtures talk to a running `paigo-simulator serve`
instead, over HTTP, and reset it through `/_simulator/reset` before each test.

Production guard: a test may not reach Paigo's production hosts (`api.prod.paigo.tech`,
`auth.paigo.tech`) unless it is marked `@pytest.mark.paigo_live` (or the project's `live`
marker). Clients made by the fixtures are checked when created. Any other client is stopped when
it resolves a production host name: the plugin installs one `sys.audit` hook per process that,
while a test runs, refuses the `socket.getaddrinfo` event for those hosts and fails the test.
This catches every HTTP library without patching httpx or sockets; a mocked transport (respx,
`httpx.MockTransport`) never resolves names, so it is not affected.

The module imports nothing heavy at import time: pytest loads it for every test run.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from paigo_sdk import AsyncPaigoClient, PaigoClient
    from simulator.clock import ManualClock
    from simulator.simulator import Simulator

__all__ = [
    "PRODUCTION_HOSTS",
    "PaigoProductionAccessError",
    "RemoteClock",
    "RemoteSimulator",
]

PRODUCTION_HOSTS: Final = frozenset({"api.prod.paigo.tech", "auth.paigo.tech"})
"""Host names of Paigo's production service, refused in tests without the `paigo_live` marker."""
_LIVE_MARKERS: Final = ("paigo_live", "live")
_URL_OPTION: Final = "--paigo-simulator-url"
_TOKEN_OPTION: Final = "--paigo-simulator-admin-token"


class PaigoProductionAccessError(RuntimeError):
    """Raised when a test without the `paigo_live` marker tries to reach Paigo's production."""


# ------------------------------------------------------------------------ options and markers


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the `--paigo-simulator-url` and `--paigo-simulator-admin-token` options."""
    group = parser.getgroup("paigo-simulator", "Paigo simulator")
    group.addoption(
        _URL_OPTION,
        default=None,
        metavar="URL",
        help="run the paigo_* fixtures against a running `paigo-simulator serve` at URL",
    )
    group.addoption(
        _TOKEN_OPTION,
        default=None,
        metavar="TOKEN",
        help="admin token of that server's /_simulator/ routes, if it requires one",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the `paigo_live` marker and install the production guard."""
    config.addinivalue_line(
        "markers",
        "paigo_live: allow this test to reach Paigo's production service "
        "(api.prod.paigo.tech, auth.paigo.tech)",
    )
    _install_guard()


# ------------------------------------------------------------------------ production guard


@dataclass
class _GuardFrame:
    allowed: bool
    violations: list[str] = field(default_factory=list)


_guard_lock = threading.Lock()
_guard_stack: list[_GuardFrame] = []
_guard_installed = False


def _install_guard() -> None:
    global _guard_installed
    with _guard_lock:
        if _guard_installed:
            return
        # An audit hook cannot be removed; it stays inert while no test is running (empty stack).
        sys.addaudithook(_audit)
        _guard_installed = True


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.getaddrinfo" or not _guard_stack:
        return
    host = args[0]
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or host.lower().rstrip(".") not in PRODUCTION_HOSTS:
        return
    frame = _guard_stack[-1]
    if frame.allowed:
        return
    message = _refusal(host)
    frame.violations.append(message)
    raise PaigoProductionAccessError(message)


def _refusal(target: str) -> str:
    return (
        f"this test tried to reach Paigo's production service ({target}). Use the "
        "paigo_client fixture or Simulator().client(), or mark the test with "
        "@pytest.mark.paigo_live to allow it."
    )


def _is_live(request: pytest.FixtureRequest) -> bool:
    return any(request.node.get_closest_marker(name) for name in _LIVE_MARKERS)


_call_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Any:
    """Remember whether the test's call failed, so the guard does not report a refusal twice."""
    report = yield
    if report.when == "call":
        item.stash[_call_failed] = bool(report.failed)
    return report


@pytest.fixture(autouse=True)
def _paigo_production_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Refuse connections to Paigo's production hosts during the test, unless it is marked live.

    A refusal the code under test caught and ignored still fails the test, at teardown.
    """
    frame = _GuardFrame(allowed=_is_live(request))
    _guard_stack.append(frame)
    try:
        yield
    finally:
        _guard_stack.remove(frame)
    if frame.violations and not request.node.stash.get(_call_failed, False):
        pytest.fail(frame.violations[0], pytrace=False)


def check_not_production(url: str, request: pytest.FixtureRequest) -> None:
    """Fail the test when `url` points at Paigo's production service and the test is not live."""
    host = (urlsplit(url).hostname or "").lower()
    if host in PRODUCTION_HOSTS and not _is_live(request):
        pytest.fail(_refusal(url), pytrace=False)


# ------------------------------------------------------------------------ fixtures


@pytest.fixture
def paigo_clock(request: pytest.FixtureRequest) -> ManualClock | RemoteClock:
    """The simulator's clock for this test: a `ManualClock` at the current second.

    Against a server (`--paigo-simulator-url`) it is a `RemoteClock` with the same methods.
    """
    url = request.config.getoption(_URL_OPTION)
    if url:
        return RemoteClock(url, admin_token=request.config.getoption(_TOKEN_OPTION))
    from simulator.clock import ManualClock

    return ManualClock()


@pytest.fixture
def paigo_sim(paigo_clock: ManualClock | RemoteClock) -> Iterator[Simulator | RemoteSimulator]:
    """A fresh, empty simulator for this test, running on `paigo_clock`.

    Against a server it is a `RemoteSimulator`, reset before the test.
    """
    if isinstance(paigo_clock, RemoteClock):
        remote = RemoteSimulator(paigo_clock.url, admin_token=paigo_clock.admin_token)
        remote.reset()
        yield remote
        return
    from simulator.simulator import Simulator

    simulator = Simulator(clock=paigo_clock)
    try:
        yield simulator
    finally:
        simulator.close()


@pytest.fixture
def paigo_client(
    request: pytest.FixtureRequest, paigo_sim: Simulator | RemoteSimulator
) -> Iterator[PaigoClient]:
    """A `PaigoClient` authenticated against `paigo_sim`; closed after the test."""
    _check_target(paigo_sim, request)
    client = paigo_sim.client()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def async_paigo_client(
    request: pytest.FixtureRequest, paigo_sim: Simulator | RemoteSimulator
) -> Iterator[AsyncPaigoClient]:
    """An `AsyncPaigoClient` authenticated against `paigo_sim`.

    A plain fixture, so it works with any async test runner (anyio, pytest-asyncio). In-process
    it holds no connections; against a server it keeps none alive between requests, so there is
    nothing bound to the test's event loop left to close.
    """
    _check_target(paigo_sim, request)
    client = paigo_sim.async_client()
    yield client
    _close_async(client)


def _check_target(sim: Simulator | RemoteSimulator, request: pytest.FixtureRequest) -> None:
    # In-process simulators are only reachable through their transport; a server is checked by URL.
    if isinstance(sim, RemoteSimulator):
        check_not_production(sim.url, request)


def _close_async(client: AsyncPaigoClient) -> None:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(client.close())


# ------------------------------------------------------------------------ server mode


class _Admin:
    """A small HTTP client for a simulator server's `/_simulator/` routes."""

    def __init__(self, url: str, admin_token: str | None) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        import httpx

        headers = {} if self.admin_token is None else {"X-Simulator-Admin-Token": self.admin_token}
        response = httpx.request(
            method, f"{self.url}{path}", json=body, headers=headers, timeout=30.0
        )
        if response.status_code >= 400:
            pytest.fail(
                f"the simulator server at {self.url} answered {method} {path} with "
                f"{response.status_code}: {response.text[:200]}",
                pytrace=False,
            )
        return response.json() if response.content else None


class RemoteClock:
    """The clock of a running simulator server, read and moved through `/_simulator/clock`.

    Moving it needs a server running on a manual clock.
    """

    def __init__(self, url: str, *, admin_token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self._admin = _Admin(self.url, admin_token)

    def now(self) -> datetime:
        """Return the server's current time."""
        return _parse_time(self._admin.call("GET", "/_simulator/clock"))

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Move the server's manual clock forward and return the new time.

        Raises:
            ValueError: when the step is negative.
        """
        step = (delta or timedelta()) + timedelta(
            days=days, hours=hours, minutes=minutes, seconds=seconds
        )
        if step < timedelta():
            raise ValueError("the simulator clock cannot move backwards")
        reply = self._admin.call(
            "POST", "/_simulator/clock/advance", {"seconds": step.total_seconds()}
        )
        return _parse_time(reply)

    def set(self, moment: datetime) -> datetime:
        """Move the server's manual clock to `moment`."""
        reply = self._admin.call("POST", "/_simulator/clock/advance", {"to": moment.isoformat()})
        return _parse_time(reply)

    def __repr__(self) -> str:
        return f"RemoteClock({self.url!r})"


def _parse_time(reply: Any) -> datetime:
    value = reply.get("now") if isinstance(reply, dict) else reply
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class RemoteSimulator:
    """A running `paigo-simulator serve`, seen through the same methods as `Simulator`."""

    def __init__(
        self,
        url: str,
        *,
        admin_token: str | None = None,
        client_id: str = "paigo-simulator",
        client_secret: str = "paigo-simulator-secret",
    ) -> None:
        self.url = url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.clock = RemoteClock(self.url, admin_token=admin_token)
        self._admin = _Admin(self.url, admin_token)

    def client(self, **options: Any) -> PaigoClient:
        """Return a `PaigoClient` pointed at the server."""
        from paigo_sdk import PaigoClient

        return PaigoClient(**{**self._client_options(), **options})

    def async_client(self, **options: Any) -> AsyncPaigoClient:
        """Return an `AsyncPaigoClient` pointed at the server, keeping no idle connections."""
        import httpx

        from paigo_sdk import AsyncPaigoClient

        defaults: dict[str, Any] = {
            **self._client_options(),
            "http_client": httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0)),
        }
        return AsyncPaigoClient(**{**defaults, **options})

    def _client_options(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "api_url": self.url,
            "auth_url": f"{self.url}/oauth/token",
        }

    def reset(self) -> None:
        """Forget all the server's state and its fault rules."""
        self._admin.call("POST", "/_simulator/reset")
        self._admin.call("DELETE", "/_simulator/faults")

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move the server's clock forward (it must run on a manual clock)."""
        return self.clock.advance(delta, **units)

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"RemoteSimulator({self.url!r})"
