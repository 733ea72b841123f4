"""The direct way through the SDK's pool: real sockets, the same requests and the same errors.

A plain JSON request skips httpx's request, client machinery and response objects and goes
through the pool's `exchange`. These tests run a real HTTP server on 127.0.0.1 and check that the
server receives the request httpx would have sent, and that every reply the SDK cannot use
still raises the typed error httpx's path raises.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from paigo_sdk import (
    APIConnectionError,
    APIDecodingError,
    APIResponseValidationError,
    AsyncPaigoClient,
    PaigoClient,
    PaigoError,
)
from paigo_sdk._asyncio_backend import AsyncioStream
from paigo_sdk._transport import _AsyncShardedPool, _ShardedPool

LIST = json.dumps({"message": "ok", "data": []}).encode()
RECORD = json.dumps(
    {
        "message": "ok",
        "data": {
            "customerId": "c-1",
            "dimensionId": "d-1",
            "recordValue": "1",
            "timestamp": "2026-12-01T00:00:00.000Z",
        },
    }
).encode()


@dataclass
class Script:
    """What the server answers per path (the last reply repeats) and what it received."""

    replies: dict[str, list[tuple[int, dict[str, str], bytes]]] = field(default_factory=dict)
    received: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    tokens: int = 0
    close_after_reply: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        with self.lock:
            queued = self.replies.get(path)
            if not queued:
                return None
            return queued.pop(0) if len(queued) > 1 else queued[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script: Script

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = self.path.split("?")[0]
        if path == "/oauth/token":
            with self.script.lock:
                self.script.tokens += 1
                number = self.script.tokens
            self._send(200, {}, json.dumps({"access_token": f"tok{number}"}).encode())
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        with self.script.lock:
            self.script.received.append((self.command, path, headers, body))
        answer = self.script.answer(path)
        if answer is None:
            self._send(404, {}, b'{"message":"no such path"}')
            return
        status, extra, content = answer
        if status == 0:  # close the connection without answering
            self.close_connection = True
            return
        self._send(status, extra, content)
        if self.script.close_after_reply:
            # Close the connection after a keep-alive reply, as a server timing out an idle
            # connection does: the client learns it only when it next uses the connection.
            self.close_connection = True

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _serve
    do_POST = _serve


@dataclass
class Server:
    url: str
    script: Script


@pytest.fixture
def server() -> Iterator[Server]:
    script = Script()
    handler = type("Handler", (_Handler,), {"script": script})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", script)
    httpd.shutdown()
    httpd.server_close()


def _options(server: Server) -> dict[str, Any]:
    return {
        "client_id": "id",
        "client_secret": "secret",
        "api_url": server.url,
        "auth_url": f"{server.url}/oauth/token",
        "timeout": 5.0,
        "max_retries": 0,
    }


@pytest.fixture
def exchanges(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the requests that went the direct way, sync and async."""
    seen: list[str] = []
    sync_exchange = _ShardedPool.exchange
    async_exchange = _AsyncShardedPool.exchange

    def counted(self: _ShardedPool, method: str, url: str, *args: Any) -> Any:
        seen.append(f"{method} {url}")
        return sync_exchange(self, method, url, *args)

    async def async_counted(self: _AsyncShardedPool, method: str, url: str, *args: Any) -> Any:
        seen.append(f"{method} {url}")
        return await async_exchange(self, method, url, *args)

    monkeypatch.setattr(_ShardedPool, "exchange", counted)
    monkeypatch.setattr(_AsyncShardedPool, "exchange", async_counted)
    return seen


def test_a_usage_record_goes_the_direct_way_as_httpx_would_send_it(
    server: Server, exchanges: list[str]
) -> None:
    server.script.replies["/usage"] = [(201, {}, RECORD)]
    with PaigoClient(**_options(server)) as client:
        client.usage.record(
            customer_id="c-1",
            dimension_id="d-1",
            record_value=1,
            idempotency_key="key-1",
        )
    assert exchanges == [f"POST {server.url}/usage"]
    [(method, path, headers, body)] = server.script.received
    assert (method, path) == ("POST", "/usage")
    assert headers["authorization"] == "Bearer tok1"
    assert headers["content-type"] == "application/json"
    assert headers["idempotency-key"] == "key-1"
    assert headers["content-length"] == str(len(body))
    assert headers["host"] == server.url.removeprefix("http://")
    sent = json.loads(body)
    assert (sent["customerId"], sent["dimensionId"], sent["recordValue"]) == ("c-1", "d-1", "1")


@pytest.mark.anyio
async def test_the_async_client_goes_the_direct_way_once_it_holds_a_token(
    server: Server, exchanges: list[str]
) -> None:
    server.script.replies["/dimensions"] = [(200, {}, LIST)]
    async with AsyncPaigoClient(**_options(server)) as client:
        assert await client.dimensions.list() == []  # fetches the token through httpx
        assert await client.dimensions.list() == []
    assert exchanges == [f"GET {server.url}/dimensions"]
    assert [headers["authorization"] for _, _, headers, _ in server.script.received] == [
        "Bearer tok1",
        "Bearer tok1",
    ]


