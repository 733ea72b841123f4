"""`Idempotency-Key` on every POST route: the first answer replays, a changed request is a 409."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from simulator.api import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Api
from simulator.api.call import Call
from simulator.api.idempotency import IdempotencyStore
from simulator.api.messages import ApiRequest, ApiResponse
from simulator.clock import ManualClock
from simulator.engine import Engine
from tests.simulator.api.conftest import ApiClient

DIMENSION = {
    "dimensionName": "Data Processed",
    "consumptionUnit": {"type": "data", "unit": "gigabyte"},
    "usageIncrement": "1",
    "rounding": "ceiling",
    "consumptionPrice": "0.08",
    "aggregationMethod": "sum",
}
CUSTOMER = {"customerName": "Dumm AI Corp", "email": "billing@dumm.ai", "paymentChannel": "manual"}


def _customers(client: ApiClient) -> list[str]:
    return [c["customerId"] for c in client.get("/customers").json["data"]]


@pytest.fixture
def dimension_id(client: ApiClient) -> str:
    reply = client.post("/dimensions", json=DIMENSION)
    assert reply.status == 201
    return str(reply.json["dimensionId"])


@pytest.fixture
def customer_id(client: ApiClient) -> str:
    reply = client.post("/customers", json=CUSTOMER)
    assert reply.status == 201
    return str(reply.json["customerId"])


def _record(customer_id: str, dimension_id: str, value: str = "1.5") -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "dimensionId": dimension_id,
        "timestamp": "2026-11-24T07:30:00Z",
        "recordValue": value,
    }


class TestCreates:
    def test_a_repeated_create_replays_the_first_answer(self, client: ApiClient) -> None:
        key = {"Idempotency-Key": "create-1"}
        first = client.post("/customers", json=CUSTOMER, headers=key)
        again = client.post("/customers", json=CUSTOMER, headers=key)
        assert first.status == again.status == 201
        assert again.body == first.body
        assert "idempotent-replayed" not in first.headers
        assert again.headers["idempotent-replayed"] == "true"
        assert _customers(client) == [first.json["customerId"]]

    def test_without_a_key_every_create_is_new(self, client: ApiClient) -> None:
        client.post("/customers", json=CUSTOMER)
        client.post("/customers", json=CUSTOMER)
        assert len(_customers(client)) == 2

    def test_a_different_body_with_the_same_key_is_a_409_naming_the_key(
        self, client: ApiClient
    ) -> None:
        key = {"Idempotency-Key": "create-2"}
        assert client.post("/customers", json=CUSTOMER, headers=key).status == 201
        before = client.state()
        other = client.post("/customers", json={**CUSTOMER, "email": "a@b.c"}, headers=key)
        assert other.status == 409
        assert other.json == {
            "message": "Idempotency-Key 'create-2' was already used with a different request; "
            "send a new key for a new request",
            "error": "Conflict",
            "statusCode": 409,
        }
        assert client.state() == before

    def test_the_same_key_on_another_route_is_a_409(self, client: ApiClient) -> None:
        key = {"Idempotency-Key": "shared"}
        assert client.post("/customers", json=CUSTOMER, headers=key).status == 201
        assert client.post("/dimensions", json=DIMENSION, headers=key).status == 409
        assert client.get("/dimensions").json["data"] == []

    def test_key_order_and_spacing_do_not_make_a_different_body(self, client: ApiClient) -> None:
        key = {"Idempotency-Key": "reordered", "content-type": "application/json"}
        first = client.post(
            "/customers",
            body=b'{"customerName":"A","email":"a@b.c","paymentChannel":"manual"}',
            headers=key,
        )
        again = client.post(
            "/customers",
            body=b'{ "paymentChannel": "manual", "email": "a@b.c", "customerName": "A" }',
            headers=key,
        )
        assert first.status == again.status == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert len(_customers(client)) == 1

    def test_an_error_answer_leaves_the_key_free(self, client: ApiClient) -> None:
        key = {"Idempotency-Key": "after-error"}
        bad = client.post("/customers", json={**CUSTOMER, "paymentChannel": "cheque"}, headers=key)
        assert bad.status == 400
        good = client.post("/customers", json=CUSTOMER, headers=key)
        assert good.status == 201
        assert "idempotent-replayed" not in good.headers

    def test_keys_are_scoped_by_api_client(self, engine: Engine, clock: ManualClock) -> None:
        api = Api(
            engine,
            clock=clock,
            credentials={DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET, "second": "second-secret"},
        )
        client = ApiClient(api)
        token = client.request(
            "POST",
            "/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "second",
                "client_secret": "second-secret",
            },
            auth=False,
        ).json["access_token"]
        key = {"Idempotency-Key": "per-client"}
        assert client.post("/customers", json=CUSTOMER, headers=key).status == 201
        other = client.post(
            "/customers", json={**CUSTOMER, "email": "x@y.z"}, headers=key, auth=token
        )
        assert other.status == 201
        assert len(_customers(client)) == 2

    def test_a_key_expires_after_24_hours_on_the_simulator_clock(
        self, client: ApiClient, clock: ManualClock
    ) -> None:
        key = {"Idempotency-Key": "day-old"}
        assert client.post("/customers", json=CUSTOMER, headers=key).status == 201
        clock.advance(timedelta(hours=23, minutes=59))
        assert (
            client.post("/customers", json=CUSTOMER, headers=key).headers.get("idempotent-replayed")
            == "true"
        )
        clock.advance(timedelta(minutes=2))
        later = client.post("/customers", json=CUSTOMER, headers=key)
        assert later.status == 201
        assert "idempotent-replayed" not in later.headers
        assert len(_customers(client)) == 2

    def test_a_malformed_key_is_a_400(self, client: ApiClient) -> None:
        reply = client.post("/customers", json=CUSTOMER, headers={"Idempotency-Key": "a b"})
        assert reply.status == 400
        assert _customers(client) == []

    def test_a_multipart_upload_matches_across_boundaries(self, client: ApiClient) -> None:
        def upload(boundary: str) -> Any:
            body = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="logo.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n'
                f"--{boundary}--\r\n"
            ).encode("latin-1")
            return client.post(
                "/settings/invoiceImage",
                body=body,
                headers={
                    "Idempotency-Key": "logo",
                    "content-type": f"multipart/form-data; boundary={boundary}",
                },
            )

        first = upload("aaaa1111")
        again = upload("bbbb2222")
        assert first.status == again.status
        assert again.headers.get("idempotent-replayed") == "true"

    def test_reset_forgets_the_keys(self, client: ApiClient) -> None:
        key = {"Idempotency-Key": "before-reset"}
        assert client.post("/customers", json=CUSTOMER, headers=key).status == 201
        assert client.post("/_simulator/reset").status == 200
        again = client.post("/customers", json=CUSTOMER, headers=key)
        assert "idempotent-replayed" not in again.headers
        assert len(_customers(client)) == 1

    def test_deduplication_off_ignores_keys(self, api: Api, client: ApiClient) -> None:
        api.engine.options.deduplication = False
        key = {"Idempotency-Key": "ignored"}
        client.post("/customers", json=CUSTOMER, headers=key)
        client.post("/customers", json=CUSTOMER, headers=key)
        assert len(_customers(client)) == 2


class TestUsage:
    def test_a_different_record_with_the_same_key_is_a_409(
        self, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        key = {"Idempotency-Key": "u1"}
        assert (
            client.post("/usage", json=_record(customer_id, dimension_id), headers=key).status
            == 201
        )
        before = client.state()
        other = client.post("/usage", json=_record(customer_id, dimension_id, "2.5"), headers=key)
        assert other.status == 409
        assert "'u1'" in other.json["message"]
        assert client.state() == before
        same = client.post("/usage", json=_record(customer_id, dimension_id), headers=key)
        assert same.status == 201
        assert same.headers["idempotent-replayed"] == "true"

    def test_a_number_and_its_string_are_different_records(
        self, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        key = {"Idempotency-Key": "u2"}
        record = _record(customer_id, dimension_id, "1.50")
        assert client.post("/usage", json=record, headers=key).status == 201
        assert (
            client.post("/usage", json=_record(customer_id, dimension_id), headers=key).status
            == 409
        )

    def test_numbers_in_a_record_keep_their_text(
        self, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        key = {"Idempotency-Key": "u4"}
        record = _record(customer_id, dimension_id)
        first = client.post(
            "/usage",
            body=json.dumps({**record, "metadata": {"n": 1.0}}).encode(),
            headers={**key, "content-type": "application/json"},
        )
        assert first.status == 201
        spelled_otherwise = client.post(
            "/usage",
            body=json.dumps({**record, "metadata": {"n": 1}}).encode(),
            headers={**key, "content-type": "application/json"},
        )
        assert spelled_otherwise.status == 409
        reordered = client.post(
            "/usage",
            body=json.dumps({"metadata": {"n": 1.0}, **record}).encode(),
            headers={**key, "content-type": "application/json"},
        )
        assert reordered.status == 201
        assert reordered.headers["idempotent-replayed"] == "true"

    def test_a_reused_key_with_a_body_the_handler_refuses_is_still_a_409(
        self, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        key = {"Idempotency-Key": "u5"}
        assert (
            client.post("/usage", json=_record(customer_id, dimension_id), headers=key).status
            == 201
        )
        text = json.dumps(_record(customer_id, dimension_id))[:-1] + ', "metadata": {"n": NaN}}'
        other = client.post(
            "/usage", body=text.encode(), headers={**key, "content-type": "application/json"}
        )
        assert other.status == 409
        assert "'u5'" in other.json["message"]
        fresh = client.post(
            "/usage",
            body=text.encode(),
            headers={"Idempotency-Key": "u6", "content-type": "application/json"},
        )
        assert fresh.status == 400

    def test_usage_keys_are_scoped_by_customer(
        self, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        other_customer = client.post("/customers", json={**CUSTOMER, "customerId": "c-2"})
        assert other_customer.status == 201
        key = {"Idempotency-Key": "u3"}
        assert (
            client.post("/usage", json=_record(customer_id, dimension_id), headers=key).status
            == 201
        )
        second = client.post("/usage", json=_record("c-2", dimension_id, "9"), headers=key)
        assert second.status == 201
        assert "idempotent-replayed" not in second.headers

    def test_a_batch_element_reusing_a_key_with_another_record_is_a_409(
        self, api: Api, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        api.engine.options.array_batches = True
        one, two = _record(customer_id, dimension_id, "1"), _record(customer_id, dimension_id, "2")
        assert client.post("/usage", json=one, headers={"Idempotency-Key": "b1"}).status == 201
        before = client.state()
        batch = client.post("/usage", json=[two, two], headers={"Idempotency-Key": "b2,b1"})
        assert batch.status == 409
        assert "'b1'" in batch.json["message"]
        assert client.state() == before
        fine = client.post("/usage", json=[two, one], headers={"Idempotency-Key": "b2,b1"})
        assert fine.json["data"] == [{"status": "created"}, {"status": "replayed"}]

    def test_a_single_record_reusing_a_batch_elements_key_is_compared_by_its_record(
        self, api: Api, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        api.engine.options.array_batches = True
        one, two = _record(customer_id, dimension_id, "1"), _record(customer_id, dimension_id, "2")
        batch = client.post("/usage", json=[one, two], headers={"Idempotency-Key": "s1,s2"})
        assert batch.status == 201
        before = client.state()
        other = client.post("/usage", json=two, headers={"Idempotency-Key": "s1"})
        assert other.status == 409
        assert "'s1'" in other.json["message"]
        assert client.state() == before
        spelled_otherwise = client.post(
            "/usage",
            body=json.dumps(dict(reversed(one.items())), indent=1).encode(),
            headers={"Idempotency-Key": "s1", "content-type": "application/json"},
        )
        assert spelled_otherwise.status == 201
        assert spelled_otherwise.headers["idempotent-replayed"] == "true"
        assert client.state() == before

    def test_restore_forgets_the_fingerprints_with_the_records(
        self, client: ApiClient, customer_id: str, dimension_id: str
    ) -> None:
        snapshot = client.post("/_simulator/snapshots").json["snapshotId"]
        key = {"Idempotency-Key": "u4"}
        assert (
            client.post("/usage", json=_record(customer_id, dimension_id), headers=key).status
            == 201
        )
        client.post(f"/_simulator/snapshots/{snapshot}/restore")
        other = client.post("/usage", json=_record(customer_id, dimension_id, "3"), headers=key)
        assert other.status == 201
        assert "idempotent-replayed" not in other.headers


def test_the_store_is_bounded_and_forgets_the_oldest_key(clock: ManualClock) -> None:
    store = IdempotencyStore(clock, max_keys=2)
    api = Api(Engine(clock=clock), clock=clock)
    served: list[str] = []

    def handler(call: Call) -> ApiResponse:
        served.append(call.request.headers["idempotency-key"])
        return ApiResponse(201, body=b"{}")

    for key in ("k1", "k2", "k3", "k1"):
        request = ApiRequest("POST", "/dimensions", headers={"idempotency-key": key}, body=b"{}")
        store.handle(Call(api=api, request=request), "/dimensions", handler)
    assert len(store) == 2
    assert served == ["k1", "k2", "k3", "k1"]
