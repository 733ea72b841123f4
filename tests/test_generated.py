"""The sync resource classes are generated from the async ones, and must be up to date."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "unasync.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unasync", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


unasync = _load()


def test_every_generated_sync_class_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_hand_edit_of_a_generated_class_is_detected_and_undone() -> None:
    path = ROOT / "paigo_sdk" / "resources" / "invoices.py"
    current = path.read_text(encoding="utf-8")
    hand_part, generated = current.split(unasync.MARKER, 1)
    assert "class Invoices(SyncResource):" in generated
    edited = hand_part + unasync.MARKER + generated.replace("def download(", "def fetch(", 1)
    assert unasync.render(edited, path) == current


def test_an_edit_of_an_async_class_reaches_its_sync_twin() -> None:
    path = ROOT / "paigo_sdk" / "resources" / "invoices.py"
    current = path.read_text(encoding="utf-8")
    edited = current.replace("    async def download(", "    async def fetch_pdf(", 1)
    rendered = unasync.render(edited, path)
    generated = rendered.split(unasync.MARKER, 1)[1]
    assert "    def fetch_pdf(" in generated
    assert "    def download(" not in generated


def test_every_resource_module_has_a_generated_block() -> None:
    for path in unasync.modules():
        text = path.read_text(encoding="utf-8")
        assert text.count(unasync.MARKER) == 1, path.name
        hand_part, generated = text.split(unasync.MARKER, 1)
        assert "(SyncResource)" not in hand_part, path.name
        assert "async def" not in generated, path.name
        assert "await " not in generated, path.name


def test_unasync_rewrites() -> None:
    code = (
        "class AsyncUsage(AsyncResource):\n"
        "    async def list(self, timeout: T = NOT_GIVEN) -> AsyncPage[X]:  # noqa: ASYNC109\n"
        "        async with self._lock:\n"
        "            return await self._client._request_page(LIST)\n"
        "    def batcher(self) -> AsyncUsageBatcher:\n"
        "        return AsyncUsageBatcher(self._client)\n"
    )
    assert unasync.unasync(code) == (
        "class Usage(SyncResource):\n"
        "    def list(self, timeout: T = NOT_GIVEN) -> SyncPage[X]:\n"
        "        with self._lock:\n"
        "            return self._client._request_page(LIST)\n"
        "    def batcher(self) -> UsageBatcher:\n"
        "        return UsageBatcher(self._client)\n"
    )
