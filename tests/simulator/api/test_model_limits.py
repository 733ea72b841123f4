"""What Paigo's pricing model does not have: the simulator refuses it with Paigo's 400 (B3, B5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.simulator.api.conftest import ApiClient

FLAT: dict[str, Any] = {
    "dimensionName": "API calls",
    "consumptionUnit": {"type": "count", "unit": "count-based"},
    "usageIncrement": "1",
    "rounding": "ceiling",
    "consumptionPrice": "1",
}
TIERED: dict[str, Any] = {
    **{k: v for k, v in FLAT.items() if k != "consumptionPrice"},
    "tiers": [{"tierPosition": "1", "upperBound": "inf", "unitPrice": "1"}],
}
ONE_OF_METHODS = "aggregationMethod must be one of the following values: " + (
    "sum, max, min, count, average, last"
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {**TIERED, "tiers": [{**TIERED["tiers"][0], "flatFee": "5"}]},
            "property tiers.0.flatFee should not exist",
            id="b5-no-flat-fee-per-tier",
        ),
        pytest.param(
            {**TIERED, "tiersMode": "volume"},
            "property tiersMode should not exist",
            id="b5-graduated-tiers-only",
        ),
        pytest.param(
            {**FLAT, "aggregationMethod": "unique"}, ONE_OF_METHODS, id="b3-no-unique-count"
        ),
        pytest.param(
            {**FLAT, "aggregationMethod": "time_weighted"},
            ONE_OF_METHODS,
            id="b3-no-time-weighted",
        ),
        pytest.param(
            {**FLAT, "timezone": "Europe/Paris"},
            "property timezone should not exist",
            id="b3-utc-buckets-only",
        ),
        pytest.param(
            {**FLAT, "aggregationInterval": "week"},
            "aggregationInterval must be one of the following values: none, hour, day, month",
            id="b3-no-weekly-buckets",
        ),
    ],
)
def test_b3_b5_what_the_model_lacks_is_refused_and_changes_nothing(
    client: ApiClient, body: dict[str, Any], message: str
) -> None:
    before = client.state()
    reply = client.post("/dimensions", json=body)
    assert reply.status == 400
    assert message in reply.json["message"]
    assert client.state() == before
