"""The built wheel holds both packages with their py.typed markers and entry points, no tests."""

from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = out.glob("*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def _names(wheel: zipfile.ZipFile) -> list[str]:
    return wheel.namelist()


def test_wheel_holds_both_packages_with_py_typed(wheel: zipfile.ZipFile) -> None:
    names = _names(wheel)
    for package in ("paigo_sdk", "simulator"):
        assert f"{package}/__init__.py" in names
        assert f"{package}/py.typed" in names
    assert "paigo_sdk/_client.py" in names
    assert "paigo_sdk/types/__init__.py" in names


def test_wheel_holds_no_tests(wheel: zipfile.ZipFile) -> None:
    assert not [
        name for name in _names(wheel) if name.startswith(("tests/", "bench/", "examples/"))
    ]
    assert not [name for name in _names(wheel) if "/tests/" in name or "conftest" in name]


def test_wheel_declares_the_script_and_the_pytest_plugin(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [
        name for name in _names(wheel) if name.endswith(".dist-info/entry_points.txt")
    ]
    parser = configparser.ConfigParser()
    parser.read_string(wheel.read(entry_points).decode())
    assert parser["console_scripts"]["paigo-simulator"] == "simulator._cli:main"
    assert parser["pytest11"]["paigo_simulator"] == "simulator.pytest_plugin"


def test_wheel_metadata_names_the_distribution_and_runtime_dependencies(
    wheel: zipfile.ZipFile,
) -> None:
    (metadata,) = [name for name in _names(wheel) if name.endswith(".dist-info/METADATA")]
    text = wheel.read(metadata).decode()
    assert "Name: paigo-sdk" in text
    for dependency in ("httpx", "pydantic", "tenacity"):
        assert f"Requires-Dist: {dependency}" in text


def test_wheel_ships_the_dashboard_page_and_its_static_files(wheel: zipfile.ZipFile) -> None:
    names = _names(wheel)
    for name in ("index.html", "app.js", "app.css"):
        assert f"simulator/dashboard/static/{name}" in names
