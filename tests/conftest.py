"""Settings shared by the whole suite."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_paigo_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's PAIGO_* variables from leaking into any test."""
    for name in list(os.environ):
        if name.startswith("PAIGO_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio only."""
    return "asyncio"
