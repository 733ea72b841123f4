"""The ASGI adapter and the uvicorn runner, with a fake handler, over real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from simulator import Simulator
from simulator.api.messages import (
    ApiHandler,
    ApiRequest,
    ApiResponse,
    InlineAnswer,
    InlineApiHandler,
)
from simulator.faults import FaultRule, Faults
from simulator.server import (
    AsgiApp,
    SimulatorServer,
    format_base_url,
    is_loopback,
    scope_to_api_request,
)


class EchoHandler:
    """Answer 201 with a description of the request; thread-safe."""

    def __init__(self) -> None:
        self.requests: list[ApiRequest] = []
        self._lock = threading.Lock()

    def handle(self, request: ApiRequest) -> ApiResponse:
        with self._lock:
            self.requests.append(request)
        body = {
            "path": request.path,
            "query": [list(pair) for pair in request.query],
            "auth": request.headers.get("authorization"),
            "size": len(request.body),
        }
        return ApiResponse(201, (("content-type", "application/json"),), json.dumps(body).encode())


def run_asgi(app: AsgiApp, scope: dict[str, Any], chunks: list[bytes]) -> list[dict[str, Any]]:
    """Drive one HTTP request through the app without a server; return what it sent."""
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: Any) -> None:
        sent.append(dict(message))

    asyncio.run(app(scope, receive, send))
    return sent


def http_scope(path: str = "/x", query: bytes = b"", method: str = "POST") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": [(b"Authorization", b"Bearer t"), (b"x-a", b"1"), (b"X-A", b"2")],
    }


class TestAdapter:
    def test_scope_becomes_an_api_request(self):
        request = scope_to_api_request(http_scope("/usage", b"a=1&a=%20two&b="), b"{}")
        assert request.method == "POST"
        assert request.path == "/usage"
        assert request.query == (("a", "1"), ("a", " two"), ("b", ""))
        assert request.headers == {"authorization": "Bearer t", "x-a": "1, 2"}
        assert request.body == b"{}"

    def test_path_stays_percent_encoded(self):
        scope = {**http_scope("/customers/a/b"), "raw_path": b"/customers/a%2Fb?x=1"}
        assert scope_to_api_request(scope, b"").path == "/customers/a%2Fb"
        assert scope_to_api_request(http_scope("/customers/a b"), b"").path == "/customers/a%20b"

    def test_chunked_body_is_joined_and_reply_sent(self):
        handler = EchoHandler()
        sent = run_asgi(AsgiApp(handler), http_scope(), [b"ab", b"cd", b""])
        assert handler.requests[0].body == b"abcd"
        start, body = sent
        assert start["status"] == 201
        assert (b"content-length", str(len(body["body"])).encode()) in start["headers"]
        assert json.loads(body["body"])["size"] == 4

    def test_oversized_body_is_refused_before_the_handler(self):
        handler = EchoHandler()
        sent = run_asgi(AsgiApp(handler, max_body_bytes=3), http_scope(), [b"ab", b"cd"])
        assert sent[0]["status"] == 413
        assert json.loads(sent[1]["body"])["error"] == "Payload Too Large"
        assert handler.requests == []

    def test_lifespan_runs_the_shutdown_callback(self):
        stopped: list[bool] = []
        app = AsgiApp(EchoHandler(), on_shutdown=lambda: stopped.append(True))
        messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return messages.pop(0)

        async def send(message: Any) -> None:
            sent.append(message["type"])

        asyncio.run(app({"type": "lifespan"}, receive, send))
        assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
        assert stopped == [True]


class TestAddresses:
    @pytest.mark.parametrize(
        ("host", "expected"),
        [
            ("127.0.0.1", True),
            ("127.1.2.3", True),
            ("::1", True),
            ("[::1]", True),
            ("localhost", True),
            ("0.0.0.0", False),
            ("192.168.1.10", False),
            ("example.com", False),
        ],
    )
    def test_is_loopback(self, host, expected):
        assert is_loopback(host) is expected

    def test_format_base_url_brackets_ipv6(self):
        assert format_base_url("127.0.0.1", 80) == "http://127.0.0.1:80"
        assert format_base_url("::1", 80) == "http://[::1]:80"


@pytest.fixture
def handler() -> EchoHandler:
    return EchoHandler()


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def server(handler, faults):
    with SimulatorServer(AsgiApp(handler, faults=faults), host="127.0.0.1", port=0) as running:
        yield running


class TestOverSockets:
    def test_port_zero_picks_a_free_port_reported_in_the_url(self, server):
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"

    def test_request_round_trip(self, server, handler):
        with httpx.Client(base_url=server.url) as client:
            response = client.post("/usage?x=1", content=b"abc", headers={"Authorization": "B t"})
        assert response.status_code == 201
        assert response.json() == {
            "path": "/usage",
            "query": [["x", "1"]],
            "auth": "B t",
            "size": 3,
        }

    def test_status_fault(self, server, handler, faults):
        faults.add(FaultRule(kind="status", status=503, times=1))
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/a").status_code == 503
            assert client.get("/a").status_code == 201
        assert len(handler.requests) == 1

    def test_drop_closes_the_connection_without_applying(self, server, handler, faults):
        faults.add(FaultRule(kind="drop", times=1))
        with httpx.Client(base_url=server.url) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                client.post("/usage", content=b"{}")
            assert client.get("/after").status_code == 201
        assert [r.path for r in handler.requests] == ["/after"]

    def test_refuse_over_a_socket_behaves_as_drop(self, server, handler, faults):
        faults.add(FaultRule(kind="refuse", times=1))
        with httpx.Client(base_url=server.url) as client, pytest.raises(httpx.RemoteProtocolError):
            client.post("/usage", content=b"{}")
        assert handler.requests == []

    def test_lost_response_applies_then_closes(self, server, handler, faults):
        faults.add(FaultRule(kind="lost_response", times=1))
        with httpx.Client(base_url=server.url) as client, pytest.raises(httpx.RemoteProtocolError):
            client.post("/usage", content=b"{}")
        assert [r.path for r in handler.requests] == ["/usage"]

    def test_hang_outlasts_the_client_timeout_without_applying(self, server, handler, faults):
        faults.add(FaultRule(kind="hang", hang_seconds=60, times=1))
        with httpx.Client(base_url=server.url, timeout=0.2) as client:
            with pytest.raises(httpx.ReadTimeout):
                client.post("/usage", content=b"{}")
            assert client.get("/after", timeout=10).status_code == 201
        assert [r.path for r in handler.requests] == ["/after"]


def test_stop_ends_the_background_thread(handler):
    server = SimulatorServer(AsgiApp(handler)).start()
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/x").status_code == 201
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/x", timeout=5)


def _usage_setup(sim: Simulator) -> tuple[str, bytes]:
    """A bearer token and one `POST /usage` body for a new customer and dimension."""
    client = sim.client()
    dimension = client.dimensions.create(
        dimension_name="API calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment=1,
        rounding="ceiling",
        consumption_price="0.01",
    )
    customer = client.customers.create(
        customer_name="Inline", email="inline@example.test", payment_channel="manual"
    )
    body = {
        "customerId": customer.customer_id,
        "dimensionId": dimension.dimension_id,
        "recordValue": "1",
        "timestamp": sim.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    reply = sim.handler.handle(
        ApiRequest(
            "POST",
            "/oauth/token",
            headers={"content-type": "application/json"},
            body=json.dumps(
                {
                    "grant_type": "client_credentials",
                    "client_id": sim.client_id,
                    "client_secret": "paigo-simulator-secret",
                    "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
                }
            ).encode(),
        )
    )
    return json.loads(reply.body)["access_token"], json.dumps(body).encode()


def _inline(handler: ApiHandler) -> Callable[[ApiRequest], InlineAnswer | None]:
    assert isinstance(handler, InlineApiHandler)
    return handler.handle_inline


def _usage_post(token: str, body: bytes, key: str) -> ApiRequest:
    return ApiRequest(
        "POST",
        "/usage",
        headers={
            "authorization": f"Bearer {token}",
            "content-type": "application/json",
            "idempotency-key": key,
        },
        body=body,
    )


class TestInlineAnswers:
    """A served `Simulator` answers a small `POST /usage` on the event loop when it is free."""

    def test_a_small_usage_post_is_answered_at_once_and_stored(self):
        with Simulator() as sim:
            token, body = _usage_setup(sim)
            answer = _inline(sim.asgi_app().handler)(_usage_post(token, body, "k-1"))
            assert answer is not None
            assert answer.response.status == 201
            assert json.loads(answer.response.body) == {"message": "Usage record created"}
            assert answer.follow_up is None
            assert len(sim.usage_records()) == 1

    def test_other_requests_are_left_to_a_worker_thread(self):
        with Simulator() as sim:
            token, body = _usage_setup(sim)
            inline = _inline(sim.handler)
            listing = ApiRequest("GET", "/dimensions", headers={"authorization": f"Bearer {token}"})
            large = _usage_post(token, b" " * 5000 + body, "k-large")
            assert inline(listing) is None
            assert inline(large) is None
            assert sim.usage_records() == []

    def test_a_busy_simulator_is_never_waited_for(self):
        with Simulator() as sim:
            token, body = _usage_setup(sim)
            held = threading.Event()
            release = threading.Event()

            def hold() -> None:
                with sim._lock:
                    held.set()
                    release.wait(30)

            holder = threading.Thread(target=hold)
            holder.start()
            held.wait(30)
            try:
                answer = _inline(sim.handler)(_usage_post(token, body, "k-busy"))
            finally:
                release.set()
                holder.join(30)
            assert answer is None
            assert sim.usage_records() == []

    def test_due_webhook_deliveries_are_left_as_follow_up_work(self):
        with Simulator() as sim:
            token, body = _usage_setup(sim)
            sim.webhooks.dispatcher.resend("whd-unknown")  # an attempt now due
            answer = _inline(sim.handler)(_usage_post(token, body, "k-hook"))
            assert answer is not None
            assert answer.follow_up is not None
            answer.follow_up()
            assert not sim.webhooks.dispatcher.due()

    def test_over_a_socket_a_busy_simulator_does_not_stall_the_server(self):
        with Simulator() as sim, sim.serve() as server:
            token, body = _usage_setup(sim)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            replies: list[httpx.Response] = []
            with sim._lock:
                poster = threading.Thread(
                    target=lambda: replies.append(
                        httpx.post(f"{server.url}/usage", content=body, headers=headers, timeout=30)
                    )
                )
                poster.start()
                # The dashboard's page needs no lock: the loop answers it meanwhile.
                page = httpx.get(f"{server.url}/dashboard", timeout=30)
                assert page.status_code == 200
                assert sim.engine.usage_records() == []
            poster.join(30)
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                after = client.post("/usage", content=body)
        assert [reply.status_code for reply in replies] == [201]
        assert after.status_code == 201


class RecordingTransport(asyncio.Transport):
    """A transport that keeps every write, for driving the server's protocol without a socket."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8000) if name in ("sockname", "peername") else default

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if data:  # as asyncio's socket transport, which sends nothing for empty data
            self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def serve_one(app: Any, request: bytes) -> RecordingTransport:
    """Feed one raw request to the server's protocol (as `SimulatorServer` runs it); return what
    it wrote."""
    import uvicorn
    from uvicorn.server import ServerState

    from simulator.server import ServerLimits, _guarded_protocol

    config = uvicorn.Config(app, lifespan="off", log_level="warning")
    config.load()
    transport = RecordingTransport()

    async def main() -> None:
        protocol_class = _guarded_protocol(ServerLimits())
        protocol = protocol_class(config, ServerState(), {}, asyncio.get_running_loop())
        protocol.connection_made(transport)
        protocol.data_received(request)
        for _ in range(100):
            await asyncio.sleep(0)
            if transport.closed or protocol.cycle.response_complete:
                break
        protocol.connection_lost(None)

    asyncio.run(main())
    return transport


