"""Every way Python apps are deployed, as real processes: exact stored counts, 0 lost, 0 doubled."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import types
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

import paigo_sdk.batching._threaded as threaded
from paigo_sdk import PaigoClient
from paigo_sdk.batching import UsageBatcher, flush_before_return, flush_on_sigterm
from paigo_sdk.errors import ClientValidationError
from tests.sdk.batching.conftest import SimulatorServer, start_simulator_server
from tests.sdk.batching.test_batcher import FakeClient, FakeUsageServer

SCRIPT = Path(__file__).with_name("deployment.py")
ROOT = Path(__file__).resolve().parents[3]
COUNT = 200
TIMEOUT = 120


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    started = start_simulator_server("--seed", "23")
    yield started
    started.stop()


def _client(server: SimulatorServer) -> PaigoClient:
    return PaigoClient(
        client_id=server.env["PAIGO_CLIENT_ID"],
        client_secret=server.env["PAIGO_CLIENT_SECRET"],
        api_url=server.env["PAIGO_API_URL"],
        auth_url=server.env["PAIGO_AUTH_URL"],
    )


def _catalog(server: SimulatorServer, name: str) -> tuple[str, str]:
    with _client(server) as client:
        dimension = client.dimensions.create(
            dimension_name=f"Calls {name}",
            consumption_unit={"type": "count", "unit": "count-based"},
            usage_increment="1",
            rounding="ceiling",
            consumption_price="0.01",
            aggregation_method="sum",
        )
        customer = client.customers.create(
            customer_name=name, email=f"{name}@example.test", payment_channel="manual"
        )
    return customer.customer_id, dimension.dimension_id


def _stored(server: SimulatorServer, customer_id: str) -> list[Decimal]:
    reply = server.admin("GET", f"usage-records?customerId={customer_id}")
    return sorted(Decimal(str(item["recordValue"])) for item in reply.json()["data"])


def _env(server: SimulatorServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    env.update(server.env)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run(server: SimulatorServer, mode: str, customer_id: str, dimension_id: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), mode, customer_id, dimension_id, str(COUNT)],
        env=_env(server),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("mode", ["threads", "asyncio", "gevent", "exit", "serverless"])
def test_each_deployment_stores_every_record_exactly_once(
    server: SimulatorServer, mode: str
) -> None:
    customer_id, dimension_id = _catalog(server, mode)
    _run(server, mode, customer_id, dimension_id)
    assert _stored(server, customer_id) == [Decimal(i) for i in range(1, COUNT + 1)]


def test_fork_after_use_stores_parent_and_child_records_exactly_once(
    server: SimulatorServer,
) -> None:
    customer_id, dimension_id = _catalog(server, "fork")
    output = _run(server, "fork", customer_id, dimension_id)
    assert "child 0 pending 0" in output
    expected = [Decimal(i) for i in range(1, 2 * COUNT + 1)]
    assert _stored(server, customer_id) == expected


def test_sigterm_flushes_within_the_deadline_and_loses_nothing(server: SimulatorServer) -> None:
    customer_id, dimension_id = _catalog(server, "sigterm")
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "sigterm", customer_id, dimension_id, str(COUNT)],
        env=_env(server),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    try:
        assert process.stdout.readline().strip() == "ready"
        assert _stored(server, customer_id) == []  # nothing sent before the signal
        process.send_signal(signal.SIGTERM)
        code = process.wait(TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
    assert code == 128 + signal.SIGTERM
    assert _stored(server, customer_id) == [Decimal(i) for i in range(1, COUNT + 1)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


UWSGI = shutil.which("uwsgi", path=str(Path(sys.executable).parent)) or shutil.which("uwsgi")


@pytest.mark.skipif(
    UWSGI is None, reason="uWSGI is not installed (the dev extra installs it as pyuwsgi on Linux)"
)
def test_uwsgi_without_threads_delivers_on_the_calling_thread(
    server: SimulatorServer, tmp_path: Path
) -> None:
    assert UWSGI is not None
    customer_id, dimension_id = _catalog(server, "uwsgi")
    app = tmp_path / "app.py"
    app.write_text(
        textwrap.dedent(
            f"""
            from paigo_sdk import PaigoClient

            client = PaigoClient()
            batcher = client.usage.batcher(max_batch=10)

            def application(environ, start_response):
                path = environ["PATH_INFO"]
                if path == "/ping":
                    body = "pong"
                elif path == "/flush":
                    report = batcher.flush(timeout=30)
                    body = f"{{report.delivered}} {{report.pending}}"
                else:
                    batcher.add({customer_id!r}, {dimension_id!r}, int(path[1:]))
                    body = "ok"
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [body.encode()]
            """
        )
    )
    port = _free_port()
    log = tmp_path / "uwsgi.log"
    process = subprocess.Popen(
        [
            UWSGI,
            "--http-socket",
            f"127.0.0.1:{port}",
            "--wsgi-file",
            str(app),
            "--processes",
            "1",
            "--need-app",
            "--logto",
            str(log),
        ],
        env=_env(server),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{base}/ping", timeout=5)
                break
            except httpx.TransportError:
                threading.Event().wait(0.1)
        for value in range(26):
            assert httpx.get(f"{base}/{value}", timeout=30).text == "ok"
        _, pending = httpx.get(f"{base}/flush", timeout=60).text.split()
    finally:
        process.terminate()
        process.wait(30)
    assert pending == "0"
    assert _stored(server, customer_id) == [Decimal(i) for i in range(26)]
    assert log.read_text().count("uWSGI runs without enable-threads") == 1


@pytest.fixture
def fake_uwsgi(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("uwsgi")
    module.opt = {}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "uwsgi", module)
    monkeypatch.setattr(threaded, "_warned_inline", False)
    return module


@pytest.mark.parametrize(
    ("options", "cannot"),
    [
        ({}, True),
        ({b"enable-threads": True}, False),
        ({"enable-threads": b"1"}, False),
        ({b"threads": b"4"}, False),
        ({b"enable-threads": b"0"}, True),
    ],
)
def test_uwsgi_without_threads_is_detected(
    fake_uwsgi: types.ModuleType, options: dict[object, object], cannot: bool
) -> None:
    fake_uwsgi.opt = options  # type: ignore[attr-defined]
    assert threaded.threads_cannot_run() is cannot


def test_outside_uwsgi_threads_run() -> None:
    assert "uwsgi" not in sys.modules
    assert not threaded.threads_cannot_run()


def test_the_synchronous_fallback_starts_no_thread_and_warns_once(
    fake_uwsgi: types.ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    server = FakeUsageServer()
    before = threading.active_count()
    with caplog.at_level(logging.WARNING, logger="paigo_sdk.batching"):
        first = UsageBatcher(FakeClient(server), max_batch=5)  # type: ignore[arg-type]
        second = UsageBatcher(FakeClient(server), max_batch=5)  # type: ignore[arg-type]
    for value in range(1, 8):
        first.add("c1", "d1", value)
    assert len(server.stored) == 5  # max_batch reached: delivered inside add()
    assert threading.active_count() == before
    assert first.close(timeout=10).delivered == 7
    second.close()
    assert sorted(value for _, _, value in server.stored) == [Decimal(i) for i in range(1, 8)]
    assert caplog.text.count("uWSGI runs without enable-threads") == 1


def test_flush_before_return_flushes_even_when_the_handler_raises() -> None:
    server = FakeUsageServer()
    batcher = UsageBatcher(FakeClient(server), flush_interval=3600)  # type: ignore[arg-type]

    @flush_before_return(batcher, timeout=10)
    def handler() -> None:
        batcher.add("c1", "d1", 1)
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        handler()
    assert len(server.stored) == 1
    batcher.close()


def test_the_lifecycle_helpers_refuse_bad_arguments() -> None:
    batcher = UsageBatcher(FakeClient(FakeUsageServer()))  # type: ignore[arg-type]
    with pytest.raises(ClientValidationError):
        flush_on_sigterm(batcher, timeout=-1)
    with pytest.raises(ClientValidationError):
        flush_before_return(batcher, timeout=-1)
    errors: list[BaseException] = []

    def off_main() -> None:
        try:
            flush_on_sigterm(batcher)
        except ClientValidationError as error:
            errors.append(error)

    worker = threading.Thread(target=off_main)
    worker.start()
    worker.join()
    assert len(errors) == 1
    batcher.close()
