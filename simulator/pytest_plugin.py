"""pytest fixtures that give each test a fresh in-memory Paigo, and a guard against real Paigo.

Fixtures: `paigo_sim` (a new `Simulator` on a `ManualClock` per test), `paigo_clock`,
`paigo_client` and `async_paigo_client` (SDK clients already authenticated against it), and
`paigo_target` (the parity kit: the test runs against the simulator and, with credentials, a real
Paigo account, comparing reply shapes; `simulator.parity`), and `paigo_webhooks` (a real webhook
endpoint on loopback that records and verifies deliveries). The
`paigo_start(moment)` marker starts a test's clock at a fixed time; the `paigo_mock` marker sends
every client the code under test builds without connection arguments to `paigo_sim`
(`simulator.mock_paigo`).

With `--paigo-simulator-url URL` the same fixtures talk to a running `paigo-simulator serve`
instead, over HTTP, and reset it through `/_simulator/reset` before each test (which also puts a
manual server clock back at its start). One server holds one state, so with pytest-xdist the
plugin refuses to run more than one worker against it (tests would reset each other's data).

A test during which usage records arrived for an already invoiced period (never billed, B9)
ends with a `LateUsageWarning` naming how many.

Production guard: a test may not reach Paigo's production hosts (`api.prod.paigo.tech`,
`auth.paigo.tech`) unless it is marked `@pytest.mark.paigo_live` (or the project's `live`
marker). A `paigo_live` test is skipped in CI (`CI` set) and when `PAIGO_CLIENT_ID` or
`PAIGO_CLIENT_SECRET` is missing, with the reason. Clients made by the fixtures are checked when
created. Any other client is stopped when it resolves a production host name: the plugin installs
one `sys.audit` hook per process that, while a test runs, refuses the `socket.getaddrinfo` event
for those hosts and fails the test. This catches every HTTP library without patching httpx or
sockets; a mocked transport (respx, `httpx.MockTransport`) never resolves names, so it is not
affected.

The module imports nothing heavy at import time: pytest loads it for every test run.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from paigo_sdk import AsyncPaigoClient, PaigoClient
    from simulator.clock import ManualClock
    from simulator.parity import ParityTarget
    from simulator.remote import RemoteClock, RemoteSimulator
    from simulator.simulator import Simulator
    from simulator.webhook_receiver import WebhookReceiver

__all__ = ["PRODUCTION_HOSTS", "PaigoProductionAccessError", "check_not_production"]

PRODUCTION_HOSTS: Final = frozenset({"api.prod.paigo.tech", "auth.paigo.tech"})
"""Host names of Paigo's production service, refused in tests without the `paigo_live` marker."""
_LIVE_MARKERS: Final = ("paigo_live", "live")
_URL_OPTION: Final = "--paigo-simulator-url"
_TOKEN_OPTION: Final = "--paigo-simulator-admin-token"
_PARITY_OPTION: Final = "--paigo-parity-dir"
_PARITY_INI: Final = "paigo_parity_dir"
_PARITY_DEFAULT: Final = "parity-snapshots"


class PaigoProductionAccessError(RuntimeError):
    """Raised when a test without the `paigo_live` marker tries to reach Paigo's production."""


# ------------------------------------------------------------------------ options and markers


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add `--paigo-simulator-url`, `--paigo-simulator-admin-token` and the parity folder."""
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
    group.addoption(
        _PARITY_OPTION,
        default=None,
        metavar="DIR",
        help=f"folder of the paigo_target snapshots (default: the {_PARITY_INI} ini value)",
    )
    parser.addini(
        _PARITY_INI,
        default=_PARITY_DEFAULT,
        help="folder of the paigo_target snapshots, relative to the rootdir",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the `paigo_live` and `paigo_start` markers and install the production guard."""
    config.addinivalue_line(
        "markers",
        "paigo_live: a test that talks to a real Paigo account: it may reach Paigo's production "
        "service (api.prod.paigo.tech, auth.paigo.tech), and it is skipped in CI and when "
        "PAIGO_CLIENT_ID or PAIGO_CLIENT_SECRET is not set",
    )
    config.addinivalue_line(
        "markers",
        "paigo_start(moment): start the test's simulator clock at `moment` (an aware datetime or "
        "an RFC 3339 string such as '2026-01-01T00:00:00Z') instead of the current second",
    )
    config.addinivalue_line(
        "markers",
        "paigo_mock: send every PaigoClient()/AsyncPaigoClient() the code under test builds "
        "without connection arguments to this test's paigo_sim (simulator.mock_paigo)",
    )
    _install_guard()
    _refuse_shared_server(config)


