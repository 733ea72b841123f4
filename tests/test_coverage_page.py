"""docs/simulator/coverage.md is generated from the code by scripts/coverage_page.py."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from simulator.api import deviations
from simulator.api.routes import ROUTES

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "coverage_page.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("coverage_page", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


coverage_page = _load()


@pytest.fixture(scope="module")
def page() -> str:
    text: str = coverage_page.render()
    return text


def test_the_committed_page_is_what_the_code_generates(page: str) -> None:
    committed = (ROOT / "docs" / "simulator" / "coverage.md").read_text(encoding="utf-8")
    assert committed == page, (
        "docs/simulator/coverage.md is out of date: run .venv/bin/python scripts/coverage_page.py"
    )


def test_the_check_mode_fails_on_a_stale_page_and_writing_fixes_it(tmp_path: Path) -> None:
    stale = tmp_path / "coverage.md"
    stale.write_text("# Operation coverage\n\nEdited by hand.\n", encoding="utf-8")
    command = [sys.executable, str(SCRIPT), "--page", str(stale)]
    checked = subprocess.run([*command, "--check"], capture_output=True, text=True, check=False)
    assert checked.returncode == 1
    assert "is out of date" in checked.stdout
    subprocess.run(command, check=True, timeout=120)
    assert subprocess.run([*command, "--check"], check=False, timeout=120).returncode == 0


def test_every_route_has_a_section_and_every_deviation_is_listed(page: str) -> None:
    for route in ROUTES:
        anchor = coverage_page.anchor(route.method, route.pattern)
        assert f"### `{route.method} {route.pattern}` {{#{anchor}}}" in page
    for deviation in deviations.DEVIATIONS:
        assert f"- **{deviation.topic}.** {deviation.what}" in page


def test_a_new_deviation_changes_the_page(monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    extra = deviations.Deviation("Example", "Something the simulator does differently.")
    monkeypatch.setattr(deviations, "DEVIATIONS", (*deviations.DEVIATIONS, extra))
    assert coverage_page.render() != page


def test_the_sdk_method_of_each_operation_is_found() -> None:
    methods = coverage_page.sdk_methods()
    assert methods[("GET", "/customers/{}/usage")] == "client.customers.retrieve_usage"
    assert methods[("POST", "/customers")] == "client.customers.create"
    assert methods[("GET", "/customers/{}")] == "client.customers.retrieve"  # not create's read
    assert methods[("PUT", "/customers/{}/enrollment")] == "client.customers.enrollment.update"


def test_errors_come_from_the_raises_section_with_their_status() -> None:
    def handler() -> None:
        """Do a thing (Paigo: `GET /x`).

        A second paragraph
        on two lines.

        Raises:
            NotFound: no such thing,
                said on two lines.
            BadRequest: a bad query.
        """

    paragraphs, raises = coverage_page.split_docstring(handler)
    assert paragraphs == ["Do a thing (Paigo: `GET /x`).", "A second paragraph on two lines."]
    assert raises == [
        ("NotFound", "no such thing, said on two lines."),
        ("BadRequest", "a bad query."),
    ]


def test_rules_list_the_tests_that_name_them(page: str) -> None:
    modules, named = coverage_page.rule_tests()
    assert "tests/simulator/engine/test_b9_invoices.py" in modules[9]
    assert (
        "tests/simulator/engine/test_properties.py::test_b2_replaying_keys_never_changes_the_invoice"
        in named[2]
    )
    assert "### B15 Webhooks" in page
    assert "No test names this rule." not in page  # every rule has tests
