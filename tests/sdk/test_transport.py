"""Real sockets: a forked child never shares a connection, and `timeout` bounds a whole attempt."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import httpx
import pytest

from paigo_sdk import APITimeoutError, AsyncPaigoClient, PaigoClient
from paigo_sdk._transport import (
    POOL_CONNECTIONS,
    SHARD_CONNECTIONS,
    _AsyncShardedPool,
    _DeadlineBackend,
    _NoCookies,
    _ShardedPool,
    new_async_http,
    new_sync_http,
)
from tests.sdk.batching.conftest import SimulatorServer, start_simulator_server

ROUNDS = 150


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    started = start_simulator_server("--seed", "11")
    yield started
    started.stop()


def _client(server: SimulatorServer, **options: object) -> PaigoClient:
    return PaigoClient(
        client_id=server.env["PAIGO_CLIENT_ID"],
        client_secret=server.env["PAIGO_CLIENT_SECRET"],
        api_url=server.env["PAIGO_API_URL"],
        auth_url=server.env["PAIGO_AUTH_URL"],
        **options,  # type: ignore[arg-type]
    )


def _read_own_customer(client: PaigoClient, customer_id: str) -> int:
    """Read one customer many times; return how many replies were someone else's (or failed)."""
    wrong = 0
    for _ in range(ROUNDS):
        try:
            if client.customers.retrieve(customer_id).customer_id != customer_id:
                wrong += 1
        except Exception:
            wrong += 1
    return wrong


def test_after_fork_parent_and_child_each_get_their_own_replies(server: SimulatorServer) -> None:
    client = _client(server, max_retries=0)
    parent_id = client.customers.create(
        customer_name="Parent", email="p@example.test", payment_channel="manual"
    ).customer_id
    child_id = client.customers.create(
        customer_name="Child", email="c@example.test", payment_channel="manual"
    ).customer_id
    # The pool now holds an open keep-alive connection that the fork would share.
    assert client.customers.retrieve(parent_id).customer_id == parent_id
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 3
        try:
            code = min(_read_own_customer(client, child_id), 100)
        finally:
            os._exit(code)
    parent_wrong = _read_own_customer(client, parent_id)
    _, status = os.waitpid(pid, 0)
    client.close()
    assert os.waitstatus_to_exitcode(status) == 0
    assert parent_wrong == 0


def test_the_pool_is_built_with_the_deadline_backend() -> None:
    # Guards the one place that reaches into httpx: if httpx renames its pool, this fails.
    http = new_sync_http()
    pool = http._transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool, _ShardedPool)
    assert len(pool._shards) * SHARD_CONNECTIONS == POOL_CONNECTIONS
    for shard in pool._shards:
        assert isinstance(shard, httpcore.ConnectionPool)
        assert isinstance(shard._network_backend, _DeadlineBackend)
    http.close()


def test_one_caller_at_a_time_reuses_one_connection(server: SimulatorServer) -> None:
    # Shards are picked by the requests waiting on each, so a sequential caller stays on the
    # first shard and its keep-alive connection instead of opening one connection per shard.
    http = new_sync_http()
    for _ in range(5):
        http.get(f"{server.url}/_simulator/clock").raise_for_status()
    pool = http._transport._pool  # type: ignore[attr-defined]
    assert [len(shard.connections) for shard in pool._shards] == [1] + [0] * (len(pool._shards) - 1)
    http.close()


def test_the_sdk_pool_keeps_no_cookies() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        cookie = request.headers.get("cookie")
        return httpx.Response(200, headers={"set-cookie": "session=abc"}, json={"seen": cookie})

    http = new_sync_http()
    http._transport = httpx.MockTransport(answer)  # keep the SDK's jar, answer in process
    http.get("http://paigo.test/one")
    assert http.get("http://paigo.test/two").json() == {"seen": None}
    assert len(http.cookies.jar) == 0
    http.close()


@pytest.mark.anyio
async def test_the_async_pool_is_sharded_and_keeps_no_cookies() -> None:
    http = new_async_http()
    pool = http._transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool, _AsyncShardedPool)
    assert all(isinstance(shard, httpcore.AsyncConnectionPool) for shard in pool._shards)
    assert isinstance(http.cookies.jar, _NoCookies)
    await http.aclose()


class _Trickle(BaseHTTPRequestHandler):
    """Answers tokens at once; answers everything else one byte at a time, 0.2 s apart."""

    protocol_version = "HTTP/1.1"
    body = b'{"message":"ok","data":[]}' + b" " * 100

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        token = b'{"access_token":"tok","expires_in":3600}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(token)))
        self.end_headers()
        self.wfile.write(token)

    def do_GET(self) -> None:
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(self.body)}\r\n"
        ).encode()
        try:
            if self.path.startswith("/headers/"):
                # The status line and headers themselves trickle in.
                for byte in head:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
                self.wfile.write(b"\r\n" + self.body)
                return
            self.wfile.write(head + b"\r\n")
            for byte in self.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up, as it should


@pytest.fixture(scope="module")
def trickle() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _trickle_client(url: str) -> dict[str, object]:
    return {
        "client_id": "id",
        "client_secret": "secret",
        "api_url": url,
        "auth_url": f"{url}/oauth/token",
        "timeout": 1.0,
        "max_retries": 0,
    }


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_trickling_reply_times_out_within_the_attempt(trickle: str, where: str) -> None:
    # Each byte arrives well within the 1 s per-read timeout; only a whole-attempt bound stops
    # the read before the whole reply (about 25 s of trickle) has arrived.
    url = trickle if where == "body" else f"{trickle}/headers"
    with PaigoClient(**_trickle_client(url)) as client, pytest.raises(APITimeoutError):  # type: ignore[arg-type]
        client.dimensions.list()


@pytest.mark.anyio
@pytest.mark.parametrize("where", ["body", "headers"])
async def test_the_async_client_bounds_a_trickling_reply_too(trickle: str, where: str) -> None:
    url = trickle if where == "body" else f"{trickle}/headers"
    async with AsyncPaigoClient(**_trickle_client(url)) as client:  # type: ignore[arg-type]
        with pytest.raises(APITimeoutError):
            await client.dimensions.list()
