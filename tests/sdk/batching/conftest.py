"""A `paigo-simulator serve` subprocess on a free loopback port, for the batcher's process tests."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

START_TIMEOUT = 60.0


@dataclass
class SimulatorServer:
    """A running `python -m simulator serve` and what it printed."""

    process: subprocess.Popen[str]
    env: dict[str, str]
    pump: threading.Thread

    @property
    def url(self) -> str:
        return self.env["PAIGO_API_URL"]

    def admin(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        reply = httpx.request(method, f"{self.url}/_simulator/{path}", timeout=30, **kwargs)  # type: ignore[arg-type]
        reply.raise_for_status()
        return reply

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self.pump.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_simulator_server(*args: str) -> SimulatorServer:
    """Start the server and wait for the `PAIGO_*` lines it prints.

    Raises:
        RuntimeError: when it exits or prints nothing usable in time.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", *args],
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

    pumping = threading.Thread(target=pump, daemon=True)
    pumping.start()
    printed: dict[str, str] = {}
    seen: list[str] = []
    while "PAIGO_CLIENT_SECRET" not in printed:
        try:
            line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            line = None
        if line is None:
            process.kill()
            process.wait()
            raise RuntimeError("the simulator server did not start:\n" + "\n".join(seen))
        seen.append(line)
        name, sep, value = line.partition("=")
        if sep and name.startswith("PAIGO_"):
            printed[name.strip()] = value.strip()
    return SimulatorServer(process, printed, pumping)


@pytest.fixture
def simulator_server() -> Iterator[SimulatorServer]:
    """A fresh server accepting usage batches, stopped after the test."""
    server = start_simulator_server("--array-batches", "--seed", "5")
    yield server
    server.stop()
