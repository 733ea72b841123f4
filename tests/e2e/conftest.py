"""Start `paigo-simulator serve` as a subprocess on a free loopback port for end-to-end tests."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

START_TIMEOUT = 60.0


@dataclass
class ServerProcess:
    """A running `python -m simulator serve`, with the URLs and credentials it printed."""

    process: subprocess.Popen[str]
    url: str
    auth_url: str
    client_id: str
    client_secret: str
    output: list[str] = field(default_factory=list)
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _pump: threading.Thread | None = None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Send `sig`, wait for the exit status and return it (killing the process if stuck)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._pump is not None:
            self._pump.join(timeout)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.drain()
        return self.process.returncode

    def drain(self) -> list[str]:
        """Collect every line printed so far."""
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return self.output
            if line is not None:
                self.output.append(line)

    def token(self) -> str:
        """Return a bearer token from the server's token endpoint."""
        reply = httpx.post(
            self.auth_url,
            json={
                "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            timeout=30,
        )
        reply.raise_for_status()
        return str(reply.json()["access_token"])


def start_server(*args: str) -> ServerProcess:
    """Run `python -m simulator serve --port 0 ARGS` on 127.0.0.1 and wait for its URLs.

    Raises:
        RuntimeError: when the server exits or prints nothing usable within the timeout.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    pump_thread = threading.Thread(target=pump, daemon=True)
    pump_thread.start()
    printed: dict[str, str] = {}
    output: list[str] = []
    while not output or output[-1] != "Press Ctrl+C to stop.":
        try:
            line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            line = None
        if line is None:
            process.kill()
            process.wait()
            pump_thread.join(10)
            if process.stdout is not None:
                process.stdout.close()
            raise RuntimeError("the simulator server did not start:\n" + "\n".join(output))
        output.append(line)
        name, sep, value = line.partition("=")
        if sep and name.startswith("PAIGO_"):
            printed[name] = value
    return ServerProcess(
        process=process,
        url=printed["PAIGO_API_URL"],
        auth_url=printed["PAIGO_AUTH_URL"],
        client_id=printed["PAIGO_CLIENT_ID"],
        client_secret=printed["PAIGO_CLIENT_SECRET"],
        output=output,
        _lines=lines,
        _pump=pump_thread,
    )


@pytest.fixture
def server_factory() -> Iterator[Callable[..., ServerProcess]]:
    """Start servers with extra `serve` arguments; every one is stopped after the test."""
    started: list[ServerProcess] = []

    def factory(*args: str) -> ServerProcess:
        server = start_server(*args)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[ServerProcess]:
    """One server for the session (seeded); tests reset it through `/_simulator/reset`."""
    server = start_server("--seed", "1")
    yield server
    server.stop()


@pytest.fixture
def fresh_server(simulator_server: ServerProcess) -> ServerProcess:
    """The session's server, reset to an empty Paigo with no fault rules."""
    httpx.post(f"{simulator_server.url}/_simulator/reset", timeout=30).raise_for_status()
    httpx.delete(f"{simulator_server.url}/_simulator/faults", timeout=30).raise_for_status()
    return simulator_server
