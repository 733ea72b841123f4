"""Authentication through the SDK: the default credentials, bad ones, and tokens that expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from paigo_sdk.errors import AuthenticationError


def test_bad_credentials_raise_authentication_error(sim: Any) -> None:
    with (
        sim.client(client_secret="wrong", max_retries=0) as client,
        pytest.raises(AuthenticationError) as err,
    ):
        client.dimensions.list()
    assert err.value.status_code == 401
    assert "wrong" not in str(err.value)


def test_expired_and_revoked_tokens_are_refreshed(sim: Any, paigo: Any) -> None:
    assert paigo.dimensions.list() == []
    sim.api.expire_tokens()
    assert paigo.dimensions.list() == []
    sim.clock.advance(timedelta(days=2))
    assert paigo.dimensions.list() == []
