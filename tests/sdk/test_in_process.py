"""The in-process way to a simulator: taken when it may be, and answering as the httpx path does."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import httpx
import pytest

from paigo_sdk import APIConnectionError, APITimeoutError, NotFoundError, PaigoClient
from paigo_sdk._in_process import WireReply, in_process_transport
from paigo_sdk.batching import UsageBatcher
from simulator import FaultRule, Simulator
from simulator.faults import FaultKind
from simulator.transport import SimulatorTransport


class CountingTransport(SimulatorTransport):
    """The simulator's transport, counting which way each request came."""

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim.handler, faults=sim.faults)
        self.direct: list[str] = []
        self.through_httpx: list[str] = []

    def handle_in_process(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> WireReply:
        self.direct.append(f"{method} {url}")
        return super().handle_in_process(method, url, headers, body)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.through_httpx.append(f"{request.method} {request.url.path}")
        return super().handle_request(request)


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=5)


def client_over(sim: Simulator, transport: httpx.BaseTransport, **options: object) -> PaigoClient:
    return sim.client(transport=transport, **options)


def catalog(client: PaigoClient) -> tuple[str, str]:
    dimension = client.dimensions.create(
        dimension_name="API calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment=1,
        rounding="ceiling",
        consumption_price=Decimal("0.01"),
    )
    customer = client.customers.create(
        customer_name="Contoso", email="billing@contoso.example", payment_channel="manual"
    )
    return customer.customer_id, dimension.dimension_id


def test_plain_json_requests_skip_httpx(sim: Simulator) -> None:
    transport = CountingTransport(sim)
    client = client_over(sim, transport)
    customer_id, dimension_id = catalog(client)
    record = {
        "customer_id": customer_id,
        "dimension_id": dimension_id,
        "record_value": 3,
        "timestamp": "2026-01-05T10:00:00Z",
        "idempotency_key": "k-1",
    }
    result = client.usage.record(**record)  # type: ignore[arg-type]
    again = client.usage.record(**record)  # type: ignore[arg-type]
    # Only the token request goes through httpx; every call, the first included, goes the short
    # way.
    assert transport.through_httpx == ["POST /oauth/token"]
    assert transport.direct[-1] == "POST http://paigo-simulator.local/usage"
    assert (result.idempotent_replayed, again.idempotent_replayed) == (False, True)
    assert [r.record_value for r in sim.usage_records()] == [Decimal(3)]


def test_requests_with_a_query_take_the_httpx_path(sim: Simulator) -> None:
    transport = CountingTransport(sim)
    client = client_over(sim, transport)
    customer_id, _ = catalog(client)
    client.customers.retrieve_usage(customer_id, aggregation_interval="none")
    assert transport.through_httpx[-1] == f"GET /customers/{customer_id}/usage"


def test_an_error_reply_reads_as_on_the_httpx_path(sim: Simulator) -> None:
    short = client_over(sim, CountingTransport(sim))
    plain = client_over(sim, httpx.MockTransport(sim.transport().handle_request))
    short.dimensions.list()  # fetch the token, so the next call goes the short way
    errors = []
    for client in (short, plain):
        with pytest.raises(NotFoundError) as caught:
            client.customers.retrieve("cus-missing")
        errors.append(caught.value)
    assert [str(e) for e in errors] == [str(errors[1])] * 2
    first, second = errors
    assert isinstance(first, NotFoundError)
    assert isinstance(second, NotFoundError)
    assert (first.status_code, first.method, first.url, first.body) == (
        second.status_code,
        second.method,
        second.url,
        second.body,
    )


def test_a_refused_token_is_renewed_once(sim: Simulator) -> None:
    transport = CountingTransport(sim)
    client = client_over(sim, transport)
    customer_id, dimension_id = catalog(client)
    sim.api.expire_tokens()
    client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value=1)
    assert [r.status for r in sim.rejected_requests] == [401]
    assert transport.through_httpx.count("POST /oauth/token") == 2
    assert len(sim.usage_records()) == 1


@pytest.mark.parametrize(
    ("kind", "error", "stored"),
    [
        ("hang", APITimeoutError, 0),
        ("drop", APIConnectionError, 0),
        ("lost_response", APIConnectionError, 1),
    ],
)
def test_network_faults_raise_what_httpx_would(
    sim: Simulator, kind: FaultKind, error: type[Exception], stored: int
) -> None:
    transport = CountingTransport(sim)
    client = client_over(sim, transport, max_retries=0)
    customer_id, dimension_id = catalog(client)
    sim.faults.add(FaultRule(kind=kind, method="POST", path="/usage"))
    calls = len(transport.direct)
    with pytest.raises(error):
        client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value=1)
    assert len(transport.direct) == calls + 1
    assert len(sim.usage_records()) == stored


def test_only_plain_urls_and_in_process_transports_qualify(sim: Simulator) -> None:
    transport = sim.transport()
    assert in_process_transport(transport, "http://paigo-simulator.local") is transport
    assert in_process_transport(transport, "http://paigo-simulator.local/a b") is None
    assert (
        in_process_transport(httpx.MockTransport(lambda r: httpx.Response(200)), "http://x") is None
    )


def test_a_batcher_in_process_sends_with_one_worker(sim: Simulator) -> None:
    client = sim.client()
    customer_id, dimension_id = catalog(client)
    with UsageBatcher(client) as batcher:
        for _ in range(20):
            batcher.add(customer_id, dimension_id, 1)
        report = batcher.flush(timeout=30)
        assert batcher.stats().concurrency == 1
    assert (report.complete, report.delivered) == (True, 20)
    with UsageBatcher(client, concurrency=3) as batcher:
        assert batcher.stats().concurrency == 3  # a concurrency given is kept
    assert len(sim.usage_records()) == 20