NESTED = b"[" * 100_000 + b"]" * 100_000
UNUSABLE: dict[str, tuple[tuple[int, dict[str, str], bytes], type[PaigoError]]] = {
    "a bad Content-Encoding": ((200, {"Content-Encoding": "gzip"}, b"not gzip"), APIDecodingError),
    "a truncated gzip body": (
        (200, {"Content-Encoding": "gzip"}, gzip.compress(LIST)[:20]),
        PaigoError,  # httpx reads what the cut body holds; what is missing fails validation
    ),
    "a success that is not JSON": ((200, {}, b"<html>oops</html>"), APIResponseValidationError),
    "deeply nested JSON": ((200, {}, NESTED), APIResponseValidationError),
    "no reply at all": ((0, {}, b""), APIConnectionError),
}


@pytest.mark.parametrize(("reply", "error"), UNUSABLE.values(), ids=UNUSABLE.keys())
def test_an_unusable_reply_the_direct_way_raises_the_typed_error(
    server: Server, exchanges: list[str], reply: tuple[int, dict[str, str], bytes], error: type
) -> None:
    server.script.replies["/dimensions"] = [reply]
    with PaigoClient(**_options(server)) as client, pytest.raises(error):
        client.dimensions.list()
    assert exchanges  # the direct way was taken


@pytest.mark.anyio
@pytest.mark.parametrize(("reply", "error"), UNUSABLE.values(), ids=UNUSABLE.keys())
async def test_the_async_direct_way_raises_the_same_typed_errors(
    server: Server, exchanges: list[str], reply: tuple[int, dict[str, str], bytes], error: type
) -> None:
    server.script.replies["/dimensions"] = [(200, {}, LIST), reply]
    async with AsyncPaigoClient(**_options(server)) as client:
        await client.dimensions.list()
        with pytest.raises(error):
            await client.dimensions.list()
    assert exchanges


def test_a_compressed_reply_is_decoded(server: Server, exchanges: list[str]) -> None:
    body = json.dumps({"message": "ok", "data": [{"bad": "shape"}]}).encode()
    server.script.replies["/dimensions"] = [
        (200, {"Content-Encoding": "gzip"}, gzip.compress(LIST)),
        (200, {"Content-Encoding": "gzip"}, gzip.compress(body)),
    ]
    with PaigoClient(**_options(server)) as client:
        assert client.dimensions.list() == []
        # The decoded body is what validation reads (and refuses here).
        with pytest.raises(APIResponseValidationError, match="did not fit"):
            client.dimensions.list()
    assert len(exchanges) == 2


def test_a_refused_token_is_fetched_again_and_the_request_sent_again(
    server: Server, exchanges: list[str]
) -> None:
    server.script.replies["/dimensions"] = [(401, {}, b'{"message":"expired"}'), (200, {}, LIST)]
    with PaigoClient(**_options(server)) as client:
        assert client.dimensions.list() == []
    assert server.script.tokens == 2
    assert [headers["authorization"] for _, _, headers, _ in server.script.received] == [
        "Bearer tok1",
        "Bearer tok2",
    ]


def test_a_client_given_its_own_httpx_client_keeps_httpx_path(
    server: Server, exchanges: list[str]
) -> None:
    server.script.replies["/dimensions"] = [(200, {}, LIST)]
    hooked: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda request: hooked.append(request.url.path)]})
    with PaigoClient(**_options(server), http_client=http) as client:
        client.dimensions.list()
        client.dimensions.list()
    http.close()
    assert exchanges == []
    assert hooked == ["/oauth/token", "/dimensions", "/dimensions"]


@pytest.mark.anyio
async def test_the_async_pool_notices_a_keep_alive_connection_the_server_closed(
    server: Server,
) -> None:
    server.script.replies["/dimensions"] = [(200, {}, LIST)]
    server.script.close_after_reply = True
    async with AsyncPaigoClient(**_options(server)) as client:
        for _ in range(3):  # no retries: a reused dead connection would fail the call
            assert await client.dimensions.list() == []
            await asyncio.sleep(0.05)  # the close reaches the client's event loop
    assert len(server.script.received) == 3


def test_the_sync_pool_notices_a_keep_alive_connection_the_server_closed(server: Server) -> None:
    server.script.replies["/dimensions"] = [(200, {}, LIST)]
    server.script.close_after_reply = True
    with PaigoClient(**_options(server)) as client:
        for _ in range(3):
            assert client.dimensions.list() == []
            time.sleep(0.05)
    assert len(server.script.received) == 3


@pytest.mark.anyio
async def test_the_async_pool_runs_on_asyncio_streams(server: Server) -> None:
    server.script.replies["/dimensions"] = [(200, {}, LIST)]
    async with AsyncPaigoClient(**_options(server)) as client:
        await client.dimensions.list()
        pool = client._pool.direct
        [connection] = [c for shard in pool._shards for c in shard.connections]
        stream = connection._connection._network_stream
        assert isinstance(stream, AsyncioStream)
        assert stream.get_extra_info("server_addr")[1] == int(server.url.rsplit(":", 1)[1])
