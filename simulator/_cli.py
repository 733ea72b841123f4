"""The `paigo-simulator` command line: `serve` runs the simulator as an HTTP server on loopback;
`whatif` prices usage history under candidate offerings."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from paigo_sdk._version import __version__
from simulator.clock import Clock, ManualClock
from simulator.engine.visibility import usage_lag
from simulator.faults import FaultRule
from simulator.ratelimits import RateLimitRule

__all__ = ["banner", "build_parser", "exposure_warning", "main"]

ADMIN_TOKEN_VARIABLE = "PAIGO_SIMULATOR_ADMIN_TOKEN"
_DEFAULT_CLIENT_ID = "paigo-simulator"
_DEFAULT_CLIENT_SECRET = "paigo-simulator-secret"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `paigo-simulator` command."""
    parser = argparse.ArgumentParser(
        prog="paigo-simulator",
        description="An in-memory Paigo backend for offline tests (not Paigo's service).",
    )
    parser.add_argument("--version", action="version", version=f"paigo-simulator {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve Paigo's API and token endpoint over HTTP",
        description=(
            "Serve Paigo's API and its token endpoint (/oauth/token) on one origin. Binds to "
            "127.0.0.1 unless told otherwise; state lives in memory and is lost on exit."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=8787, help="port to bind; 0 picks a free one (default 8787)"
    )
    serve.add_argument("--seed", type=int, default=None, help="seed for stable ids and faults")
    serve.add_argument(
        "--manual-clock",
        action="store_true",
        help=(
            "run on a manual clock that only moves through /_simulator/clock/advance "
            "(starts at the current second unless --start is given)"
        ),
    )
    serve.add_argument(
        "--start",
        type=_moment,
        default=None,
        metavar="TIME",
        help=(
            "start a manual clock at this RFC 3339 time (2026-01-01T00:00:00Z) or at midnight UTC "
            "of this date (2026-01-01)"
        ),
    )
    serve.add_argument(
        "--array-batches",
        action="store_true",
        help="accept JSON arrays of usage records on POST /usage (a simulator extension)",
    )
    serve.add_argument(
        "--no-dedup",
        dest="deduplication",
        action="store_false",
        help="store replayed Idempotency-Key requests again (model a double-counting server)",
    )
    serve.add_argument(
        "--token-lifetime",
        type=_positive_float,
        default=86400.0,
        metavar="SECONDS",
        help="lifetime of issued bearer tokens (default 86400)",
    )
    serve.add_argument("--client-id", default=_DEFAULT_CLIENT_ID, help="accepted client id")
    serve.add_argument(
        "--client-secret", default=_DEFAULT_CLIENT_SECRET, help="accepted client secret"
    )
    serve.add_argument(
        "--admin-token",
        default=os.environ.get(ADMIN_TOKEN_VARIABLE),
        metavar="TOKEN",
        help=(
            "require this token on the /_simulator/ routes (header X-Simulator-Admin-Token); "
            f"also read from ${ADMIN_TOKEN_VARIABLE}"
        ),
    )
    serve.add_argument(
        "--no-admin",
        dest="admin_enabled",
        action="store_false",
        help="disable the /_simulator/ routes entirely",
    )
    serve.add_argument(
        "--fault",
        dest="faults",
        action="append",
        type=_fault,
        default=[],
        metavar="SPEC",
        help=(
            "preload a fault rule, e.g. 'kind=status,status=503,method=POST,path=/usage,times=2' "
            "or a JSON object; repeatable"
        ),
    )
    serve.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug"),
        help="server log level (default warning)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="print one line per request (client, method, path, status) to standard error",
    )
    serve.add_argument(
        "--rate-limit",
        dest="rate_limits",
        action="append",
        type=_rate_limit,
        default=[],
        metavar="SPEC",
        help=(
            "add a token bucket per matching route, e.g. 'method=POST,path=/usage,rate=10,"
            "burst=20' (rate: requests per second of simulator time); repeatable"
        ),
    )
    serve.add_argument(
        "--usage-lag",
        type=_usage_lag,
        default=timedelta(0),
        metavar="SECONDS",
        help=(
            "show a usage record in the usage view only SECONDS after it was accepted, on the "
            "simulator's clock (read-after-write lag; default 0)"
        ),
    )
    serve.add_argument(
        "--state-file",
        default=None,
        metavar="PATH",
        help=(
            "keep the state and a manual clock in PATH across restarts: loaded at start if it "
            "exists, written atomically after changes and on shutdown"
        ),
    )
    serve.add_argument(
        "--state-interval",
        type=_positive_float,
        default=1.0,
        metavar="SECONDS",
        help="with --state-file, how often changes are written (default 1)",
    )
    serve.add_argument(
        "--header-timeout",
        type=_positive_float,
        default=10.0,
        metavar="SECONDS",
        help="close a connection that does not send a whole request head in time (default 10)",
    )
    serve.add_argument(
        "--body-timeout",
        type=_positive_float,
        default=30.0,
        metavar="SECONDS",
        help="answer 408 when a request body does not arrive in time (default 30)",
    )
    serve.add_argument(
        "--max-connections",
        type=_positive_int,
        default=256,
        metavar="N",
        help="answer 503 and close connections beyond this many open ones (default 256)",
    )
    from simulator.whatif.cli import add_parser as add_whatif

    add_whatif(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line.

    Raises:
        SystemExit: always, with status 0 after a clean shutdown and 2 on bad arguments.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        raise SystemExit(0)
    if args.command == "whatif":
        raise SystemExit(args.run(args))
    raise SystemExit(_serve(args))


def _serve(args: argparse.Namespace) -> int:
    from simulator.clock import SystemClock
    from simulator.persistence import StateFile, clock_for
    from simulator.server import ServerLimits, SimulatorServer
    from simulator.simulator import Simulator
    from simulator.snapshots import SnapshotFileError

    clock: Clock = SystemClock()
    if args.manual_clock or args.start is not None:
        clock = ManualClock(args.start)
    saved = None
    if args.state_file is not None:
        try:
            saved = StateFile.read(args.state_file)
        except SnapshotFileError as exc:
            print(f"paigo-simulator: cannot load the state file: {exc}", file=sys.stderr)
            return 2
        # The file's clock time wins: state and simulated time survive the restart together.
        clock = clock_for(saved, clock if isinstance(clock, ManualClock) else None) or clock
    simulator = Simulator(
        clock=clock,
        seed=args.seed,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_lifetime=args.token_lifetime,
        array_batches=args.array_batches,
        deduplication=args.deduplication,
        admin_enabled=args.admin_enabled,
        admin_token=args.admin_token,
        usage_lag=args.usage_lag,
    )
    for rule in args.faults:
        simulator.faults.add(rule)
    for limit in args.rate_limits:
        simulator.rate_limits.add(limit)
    if saved is not None:
        simulator.restore(saved)
    state_file = None
    if args.state_file is not None:
        try:
            state_file = StateFile(simulator, args.state_file, interval=args.state_interval).start()
        except OSError as exc:
            print(f"paigo-simulator: cannot write the state file: {exc}", file=sys.stderr)
            return 1
    try:
        server = SimulatorServer(
            simulator.asgi_app(),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=args.access_log,
            limits=ServerLimits(
                header_timeout=args.header_timeout,
                body_timeout=args.body_timeout,
                max_connections=args.max_connections,
            ),
        )
    except OSError as exc:
        print(f"paigo-simulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        if state_file is not None:
            state_file.close()
        return 1
    warning = exposure_warning(
        args.host, admin_enabled=args.admin_enabled, admin_token=args.admin_token
    )
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    if state_file is not None:
        loaded = "loaded" if saved is not None else "new"
        print(f"State file: {state_file.path} ({loaded})", flush=True)
    print(
        banner(
            server.url,
            client_id=args.client_id,
            client_secret=args.client_secret,
            admin_enabled=args.admin_enabled,
            admin_token=args.admin_token,
            faults=len(args.faults),
            clock=clock,
        ),
        flush=True,
    )
    try:
        server.run()
    finally:
        if state_file is not None:
            state_file.close()  # the final state, written once nothing else changes it
        simulator.close()
    print("Paigo simulator stopped.", flush=True)
    return 0


def exposure_warning(host: str, *, admin_enabled: bool, admin_token: str | None) -> str | None:
    """Return the warning printed when the server listens beyond this machine (None on loopback)."""
    from simulator.server import is_loopback

    if is_loopback(host):
        return None
    admin = ""
    if admin_enabled and admin_token is None:
        admin = ", and use its /_simulator/ admin routes (reset, clock, faults) without a token"
    return (
        "WARNING: the Paigo simulator is listening on "
        f"{host}, which is not a loopback address.\n"
        f"WARNING: anyone who can reach this port can read and change its data{admin}.\n"
        "WARNING: it is a test tool, not a secure service; bind to 127.0.0.1 unless you must."
    )


def banner(
    url: str,
    *,
    client_id: str,
    client_secret: str,
    admin_enabled: bool,
    admin_token: str | None,
    faults: int,
    clock: Clock | None = None,
) -> str:
    """Return the start-up text: the URLs and credentials to use, one `NAME=value` per line.

    The `PAIGO_*` lines can be pasted into a shell or parsed by a parent process. The admin token,
    when there is one, is never printed.
    """
    admin = "disabled"
    if admin_enabled:
        admin = f"{url}/_simulator/" + (" (token required)" if admin_token else "")
    time = "system"
    if isinstance(clock, ManualClock):
        time = f"manual, at {clock.now().isoformat().replace('+00:00', 'Z')}"
    return (
        "Paigo simulator (in-memory, for tests; not Paigo's service) is listening.\n"
        f"PAIGO_API_URL={url}\n"
        f"PAIGO_AUTH_URL={url}/oauth/token\n"
        f"PAIGO_CLIENT_ID={client_id}\n"
        f"PAIGO_CLIENT_SECRET={client_secret}\n"
        f"Admin routes: {admin}\n"
        f"Clock: {time}\n"
        f"Faults preloaded: {faults}\n"
        "Press Ctrl+C to stop."
    )


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {value}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0: {text}")
    return value


def _moment(text: str) -> datetime:
    if len(text) == 10:  # a calendar date, YYYY-MM-DD: its midnight UTC
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"the time needs an offset (Z or +hh:mm): {text!r}")
    return moment.astimezone(UTC)


def _fault(text: str) -> FaultRule:
    try:
        return FaultRule.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _rate_limit(text: str) -> RateLimitRule:
    try:
        return RateLimitRule.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _usage_lag(text: str) -> timedelta:
    try:
        return usage_lag(Decimal(text.strip()))
    except (ValueError, InvalidOperation):
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds from 0 to 604800, got {text!r}"
        ) from None