def _refuse_shared_server(config: pytest.Config) -> None:
    """Refuse pytest-xdist with several workers against one `--paigo-simulator-url` server."""
    if not config.getoption(_URL_OPTION):
        return
    workers: object = None
    workerinput = getattr(config, "workerinput", None)
    if isinstance(workerinput, dict):
        workers = workerinput.get("workercount")
    else:
        workers = getattr(config.option, "numprocesses", None)
        if getattr(config.option, "dist", "no") == "no" and workers in (None, 0):
            return
    if workers in (None, 0, 1):
        return
    raise pytest.UsageError(
        f"{_URL_OPTION} points every pytest-xdist worker at one simulator server, whose state "
        f"each test resets; run {workers} workers without {_URL_OPTION} (each test then gets its "
        "own in-process simulator), or run against the server with -n 0 (or -n 1)"
    )


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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a `paigo_live` test in CI or without Paigo credentials, saying why."""
    if item.get_closest_marker("paigo_live") is None:
        return
    from simulator.parity.target import live_skip_reason

    reason = live_skip_reason()
    if reason is not None:
        pytest.skip(reason)


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
def paigo_sim(request: pytest.FixtureRequest) -> Iterator[Simulator | RemoteSimulator]:
    """A fresh, empty simulator for this test, on a `ManualClock` at the current second.

    `@pytest.mark.paigo_start("2026-01-01T00:00:00Z")` starts the clock there instead, which
    makes cycle boundaries and proration the same on every run.

    With `--paigo-simulator-url` it is a `RemoteSimulator` for that server, reset before the
    test (the server must run on a manual clock for `advance()` and `paigo_start` to work).
    """
    start = _start_of(request)
    url = request.config.getoption(_URL_OPTION)
    if url:
        from simulator.remote import RemoteSimulator

        check_not_production(url, request)
        remote = RemoteSimulator(url, admin_token=request.config.getoption(_TOKEN_OPTION))
        try:
            remote.reset()
            if start is not None:
                if remote.clock.now() > start:
                    pytest.fail(
                        f"paigo_start({start.isoformat()}) is behind the server's clock "
                        f"({remote.clock.now().isoformat()}), which cannot move backwards; "
                        "restart the server with an earlier --start",
                        pytrace=False,
                    )
                remote.set_time(start)
            yield remote
            _report_late(remote)
        finally:
            remote.close()
        return
    from simulator.clock import ManualClock
    from simulator.simulator import Simulator

    simulator = Simulator(clock=ManualClock(start))
    try:
        yield simulator
        _report_late(simulator)
    finally:
        simulator.close()


@pytest.fixture(autouse=True)
def _paigo_mock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Activate `simulator.mock_paigo(paigo_sim)` for a test marked `paigo_mock`."""
    if request.node.get_closest_marker("paigo_mock") is None:
        yield
        return
    from simulator.mocking import mock_paigo

    with mock_paigo(request.getfixturevalue("paigo_sim")):
        yield


def _report_late(simulator: Simulator | RemoteSimulator) -> None:
    from simulator.settling import late_usage_warning

    late_usage_warning(len(simulator.late_records()))


def _start_of(request: pytest.FixtureRequest) -> datetime | None:
    marker = request.node.get_closest_marker("paigo_start")
    if marker is None:
        return None
    value = marker.args[0] if marker.args else marker.kwargs.get("moment")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pytest.fail(f"paigo_start needs an RFC 3339 time, got {value!r}", pytrace=False)
    if not isinstance(value, datetime) or value.tzinfo is None:
        pytest.fail(f"paigo_start needs a timezone-aware time, got {value!r}", pytrace=False)
    return value.astimezone(UTC)


