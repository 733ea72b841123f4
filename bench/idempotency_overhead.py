"""Measure what honouring Idempotency-Key costs the api layer on POST /usage and POST /customers.

Usage: .venv/bin/python bench/idempotency_overhead.py [--records N] [--rounds R]
Each scenario sends N requests through `Api.handle` (no transport, no SDK); the scenarios are
interleaved over R rounds and the best round of each is kept, so the printed ratios compare
figures measured in one run. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from simulator.api import DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Api
from simulator.api.messages import ApiRequest
from simulator.clock import ManualClock
from simulator.engine import Engine

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
DIMENSION = {
    "dimensionName": "Data Processed",
    "consumptionUnit": {"type": "data", "unit": "gigabyte"},
    "usageIncrement": "1",
    "rounding": "ceiling",
    "consumptionPrice": "0.08",
    "aggregationMethod": "sum",
}


class _Scenario:
    def __init__(self) -> None:
        clock = ManualClock(START)
        self.api = Api(Engine(clock=clock, seed=1), clock=clock)
        token = self._post(
            "/oauth/token",
            {
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "audience": DEFAULT_AUDIENCE,
            },
            {},
        )["access_token"]
        self.auth = {"authorization": f"Bearer {token}"}
        self.dimension = self._post("/dimensions", DIMENSION, self.auth)["dimensionId"]
        self.customer = self._post(
            "/customers",
            {"customerName": "A", "email": "a@example.com", "paymentChannel": "manual"},
            self.auth,
        )["customerId"]

    def _post(self, path: str, body: object, headers: dict[str, str]) -> dict[str, str]:
        reply = self.api.handle(self.request(path, json.dumps(body).encode(), headers))
        assert 200 <= reply.status < 300, reply.body
        return json.loads(reply.body)  # type: ignore[no-any-return]

    def request(self, path: str, body: bytes, headers: dict[str, str]) -> ApiRequest:
        return ApiRequest(
            "POST",
            path,
            headers={
                "content-type": "application/json",
                "host": "paigo-simulator.local",
                **headers,
            },
            body=body,
        )

    def usage(self, n: int, *, keyed: bool) -> list[ApiRequest]:
        requests = []
        for i in range(n):
            body = {
                "customerId": self.customer,
                "dimensionId": self.dimension,
                "timestamp": "2026-11-24T07:30:00.000Z",
                "recordValue": f"{i % 100}.5",
            }
            headers = {**self.auth, **({"idempotency-key": f"k-{i}"} if keyed else {})}
            requests.append(self.request("/usage", json.dumps(body).encode(), headers))
        return requests

    def customers(self, n: int, *, keyed: bool) -> list[ApiRequest]:
        requests = []
        for i in range(n):
            body = {"customerName": f"C{i}", "email": "c@example.com", "paymentChannel": "manual"}
            headers = {**self.auth, **({"idempotency-key": f"c-{i}"} if keyed else {})}
            requests.append(self.request("/customers", json.dumps(body).encode(), headers))
        return requests


def _time(requests: list[ApiRequest], handle: Callable[[ApiRequest], object]) -> float:
    started = time.perf_counter()
    for request in requests:
        handle(request)
    return (time.perf_counter() - started) / len(requests) * 1e6


def main() -> None:
    """Print microseconds per request for each scenario and the keyed/unkeyed ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    best: dict[str, float] = {}
    for _ in range(options.rounds):
        for name in ("usage", "usage+key", "usage replay", "customers", "customers+key"):
            scenario = _Scenario()
            kind, _, variant = name.partition("+")
            if name == "usage replay":
                requests = scenario.usage(options.records, keyed=True)
                _time(requests, scenario.api.handle)  # first pass stores; the timed pass replays
            elif kind.startswith("usage"):
                requests = scenario.usage(options.records, keyed=variant == "key")
            else:
                requests = scenario.customers(options.records, keyed=variant == "key")
            micros = _time(requests, scenario.api.handle)
            best[name] = min(best.get(name, micros), micros)
    for name, micros in best.items():
        print(f"{name:15s} {micros:8.1f} µs per request")
    print(f"usage with a key / without:     {best['usage+key'] / best['usage']:.2f}x")
    print(f"customers with a key / without: {best['customers+key'] / best['customers']:.2f}x")


if __name__ == "__main__":
    main()
