"""The Simulator facade: SDK clients in-process, time, state, faults, inspection and webhooks."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

import simulator
from paigo_sdk.errors import (
    APIConnectionError,
    AuthenticationError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    FaultRule,
    ManualClock,
    Simulator,
    SimulatorTransport,
    SystemClock,
)
from simulator.api import auth as api_auth
from simulator.simulator import AUTH_URL, BASE_URL

from .journey import setup_customer

START = datetime(2026, 1, 10, 12, tzinfo=UTC)


@pytest.fixture
def sim():
    with Simulator(clock=ManualClock(START), seed=7) as instance:
        yield instance


@pytest.fixture
def client(sim):
    with sim.client(sleep=lambda _: None) as paigo:
        yield paigo


def stored_total(sim: Simulator, customer_id: str) -> Decimal:
    return sum(
        (Decimal(r.record_value) for r in sim.usage_records(customer_id=customer_id)), Decimal(0)
    )


class TestPublicNames:
    def test_exports_and_default_credentials(self):
        assert simulator.__all__ == sorted(simulator.__all__)
        assert (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET) == (
            api_auth.DEFAULT_CLIENT_ID,
            api_auth.DEFAULT_CLIENT_SECRET,
        )
        for name in simulator.__all__:
            assert getattr(simulator, name) is not None

    def test_unknown_attribute_is_an_attribute_error(self):
        with pytest.raises(AttributeError):
            _ = simulator.Nope


class TestClients:
    def test_client_is_authenticated_in_process(self, sim, client):
        assert client.dimensions.list() == []
        assert isinstance(sim.transport(), SimulatorTransport)
        assert str(client.api_url).rstrip("/") == BASE_URL

    @pytest.mark.anyio
    async def test_async_client_shares_the_same_state(self, sim, client):
        setup_customer(client)
        async with sim.async_client() as paigo:
            [dimension] = await paigo.dimensions.list()
        assert dimension.dimension_name == "Data Processed"

    def test_plain_httpx_reaches_the_token_endpoint_and_api(self, sim):
        with httpx.Client(transport=sim.transport()) as http:
            token = http.post(
                AUTH_URL,
                json={
                    "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
                    "grant_type": "client_credentials",
                    "client_id": DEFAULT_CLIENT_ID,
                    "client_secret": DEFAULT_CLIENT_SECRET,
                },
            ).json()["access_token"]
            reply = http.get(f"{BASE_URL}/offerings", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200

    def test_custom_credentials(self):
        with Simulator(client_id="me", client_secret="s3cret") as sim:
            with sim.client() as paigo:
                assert paigo.customers.list() == []
            with (
                sim.client(client_secret="wrong", max_retries=0) as paigo,
                pytest.raises(AuthenticationError),
            ):
                paigo.customers.list()

    def test_simulators_are_independent(self):
        with Simulator() as first, Simulator() as second:
            with first.client() as paigo:
                setup_customer(paigo)
            with second.client() as paigo:
                assert paigo.customers.list() == []

    def test_concurrent_clients_on_threads_lose_nothing(self, sim, client):
        customer_id, dimension_id = setup_customer(client)

        def send(worker: int) -> None:
            with sim.client() as paigo:
                for n in range(25):
                    paigo.usage.record(
                        customer_id=customer_id,
                        dimension_id=dimension_id,
                        record_value="1",
                        idempotency_key=f"w{worker}-{n}",
                    )

        threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert stored_total(sim, customer_id) == 100


class TestTimeAndState:
    def test_advance_closes_due_cycles_before_returning(self, sim, client):
        customer_id, dimension_id = setup_customer(client)
        client.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value="10")
        sim.advance(days=31)
        invoices = sim.engine.list_customer_invoices(customer_id)
        assert [i.invoice_type for i in invoices] == ["RECURRING"]
        assert invoices[0].total_amount_without_tax == Decimal("0.80")

    def test_set_time_moves_forward_only(self, sim):
        assert sim.set_time(START + timedelta(hours=1)) == START + timedelta(hours=1)
        with pytest.raises(ValueError, match="backwards"):
            sim.set_time(START)

    def test_advance_needs_a_manual_clock(self):
        with Simulator(clock=SystemClock()) as sim, pytest.raises(TypeError, match="ManualClock"):
            sim.advance(days=1)

    def test_reset_forgets_everything_but_tokens(self, sim, client):
        setup_customer(client)
        sim.faults.add(FaultRule(kind="latency", latency=0.0))
        sim.reset()
        assert client.customers.list() == []
        assert sim.faults.list() == []
        assert sim.rejected_requests == []

    def test_snapshot_and_restore(self, sim, client):
        customer_id, _ = setup_customer(client)
        saved = sim.snapshot()
        client.customers.delete(customer_id)
        sim.restore(saved)
        assert [c.customer_id for c in client.customers.list()] == [customer_id]

    def test_rejected_requests_are_recorded(self, sim, client):
        with pytest.raises(NotFoundError):
            client.customers.retrieve("missing")
        [rejected] = sim.rejected_requests
        assert (rejected.method, rejected.status) == ("GET", 404)

    def test_seed_makes_ids_reproducible(self):
        def ids() -> list[str]:
            with Simulator(clock=ManualClock(START), seed=3) as sim, sim.client() as paigo:
                return list(setup_customer(paigo))

        assert ids() == ids()


class TestInspection:
    def test_preview_and_period_invoice(self, sim, client):
        customer_id, dimension_id = setup_customer(client)
        client.usage.record(
            customer_id=customer_id,
            dimension_id=dimension_id,
            record_value="3",
            timestamp=START + timedelta(minutes=1),
        )
        sim.advance(hours=1)
        preview = sim.preview_invoice(customer_id)
        assert preview.total_amount_without_tax == Decimal("0.24")
        assert sim.engine.list_customer_invoices(customer_id) == []
        invoice = sim.create_period_invoice(customer_id, START, START + timedelta(hours=1))
        assert invoice.invoice_type == "MANUAL"
        assert invoice.total_amount_without_tax == Decimal("0.24")


class TestFaults:
    def test_status_fault_is_retried_by_the_sdk(self, sim, client):
        rule_id = sim.faults.add(FaultRule(kind="status", status=503, path="/dimensions", times=2))
        assert client.dimensions.list() == []
        assert sim.faults.fired(rule_id) == 2

    def test_rate_limit_without_retries_surfaces(self, sim):
        sim.faults.add(FaultRule(kind="status", status=429, retry_after=1, path="/customers"))
        with sim.client(max_retries=0) as paigo, pytest.raises(RateLimitError) as error:
            paigo.customers.list()
        assert error.value.retry_after == 1

    def test_persistent_500_surfaces_after_retries(self, sim):
        sim.faults.add(FaultRule(kind="status", status=500, path="/offerings"))
        with (
            sim.client(max_retries=2, sleep=lambda _: None) as paigo,
            pytest.raises(InternalServerError),
        ):
            paigo.offerings.list()

    def test_lost_response_is_not_double_counted_with_deduplication(self, sim, client):
        customer_id, dimension_id = setup_customer(client)
        sim.faults.add(FaultRule(kind="lost_response", method="POST", path="/usage", times=1))
        result = client.usage.record(
            customer_id=customer_id, dimension_id=dimension_id, record_value="5"
        )
        assert result.idempotent_replayed is True
        assert stored_total(sim, customer_id) == 5

    def test_lost_response_double_counts_without_deduplication(self):
        with Simulator(clock=ManualClock(START), deduplication=False) as sim:
            with sim.client(sleep=lambda _: None) as paigo:
                customer_id, dimension_id = setup_customer(paigo)
                sim.faults.add(FaultRule(kind="lost_response", path="/usage", times=1))
                paigo.usage.record(
                    customer_id=customer_id, dimension_id=dimension_id, record_value="5"
                )
            assert stored_total(sim, customer_id) == 10

    def test_hang_without_retries_is_a_connection_error_and_stores_nothing(self, sim, client):
        customer_id, dimension_id = setup_customer(client)
        sim.faults.add(FaultRule(kind="hang", path="/usage"))
        with (
            sim.client(max_retries=0) as paigo,
            pytest.raises(APIConnectionError),
        ):
            paigo.usage.record(customer_id=customer_id, dimension_id=dimension_id, record_value="1")
        assert stored_total(sim, customer_id) == 0

    @pytest.mark.parametrize("kind", ["expire_token", "revoke_token"])
    def test_token_loss_is_recovered_by_a_refresh(self, sim, client, kind):
        assert client.dimensions.list() == []
        rule_id = sim.faults.add(FaultRule(kind=kind, path="/dimensions", times=1))
        assert client.dimensions.list() == []
        assert sim.faults.fired(rule_id) == 1
        assert any(r.status == 401 for r in sim.rejected_requests)

    def test_token_lifetime_follows_the_simulator_clock(self):
        with (
            Simulator(clock=ManualClock(START), token_lifetime=60) as sim,
            sim.client() as paigo,
        ):
            assert paigo.offerings.list() == []
            sim.advance(minutes=5)
            assert paigo.offerings.list() == []


class TestWebhooks:
    def test_deliveries_go_through_the_given_transport(self):
        received: list[httpx.Request] = []

        def receiver(request: httpx.Request) -> httpx.Response:
            received.append(request)
            return httpx.Response(200)

        with Simulator(
            clock=ManualClock(START),
            webhook_transport=httpx.MockTransport(receiver),
        ) as sim:
            with sim.client() as paigo:
                paigo.webhooks.subscribe(
                    hook_url="http://receiver.test/hooks",
                    webhook_type="CUSTOMER_CREATED",
                    security_key="k3y",
                )
                setup_customer(paigo)
            [delivery] = sim.webhook_deliveries
        assert delivery.status == "delivered"
        [request] = received
        assert request.headers["X-Paigo-Security"] == "k3y"
        assert json.loads(request.content)["customerName"] == "Dumm AI Corp"

    def test_background_delivery_can_be_awaited(self):
        seen = threading.Event()

        def receiver(request: httpx.Request) -> httpx.Response:
            seen.set()
            return httpx.Response(204)

        with Simulator(webhook_transport=httpx.MockTransport(receiver)) as sim:
            with sim.client() as paigo:
                paigo.webhooks.subscribe(
                    hook_url="http://receiver.test/hooks", webhook_type="CUSTOMER_CREATED"
                )
                setup_customer(paigo)
            assert sim.wait_for_webhooks(timeout=30)
            assert seen.is_set()
            assert [d.status for d in sim.webhook_deliveries] == ["delivered"]


def test_secrets_and_tokens_stay_out_of_logs_and_reprs(caplog):
    caplog.set_level(logging.DEBUG)
    secret = "s3cret-client-secret"
    with Simulator(
        clock=ManualClock(START),
        client_secret=secret,
        webhook_transport=httpx.MockTransport(lambda request: httpx.Response(500)),
        admin_token="adm1n-t0ken",
    ) as sim:
        with httpx.Client(transport=sim.transport(), base_url=BASE_URL) as http:
            token = http.post(
                "/oauth/token",
                json={
                    "audience": "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com",
                    "grant_type": "client_credentials",
                    "client_id": DEFAULT_CLIENT_ID,
                    "client_secret": secret,
                },
            ).json()["access_token"]
            sim.faults.add(FaultRule(kind="revoke_token", times=1))
            sim.faults.add(FaultRule(kind="status", status=500, path="/offerings", times=1))
            headers = {"Authorization": f"Bearer {token}"}
            assert http.get("/dimensions", headers=headers).status_code == 401
            assert http.get("/_simulator/faults", headers=headers).status_code == 401
        with sim.client(sleep=lambda _: None) as paigo:
            paigo.webhooks.subscribe(
                hook_url="http://receiver.test/hooks",
                webhook_type="CUSTOMER_CREATED",
                security_key="hook-k3y",
            )
            paigo.offerings.list()
            setup_customer(paigo)
        [delivery] = sim.webhook_deliveries
        assert [a.status_code for a in delivery.attempts] == [500]
        texts = [
            caplog.text,
            repr(sim),
            repr(sim.faults),
            repr(sim.transport()),
            repr(sim.webhooks),
            repr(sim.api),
            *(str(r) for r in sim.rejected_requests),
            *(repr(a) for a in delivery.attempts),
        ]
    for text in texts:
        for hidden in (secret, token, "adm1n-t0ken", "hook-k3y"):
            assert hidden not in text
