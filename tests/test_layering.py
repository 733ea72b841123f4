"""Import boundaries: the SDK never imports the simulator; the engine never imports HTTP code."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Rule:
    """Modules under `package` (a folder, or one file) may not import what `forbidden` names."""

    package: str
    forbidden: tuple[str, ...]


RULES = [
    Rule("paigo_sdk", ("simulator",)),
    Rule("simulator/engine", ("httpx", "starlette", "uvicorn", "simulator.api")),
    # The wire grammar is shared by the api layer and the engine, so it may import neither.
    Rule("simulator/wire.py", ("httpx", "starlette", "uvicorn", "simulator", "paigo_sdk")),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, module_name: str | None = None) -> list[tuple[int, str]]:
    """Return (line, absolute module name) for every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (module_name or _module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def violations(rule: Rule) -> list[str]:
    """List every import under the rule's package that the rule forbids."""
    problems = []
    root = ROOT / rule.package
    for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
        for line, module in imports_of(path):
            if any(
                module == banned or module.startswith(f"{banned}.") for banned in rule.forbidden
            ):
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return problems


@pytest.mark.parametrize("rule", RULES, ids=[rule.package for rule in RULES])
def test_package_respects_its_import_boundary(rule: Rule) -> None:
    assert (ROOT / rule.package).exists()
    assert violations(rule) == []


def test_the_scanner_resolves_relative_and_absolute_imports(tmp_path: Path) -> None:
    sample = tmp_path / "mod.py"
    sample.write_text(
        "import httpx.auth\nfrom . import sibling\nfrom ..api import routes\n"
        "def f():\n    import uvicorn\n",
        encoding="utf-8",
    )
    modules = {module for _, module in imports_of(sample, "simulator.engine.mod")}
    assert {"httpx.auth", "simulator.engine.sibling", "simulator.api.routes", "uvicorn"} <= modules


def decimal_contexts(path: Path) -> list[int]:
    """Return the lines of a file that build a `decimal.Context`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "Context")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "Context")
        )
    ]


def test_decimal_contexts_are_defined_in_one_module() -> None:
    # B1: every rounding context the simulator computes in is named in engine/numbers.py.
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "simulator").rglob("*.py"))
        for line in decimal_contexts(path)
    ]
    assert found, "the scanner found no decimal context at all"
    assert all(place.startswith("simulator/engine/numbers.py:") for place in found), found


def test_the_context_scanner_sees_both_spellings(tmp_path: Path) -> None:
    sample = tmp_path / "mod.py"
    sample.write_text(
        "import decimal\nfrom decimal import Context\na = Context(prec=3)\nb = decimal.Context()\n",
        encoding="utf-8",
    )
    assert decimal_contexts(sample) == [3, 4]
