"""The same guarantees over real sockets: `paigo-simulator serve` with its faults, on loopback.

In-process, a dropped connection or a hang is an httpx exception raised by the transport; here the
server really closes the socket, stalls, or applies the request and then breaks the response. The
batcher and the direct client must still store each valid record once and name the invalid ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from paigo_sdk import PaigoClient
from paigo_sdk.errors import AuthenticationError, NotFoundError
from tests.e2e.conftest import ServerProcess, start_server
from tests.reliability.conftest import PRICE

N = 60
INVALID = frozenset({7, 41})

RULES: dict[str, dict[str, Any]] = {
    "503": {"kind": "status", "status": 503, "probability": 0.3},
    "drop": {"kind": "drop", "probability": 0.3},
    "lost-response": {"kind": "lost_response", "probability": 0.3},
    "hang": {"kind": "hang", "hangSeconds": 5, "times": 3},
    "token-expiry": {"kind": "expire_token", "probability": 0.2},
}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    process = start_server("--seed", "4", "--array-batches")
    yield process
    process.stop()


def _admin(server: ServerProcess, method: str, path: str, **kwargs: Any) -> httpx.Response:
    reply = httpx.request(method, f"{server.url}/_simulator/{path}", timeout=10, **kwargs)
    reply.raise_for_status()
    return reply


def _client(server: ServerProcess) -> PaigoClient:
    return PaigoClient(
        client_id=server.client_id,
        client_secret=server.client_secret,
        api_url=server.url,
        auth_url=server.auth_url,
        timeout=0.3,
        max_retries=12,
        retry_deadline=None,
        sleep=lambda _seconds: None,
    )


def _catalog(client: PaigoClient, enrolled: datetime) -> tuple[str, str]:
    dimension = client.dimensions.create(
        dimension_name="API calls",
        consumption_unit={"type": "count", "unit": "count-based"},
        usage_increment="1",
        rounding="ceiling",
        consumption_price=PRICE,
        aggregation_method="sum",
    )
    customer = client.customers.create(
        customer_name="Acme",
        email="billing@acme.test",
        payment_channel="manual",
        offering_id=client.offerings.create(
            offering_name="Metered", dimension_ids=[dimension.dimension_id]
        ).offering_id,
        offering_enrollment_date=enrolled,
    )
    return customer.customer_id, dimension.dimension_id


@pytest.mark.parametrize("path", ["record", "batcher", "batcher-wire"])
@pytest.mark.parametrize("fault", sorted(RULES))
def test_over_sockets_nothing_lost_nothing_doubled(
    server: ServerProcess, fault: str, path: str
) -> None:
    _admin(server, "POST", "reset")
    _admin(server, "DELETE", "faults")
    now = datetime.now(UTC).replace(microsecond=0)
    client = _client(server)
    customer_id, dimension_id = _catalog(client, now - timedelta(days=1))
    rule = _admin(
        server,
        "POST",
        "faults",
        json={"method": "POST", "path": "/usage", "seed": 3, **RULES[fault]},
    ).json()
    values = [Decimal(i % 4) + Decimal("0.5") for i in range(N)]
    customers = ["cus-missing" if i in INVALID else customer_id for i in range(N)]
    rejected: set[str] = set()

    with client:
        if path == "record":
            for index in range(N):
                for _attempt in range(8):
                    try:
                        client.usage.record(
                            customer_id=customers[index],
                            dimension_id=dimension_id,
                            record_value=values[index],
                            timestamp=now - timedelta(minutes=10),
                            metadata={"seq": index},
                            idempotency_key=f"k-{index}",
                        )
                    except NotFoundError:
                        rejected.add(f"k-{index}")
                    except AuthenticationError:
                        # 401 twice in a row (the client retries 401 once): the caller resends
                        # with the same key; see test_matrix.APP_ATTEMPTS.
                        assert fault == "token-expiry"
                        continue
                    break
        else:
            with client.usage.batcher(
                wire_batches=path == "batcher-wire",
                max_batch=20,
                flush_interval=0.02,
                retry_initial_delay=0.001,
                retry_max_delay=0.01,
                retry_deadline=60,
            ) as batcher:
                for index in range(N):
                    batcher.add(
                        customers[index],
                        dimension_id,
                        values[index],
                        timestamp=now - timedelta(minutes=10),
                        metadata={"seq": index},
                        idempotency_key=f"k-{index}",
                    )
                report = batcher.close(timeout=60)
            assert report.pending == 0
            rejected = {r.record.idempotency_key for r in report.rejected}

    faults = _admin(server, "GET", "faults").json()["faults"]
    assert next(f["fired"] for f in faults if f["id"] == rule["id"]) > 0
    assert rejected == {f"k-{i}" for i in INVALID}
    stored = _admin(server, "GET", "usage-records", params={"customerId": customer_id}).json()
    seqs = sorted(r["metadata"]["seq"] for r in stored["data"])
    assert seqs == [i for i in range(N) if i not in INVALID]
    total = sum((Decimal(r["recordValue"]) for r in stored["data"]), Decimal(0))
    assert total == sum((values[i] for i in range(N) if i not in INVALID), Decimal(0))
    everything = _admin(server, "GET", "usage-records").json()["data"]
    assert len(everything) == N - len(INVALID)
