"""Measure single-record posts over loopback: `paigo-simulator serve` against a minimal uvicorn app.

Two servers run as their own processes on 127.0.0.1: `python -m simulator serve`, and a minimal
ASGI app under uvicorn (h11, the same log settings) that reads the body and answers a fixed 201
`{"message": "Usage record created"}`. One `httpx.Client` on a kept-alive connection posts the
same usage record to each, one request at a time, in interleaved rounds, so that other work on a
shared machine slows both alike. Two figures, each the median of the per-round ratios: requests
per second (simulator / minimal app), and, because a loaded machine makes wall-clock rates
jumpy, each server process's own CPU time per request (minimal app / simulator, read from
/proc, so Linux only): the share of the minimal app's throughput the simulator would reach
when CPU-bound. The simulator's stored records are counted at the end. Run:

    .venv/bin/python bench/loopback_single.py [--requests 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from paigo_sdk import PaigoClient

MINIMAL_APP = """
import sys, uvicorn
REPLY = b'{"message":"Usage record created"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(REPLY)).encode())]
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 201, "headers": HEADERS})
    await send({"type": "http.response.body", "body": REPLY})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), http="h11", lifespan="off",
            log_level="warning", access_log=False)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIGO_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux `/proc/PID/stat`)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def simulator_server() -> Iterator[tuple[dict[str, str], int]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    printed: dict[str, str] = {}
    try:
        while "PAIGO_CLIENT_SECRET" not in printed:
            name, _, value = lines.get(timeout=60).partition("=")
            if name.startswith("PAIGO_"):
                printed[name.strip()] = value.strip()
        yield printed, process.pid
    finally:
        process.terminate()
        process.wait(30)


@contextmanager
def minimal_server() -> Iterator[tuple[str, int]]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", MINIMAL_APP, str(port)], env=_env())
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.post(url, content=b"{}", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(30)


def posts(http: httpx.Client, url: str, body: dict[str, object], token: str, count: int) -> float:
    """Post `count` records one at a time; return requests per second."""
    began = time.perf_counter()
    for index in range(count):
        reply = http.post(
            url,
            content=json.dumps(body),
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": f"loop-{began}-{index}",
                "Content-Type": "application/json",
            },
        )
        if reply.status_code != 201:
            raise SystemExit(f"unexpected reply {reply.status_code}: {reply.text}")
    return count / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="posts per server and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}")
    with simulator_server() as (env, sim_pid), minimal_server() as (minimal_url, min_pid):
        api_url = env["PAIGO_API_URL"]
        with PaigoClient(
            client_id=env["PAIGO_CLIENT_ID"],
            client_secret=env["PAIGO_CLIENT_SECRET"],
            api_url=api_url,
            auth_url=env["PAIGO_AUTH_URL"],
        ) as client:
            dimension = client.dimensions.create(
                dimension_name="API calls",
                consumption_unit={"type": "count", "unit": "count-based"},
                usage_increment=1,
                rounding="ceiling",
                consumption_price="0.01",
            )
            customer = client.customers.create(
                customer_name="Bench", email="bench@example.test", payment_channel="manual"
            )
        token = httpx.post(
            env["PAIGO_AUTH_URL"],
            json={
                "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
                "grant_type": "client_credentials",
                "client_id": env["PAIGO_CLIENT_ID"],
                "client_secret": env["PAIGO_CLIENT_SECRET"],
            },
        ).json()["access_token"]
        body: dict[str, object] = {
            "customerId": customer.customer_id,
            "dimensionId": dimension.dimension_id,
            "recordValue": "1",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        }
        ratios, cpu_ratios = [], []
        with httpx.Client() as sim_http, httpx.Client() as min_http:
            posts(sim_http, f"{api_url}/usage", body, token, 100)  # warm both connections
            posts(min_http, f"{minimal_url}/usage", body, token, 100)
            for index in range(args.rounds):
                sim_cpu = cpu_seconds(sim_pid)
                sim_rate = posts(sim_http, f"{api_url}/usage", body, token, args.requests)
                sim_cpu = (cpu_seconds(sim_pid) - sim_cpu) / args.requests
                min_cpu = cpu_seconds(min_pid)
                min_rate = posts(min_http, f"{minimal_url}/usage", body, token, args.requests)
                min_cpu = (cpu_seconds(min_pid) - min_cpu) / args.requests
                ratios.append(sim_rate / min_rate)
                cpu_ratios.append(min_cpu / sim_cpu)
                print(
                    f"round {index + 1}: simulator {sim_rate:7.0f} req/s "
                    f"({sim_cpu * 1e6:5.0f} us CPU/request), minimal app {min_rate:7.0f} req/s "
                    f"({min_cpu * 1e6:5.0f} us CPU/request): {sim_rate / min_rate:.2f}x by rate, "
                    f"{min_cpu / sim_cpu:.2f}x by server CPU"
                )
        stored = httpx.get(
            f"{api_url}/_simulator/usage-records?customerId={customer.customer_id}", timeout=120
        ).json()["data"]
        sent = 100 + args.rounds * args.requests
        print(f"stored {len(stored)} of {sent} records sent")
        if len(stored) != sent:
            raise SystemExit(1)
        print(
            f"median: simulator {statistics.median(ratios):.2f}x the minimal uvicorn app by rate, "
            f"{statistics.median(cpu_ratios):.2f}x by server CPU per request"
        )


if __name__ == "__main__":
    main()