@pytest.fixture
def paigo_clock(paigo_sim: Simulator | RemoteSimulator) -> ManualClock | RemoteClock:
    """The clock of `paigo_sim`: advance or set it to move simulated time.

    Against a server it is a `RemoteClock` with the same methods.

    Raises:
        TypeError: when `paigo_sim` was overridden with a simulator on a clock tests cannot move.
    """
    from simulator.clock import ManualClock

    clock = paigo_sim.clock
    if isinstance(clock, ManualClock):
        return clock
    from simulator.remote import RemoteClock

    if isinstance(clock, RemoteClock):
        return clock
    raise TypeError(f"paigo_sim runs on {clock!r}, not a clock tests can move")


@pytest.fixture
def paigo_client(paigo_sim: Simulator | RemoteSimulator) -> Iterator[PaigoClient]:
    """A `PaigoClient` authenticated against `paigo_sim`; closed after the test."""
    client = paigo_sim.client()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def async_paigo_client(paigo_sim: Simulator | RemoteSimulator) -> Iterator[AsyncPaigoClient]:
    """An `AsyncPaigoClient` authenticated against `paigo_sim`.

    A plain fixture, so it works with any async test runner (anyio, pytest-asyncio). In-process
    it holds no connections; against a server it keeps none alive between requests, so there is
    nothing bound to the test's event loop left to close.
    """
    client = paigo_sim.async_client()
    yield client
    _close_async(client)


@pytest.fixture(
    params=["simulator", pytest.param("live", marks=pytest.mark.paigo_live)],
)
def paigo_target(request: pytest.FixtureRequest) -> Iterator[ParityTarget]:
    """One side of a parity run: each test using it runs once per side, `[simulator]` and `[live]`.

    `paigo_target.client` is a `PaigoClient` for this test's `paigo_sim`, or for the Paigo
    account named by `PAIGO_CLIENT_ID`, `PAIGO_CLIENT_SECRET` (and `PAIGO_API_URL`,
    `PAIGO_AUTH_URL`). The live side is marked `paigo_live`, so it is skipped in CI and without
    credentials. `paigo_target.check(name, reply)` stores a masked snapshot under
    `--paigo-parity-dir` (ini `paigo_parity_dir`, default `parity-snapshots`) and fails the test
    when the reply's shape differs from the other side's snapshot.
    """
    from simulator.parity import ParityTarget, SnapshotStore

    folder = request.config.getoption(_PARITY_OPTION) or request.config.getini(_PARITY_INI)
    store = SnapshotStore(request.config.rootpath / str(folder))
    if request.param == "live":
        from paigo_sdk import PaigoClient

        client = PaigoClient()
        try:
            yield ParityTarget("live", client, store)
        finally:
            client.close()
        return
    simulator = request.getfixturevalue("paigo_sim")
    with simulator.client() as sim_client:
        yield ParityTarget("simulator", sim_client, store, simulator)


def _close_async(client: AsyncPaigoClient) -> None:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(client.close())


@pytest.fixture
def paigo_webhooks(paigo_sim: Simulator | RemoteSimulator) -> Iterator[WebhookReceiver]:
    """A webhook endpoint on 127.0.0.1 for this test, bound to `paigo_sim`.

    `paigo_webhooks.subscribe("INVOICE_CREATED")` subscribes it with a fresh security key;
    `received` lists every request (body, headers, the status it answered, whether its
    `X-Paigo-Security` header verified), `delivered()` the accepted ones and `events()` their
    verified JSON bodies. `respond(503, times=2)` makes it fail the next requests for real. A
    delivery reaches it before the call that caused it (a request, a clock move, `trigger`)
    returns, in-process and against a server alike.
    """
    import secrets

    from simulator.webhook_receiver import WebhookReceiver

    receiver = WebhookReceiver(security_key=secrets.token_urlsafe(24), simulator=paigo_sim)
    with receiver:
        yield receiver
