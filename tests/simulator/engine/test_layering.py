"""The engine knows nothing of HTTP: no httpx, starlette, uvicorn or simulator.api imports."""

from __future__ import annotations

import ast
from pathlib import Path

import simulator.engine

FORBIDDEN = ("httpx", "starlette", "uvicorn", "simulator.api", "paigo_sdk")


def test_engine_imports_no_http_layer() -> None:
    package = Path(simulator.engine.__file__).parent
    offenders = []
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in FORBIDDEN or n.startswith(FORBIDDEN)
            ]
    assert offenders == []


def test_engine_holds_no_float() -> None:
    package = Path(simulator.engine.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text())
        floats = [
            n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)
        ]
        calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "float"
        ]
        assert (floats, calls) == ([], []), path.name
