"""The SDK's public client against the in-process simulator, once synchronously and once async.

Tests are written once, synchronously: the `paigo` fixture is either a `PaigoClient` or an
`AsyncPaigoClient` whose coroutines are run to completion on one event loop per test.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from simulator import ManualClock, Simulator

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


class Blocking:
    """Run an object's coroutine methods to completion, so sync and async clients read alike."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if inspect.ismethod(value) or inspect.isfunction(value):

            def call(*args: Any, **kwargs: Any) -> Any:
                result = value(*args, **kwargs)
                if inspect.isawaitable(result):
                    return self._loop.run_until_complete(result)
                return result

            return call
        if _is_resource(value):
            return Blocking(value, self._loop)
        return value


def _is_resource(value: Any) -> bool:
    return type(value).__module__.startswith("paigo_sdk.resources")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[Simulator]:
    with Simulator(clock=clock, seed=1) as simulator:
        yield simulator


@pytest.fixture(params=["sync", "async"])
def paigo(request: pytest.FixtureRequest, sim: Simulator) -> Iterator[Any]:
    """A client of the simulator; async clients are driven through `Blocking`."""
    if request.param == "sync":
        with sim.client(max_retries=0) as client:
            yield client
        return
    loop = asyncio.new_event_loop()
    async_client = sim.async_client(max_retries=0)
    try:
        yield Blocking(async_client, loop)
    finally:
        loop.run_until_complete(async_client.close())
        loop.close()
