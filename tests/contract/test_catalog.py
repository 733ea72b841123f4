"""Dimensions, offerings and measurements: the SDK against the simulator, success and errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from paigo_sdk.errors import BadRequestError, ConflictError, NotFoundError


def make_dimension(paigo: Any, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "dimension_name": "Data Processed",
        "consumption_unit": {"type": "data", "unit": "gigabyte"},
        "usage_increment": "1",
        "rounding": "ceiling",
        "consumption_price": "0.08",
        "aggregation_method": "sum",
    }
    fields.update(overrides)
    return paigo.dimensions.create(**fields)


class TestDimensions:
    def test_create_retrieve_list_update_delete(self, paigo: Any) -> None:
        created = make_dimension(paigo, metadata={"team": "data"})
        assert created.dimension_name == "Data Processed"
        assert created.consumption_price == Decimal("0.08")
        fetched = paigo.dimensions.retrieve(created.dimension_id)
        assert fetched.dimension_id == created.dimension_id
        assert [d.dimension_id for d in paigo.dimensions.list()] == [created.dimension_id]
        updated = paigo.dimensions.update(created.dimension_id, consumption_price="0.10")
        assert updated.consumption_price == Decimal("0.10")
        paigo.dimensions.delete(created.dimension_id)
        assert paigo.dimensions.list() == []

    def test_not_found(self, paigo: Any) -> None:
        with pytest.raises(NotFoundError) as err:
            paigo.dimensions.retrieve("missing")
        assert err.value.status_code == 404
        assert err.value.message == "No Dimensions found with ID: missing"
        with pytest.raises(NotFoundError):
            paigo.dimensions.update("missing", dimension_name="x")
        with pytest.raises(NotFoundError):
            paigo.dimensions.delete("missing")

    def test_delete_in_use_is_a_conflict(self, paigo: Any) -> None:
        dimension = make_dimension(paigo)
        offering = paigo.offerings.create(
            offering_name="Pay-as-you-go", dimension_ids=[dimension.dimension_id]
        )
        with pytest.raises(ConflictError) as err:
            paigo.dimensions.delete(dimension.dimension_id)
        assert offering.offering_id in err.value.message

    def test_server_side_validation(self, paigo: Any) -> None:
        with pytest.raises(BadRequestError) as err:
            make_dimension(
                paigo,
                consumption_price=None,
                tiers=[
                    {"tier_position": "1", "upper_bound": "inf", "unit_price": "1"},
                    {"tier_position": "2", "upper_bound": "100", "unit_price": "1"},
                ],
            )
        assert err.value.status_code == 400
        assert err.value.messages
        assert paigo.dimensions.list() == []


class TestOfferings:
    def test_lifecycle(self, paigo: Any) -> None:
        dimension = make_dimension(paigo)
        offering = paigo.offerings.create(
            offering_name="Pro",
            offering_type="subscription",
            subscription_price=Decimal("49.99"),
            dimension_ids=[dimension.dimension_id],
        )
        assert offering.subscription_price == Decimal("49.99")
        assert [d.dimension_id for d in offering.dimensions] == [dimension.dimension_id]
        assert paigo.offerings.retrieve(offering.offering_id).offering_name == "Pro"
        assert len(paigo.offerings.list()) == 1
        renamed = paigo.offerings.update(offering.offering_id, offering_name="Pro 2")
        assert renamed.offering_name == "Pro 2"
        paigo.offerings.delete(offering.offering_id)
        assert paigo.offerings.list() == []

    def test_errors(self, paigo: Any) -> None:
        with pytest.raises(NotFoundError) as err:
            paigo.offerings.retrieve("nope")
        assert err.value.message == "Offering with ID: nope not found"
        with pytest.raises(NotFoundError):
            paigo.offerings.update("nope", offering_name="Y")
        with pytest.raises(NotFoundError):
            paigo.offerings.delete("nope")
        with pytest.raises(NotFoundError):
            paigo.offerings.create(offering_name="X", dimension_ids=["nope"])
        with pytest.raises(BadRequestError):
            paigo.offerings.create(offering_name="Sub", offering_type="subscription")
        offering = paigo.offerings.create(offering_name="Basic")
        paigo.customers.create(
            customer_name="A",
            email="a@example.com",
            payment_channel="manual",
            offering_id=offering.offering_id,
        )
        with pytest.raises(ConflictError):
            paigo.offerings.delete(offering.offering_id)


class TestMeasurements:
    CONFIG: ClassVar[dict[str, str]] = {
        "iamRoleArn": "arn:aws:iam::123456789012:role/paigo",
        "cloudPlatform": "aws",
        "region": "us-east-1",
        "resourceType": "ebs",
    }

    def test_lifecycle(self, paigo: Any) -> None:
        created = paigo.measurements.create(
            measurement_mode="infrastructureBased",
            measurement_configuration=self.CONFIG,
            measurement_name="EBS",
        )
        assert paigo.measurements.retrieve(created.measurement_id).measurement_name == "EBS"
        assert len(paigo.measurements.list()) == 1
        updated = paigo.measurements.update(
            created.measurement_id, measurement_mode="infrastructureBased", measurement_name="EBS 2"
        )
        assert updated.measurement_name == "EBS 2"
        paigo.measurements.delete(created.measurement_id)
        with pytest.raises(NotFoundError) as err:
            paigo.measurements.retrieve(created.measurement_id)
        assert err.value.message == f"Measurement with ID: {created.measurement_id} not found"

    def test_errors(self, paigo: Any) -> None:
        calls: tuple[Callable[[], object], ...] = (
            lambda: paigo.measurements.retrieve("nope"),
            lambda: paigo.measurements.update(
                "nope", measurement_mode="agentBased", measurement_name="x"
            ),
            lambda: paigo.measurements.delete("nope"),
        )
        for call in calls:
            with pytest.raises(NotFoundError):
                call()
        with pytest.raises(BadRequestError) as err:
            paigo.measurements.create(
                measurement_mode="agentBased", measurement_configuration=self.CONFIG
            )
        assert "measurementConfiguration.hostingPlatform should not be empty" in err.value.messages


def test_updates_can_clear_optional_fields(paigo: Any) -> None:
    dimension = make_dimension(paigo, metadata={"a": 1})
    cleared = paigo.dimensions.update(
        dimension.dimension_id, consumption_price=None, metadata=None, overage_allowed=None
    )
    assert cleared.consumption_price is None
    assert cleared.overage_allowed is None
    assert not cleared.metadata
    offering = paigo.offerings.create(
        offering_name="Pro", prepaid_credit="5", minimum_charge="10", free_trial_length=7
    )
    updated = paigo.offerings.update(
        offering.offering_id, prepaid_credit=None, minimum_charge=None, free_trial_length=None
    )
    assert updated.prepaid_credit is None
    assert updated.minimum_charge is None
    assert updated.free_trial_length is None