POST = b"POST /usage HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}"


class TestResponseWrites:
    def test_the_head_and_body_of_a_reply_go_out_in_one_write(self):
        transport = serve_one(AsgiApp(EchoHandler()), POST)
        assert len(transport.writes) == 1
        (written,) = transport.writes
        assert written.startswith(b"HTTP/1.1 201 ")
        head, _, body = written.partition(b"\r\n\r\n")
        assert json.loads(body)["path"] == "/usage"
        assert f"content-length: {len(body)}".encode() in head.lower()

    def test_a_dropped_connection_still_gets_the_status_line(self):
        faults = Faults()
        faults.add(FaultRule(kind="drop", times=1))
        transport = serve_one(AsgiApp(EchoHandler(), faults=faults), POST)
        assert transport.closed
        assert b"".join(transport.writes).startswith(b"HTTP/1.1 200 ")

    def test_an_app_that_does_not_ask_writes_head_and_body_as_they_come(self):
        async def app(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            headers = [(b"content-length", b"2")]
            await send({"type": "http.response.start", "status": 201, "headers": headers})
            await send({"type": "http.response.body", "body": b"{}"})

        transport = serve_one(app, POST)
        assert len(transport.writes) == 2
        assert transport.writes[0].startswith(b"HTTP/1.1 201 ")
        assert transport.writes[1] == b"{}"
