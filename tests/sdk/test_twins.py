"""The sync and async clients are twins: same methods, same signatures bar `async`, same docs."""

from __future__ import annotations

import inspect

import pytest

from paigo_sdk import AsyncPaigoClient, PaigoClient
from paigo_sdk.resources import (
    customer_children,
    customer_enrollment,
    customer_stripe,
    customer_wallet,
    customers,
    dimensions,
    invoices,
    measurements,
    offerings,
    settings,
    usage,
    webhooks,
)
from paigo_sdk.resources._base import AsyncResource, SyncResource

MODULES = [
    customer_children,
    customer_enrollment,
    customer_stripe,
    customer_wallet,
    customers,
    dimensions,
    invoices,
    measurements,
    offerings,
    settings,
    usage,
    webhooks,
]
NOT_AWAITED = {"batcher"}


def _pairs() -> list[tuple[type, type]]:
    pairs = []
    for module in MODULES:
        for name, cls in vars(module).items():
            if (
                isinstance(cls, type)
                and issubclass(cls, SyncResource)
                and cls is not SyncResource
                and cls.__module__ == module.__name__
            ):
                twin = getattr(module, f"Async{name}")
                assert issubclass(twin, AsyncResource)
                pairs.append((cls, twin))
    return pairs


PAIRS = _pairs()


def _public(cls: type) -> dict[str, object]:
    return {name: member for name, member in inspect.getmembers(cls) if not name.startswith("_")}


def test_every_resource_module_has_twins() -> None:
    assert len(PAIRS) == 13


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=[pair[0].__name__ for pair in PAIRS])
def test_twins_have_the_same_methods_signatures_and_docstrings(sync: type, async_: type) -> None:
    sync_members = _public(sync)
    async_members = _public(async_)
    assert sync_members.keys() == async_members.keys()
    assert sync.__doc__ == async_.__doc__
    for name, member in sync_members.items():
        twin = async_members[name]
        assert inspect.getdoc(member) == inspect.getdoc(twin), name
        if not inspect.isfunction(member):
            continue  # cached sub-resources; their docstrings are compared above
        assert inspect.isfunction(twin), name
        sync_signature = inspect.signature(member)
        async_signature = inspect.signature(twin)
        # The list methods return SyncPage / AsyncPage, the only twins not named by "Async".
        assert str(sync_signature).replace("SyncPage", "Page") == str(async_signature).replace(
            "Async", ""
        ), name
        if name in NOT_AWAITED:
            assert not inspect.iscoroutinefunction(twin)
        else:
            assert inspect.iscoroutinefunction(twin), name
            assert not inspect.iscoroutinefunction(member), name


def test_cached_sub_resources_are_twins() -> None:
    for name in ("enrollment", "transactions", "refunds", "payments", "children"):
        sync = getattr(customers.Customers, name)
        twin = getattr(customers.AsyncCustomers, name)
        assert sync.__doc__ == twin.__doc__


def test_the_clients_are_twins() -> None:
    sync_members = _public(PaigoClient)
    async_members = _public(AsyncPaigoClient)
    assert sync_members.keys() == async_members.keys()
    for name, member in sync_members.items():
        assert inspect.getdoc(member) == inspect.getdoc(async_members[name]), name
    assert inspect.iscoroutinefunction(AsyncPaigoClient.close)
    assert inspect.getdoc(PaigoClient.with_options) == inspect.getdoc(AsyncPaigoClient.with_options)
