"""`paigo-simulator serve --rate-limit`: a real server process throttles with 429."""

from __future__ import annotations

import pytest

from paigo_sdk.errors import RateLimitError
from simulator import RemoteSimulator


def test_a_preloaded_rate_limit_throttles_until_simulated_time_passes(server_factory):
    server = server_factory(
        "--manual-clock", "--rate-limit", "method=GET,path=/offerings,rate=1,burst=2"
    )
    with RemoteSimulator(server.url) as remote, remote.client(max_retries=0) as client:
        assert [rule["path"] for rule in remote.rate_limits.list()] == ["/offerings"]
        client.offerings.list()
        client.offerings.list()
        with pytest.raises(RateLimitError) as refused:
            client.offerings.list()
        assert refused.value.retry_after == 1
        remote.advance(seconds=1)
        client.offerings.list()
