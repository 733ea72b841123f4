"""UsageBatcher and AsyncUsageBatcher are twins: same public names, signatures and docstrings."""

from __future__ import annotations

import inspect

from paigo_sdk.batching import AsyncUsageBatcher, UsageBatcher

PUBLIC = ["add", "flush", "close", "stats"]


def _public(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


def test_the_twins_have_the_same_public_methods() -> None:
    assert _public(UsageBatcher) == _public(AsyncUsageBatcher) == set(PUBLIC)


def test_the_twins_methods_have_the_same_signatures_and_docstrings() -> None:
    for name in PUBLIC:
        sync, async_ = getattr(UsageBatcher, name), getattr(AsyncUsageBatcher, name)
        assert inspect.signature(sync) == inspect.signature(async_), name
        assert inspect.getdoc(sync) == inspect.getdoc(async_), name
        assert inspect.iscoroutinefunction(async_) == (name != "stats"), name


def test_the_twins_take_the_same_options() -> None:
    sync = inspect.signature(UsageBatcher.__init__).parameters
    async_ = inspect.signature(AsyncUsageBatcher.__init__).parameters
    assert [(p.name, p.default) for p in sync.values()][2:] == [
        (p.name, p.default) for p in async_.values()
    ][2:]
