"""List methods return SyncPage / AsyncPage: lists today, with auto_paging_iter() for later."""

from __future__ import annotations

import inspect

import httpx
import pytest
import respx

from paigo_sdk import AsyncPaigoClient, PaigoClient
from paigo_sdk.pagination import AsyncPage, SyncPage
from tests.sdk.test_twins import PAIRS

API = "https://api.prod.paigo.tech"
AUTH = "https://auth.paigo.tech/oauth/token"
DIMENSIONS = [
    {
        "dimensionId": f"d-{n}",
        "dimensionName": f"Dimension {n}",
        "consumptionUnit": {"type": "count", "unit": "count-based"},
        "usageIncrement": "1",
        "rounding": "round",
    }
    for n in range(3)
]


def _routes(mock: respx.MockRouter) -> None:
    mock.post(AUTH).mock(
        return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
    )
    mock.get(f"{API}/dimensions").mock(
        return_value=httpx.Response(200, json={"message": "ok", "data": DIMENSIONS})
    )


def test_every_list_method_returns_a_page() -> None:
    found = 0
    for sync, async_ in PAIRS:
        for cls, page in ((sync, "SyncPage"), (async_, "AsyncPage")):
            method = getattr(cls, "list", None)
            if method is None:
                continue
            found += 1
            assert inspect.signature(method).return_annotation.startswith(f"{page}["), cls
    assert found == 16


@respx.mock(assert_all_called=True)
def test_a_sync_page_is_a_list(respx_mock: respx.MockRouter) -> None:
    _routes(respx_mock)
    with PaigoClient(client_id="id", client_secret="secret") as client:
        page = client.dimensions.list()
    assert isinstance(page, SyncPage)
    assert isinstance(page, list)
    assert len(page) == 3
    assert page[0].dimension_id == "d-0"
    assert [d.dimension_id for d in page[1:]] == ["d-1", "d-2"]
    assert [d.dimension_id for d in page] == ["d-0", "d-1", "d-2"]
    assert [d.dimension_id for d in page.auto_paging_iter()] == ["d-0", "d-1", "d-2"]
    assert page.has_next_page() is False
    assert page == list(page)
    assert repr(page).startswith("SyncPage([")


@pytest.mark.anyio
async def test_an_async_page_is_a_list_and_async_iterable() -> None:
    async with respx.mock(assert_all_called=True) as mock:
        _routes(mock)
        async with AsyncPaigoClient(client_id="id", client_secret="secret") as client:
            page = await client.dimensions.list()
    assert isinstance(page, AsyncPage)
    assert len(page) == 3
    assert page[-1].dimension_id == "d-2"
    assert [d.dimension_id async for d in page] == ["d-0", "d-1", "d-2"]
    assert [d.dimension_id async for d in page.auto_paging_iter()] == ["d-0", "d-1", "d-2"]
    assert [d.dimension_id for d in page] == ["d-0", "d-1", "d-2"]
    assert page.has_next_page() is False
