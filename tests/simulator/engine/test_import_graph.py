"""The engine's modules import each other without cycles, and only at the top of a module.

Rule modules (`simulator/engine/*.py`) form layers: a module may use the ones below it, never one
that uses it back. An import inside a function is how a cycle is usually hidden, so rule modules
have none; the operations layer (`simulator/engine/operations/`) sits above every rule module and
is the place that combines two of them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import simulator.engine

PACKAGE = Path(simulator.engine.__file__).parent
ROOT = "simulator.engine"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((ROOT, *parts))


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
RULE_MODULES = {name for name, path in MODULES.items() if path.parent == PACKAGE} - {ROOT}


def _imports(tree: ast.AST, package: str) -> Iterator[tuple[str, ast.stmt]]:
    """Yield (engine module imported, import statement) for every import in `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                # A relative import: resolve it against the importing module's package.
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    yield sub, node
                elif base in MODULES:
                    yield base, node


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(), str(path))
        graph[name] = {target for target, _ in _imports(tree, package) if target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first search (each reported once from where it closes)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_engine_package_has_no_import_cycle() -> None:
    graph = _graph()
    # The package's entry point imports everything, and nothing may import it back.
    assert _cycles(graph) == []


def test_rule_modules_import_only_at_module_level() -> None:
    offenders = []
    for name in sorted(RULE_MODULES):
        tree = ast.parse(MODULES[name].read_text())
        top_level = {id(node) for node in tree.body}
        # `if TYPE_CHECKING:` blocks at module level hold imports for annotations only.
        for node in tree.body:
            if isinstance(node, ast.If):
                top_level |= {id(child) for child in node.body}
        offenders += [
            f"{name}: line {node.lineno} imports {target}"
            for target, node in _imports(tree, ROOT)
            if id(node) not in top_level
        ]
    assert offenders == []


def test_the_checks_see_a_cycle_and_a_late_import() -> None:
    """The helpers themselves: a made-up cycle is found, and a function-level import is seen."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    tree = ast.parse("def f():\n    from simulator.engine import ingest\n")
    [(target, node)] = list(_imports(tree, ROOT))
    assert target == "simulator.engine.ingest"
    assert node not in tree.body


def test_the_rule_modules_are_found() -> None:
    assert {"simulator.engine.customers", "simulator.engine.ingest"} <= RULE_MODULES
    assert "simulator.engine.operations.customers" in MODULES
    assert "simulator.engine.invoicing" in _graph()["simulator.engine.cycles"]
