"""Keep the documentation honest: coverage of every route, runnable examples, a strict build.

A Python code block in `docs/` is runnable when the line just before its opening fence is the
HTML comment `<!-- runnable -->` (invisible on the rendered page). A block marked
`<!-- runnable: continued -->` continues the program of the previous runnable block on the same
page, so a page can build one program step by step. Each program runs in a fresh interpreter with
no `PAIGO_*` variables set, so it can only reach the in-process simulator it creates itself.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator.api.routes import ROUTES

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
COVERAGE_PAGE = DOCS / "simulator" / "coverage.md"
RUFF = Path(sys.executable).parent / "ruff"
RUNNABLE_MARK = "<!-- runnable -->"
CONTINUED_MARK = "<!-- runnable: continued -->"
_FENCE = re.compile(r"^(?P<fence>`{3,})python\b[^\n]*$")


@dataclass(frozen=True)
class Program:
    """The runnable blocks of a page that form one program: a first block and its continuations."""

    page: str
    line: int
    code: str
    blocks: int = 1


def runnable_programs() -> list[Program]:
    """Collect the programs made of the Python blocks marked runnable, in page order."""
    programs: list[Program] = []
    for path in sorted(DOCS.rglob("*.md")):
        page = str(path.relative_to(DOCS))
        lines = path.read_text(encoding="utf-8").splitlines()
        index = 0
        while index < len(lines):
            opening = _FENCE.match(lines[index].strip())
            if opening is None:
                index += 1
                continue
            mark = lines[index - 1].strip() if index > 0 else ""
            fence = opening.group("fence")
            end = index + 1
            while end < len(lines) and lines[end].strip() != fence:
                end += 1
            code = "\n".join(lines[index + 1 : end]) + "\n"
            if mark == RUNNABLE_MARK:
                programs.append(Program(page, index + 1, code))
            elif mark == CONTINUED_MARK:
                last = programs[-1] if programs else None
                if last is None or last.page != page:
                    raise ValueError(
                        f"docs/{page}:{index + 1} has no program on its page to continue"
                    )
                programs[-1] = Program(page, last.line, last.code + code, last.blocks + 1)
            index = end + 1
    return programs


def test_every_route_has_a_docstring_and_appears_on_the_coverage_page() -> None:
    page = COVERAGE_PAGE.read_text(encoding="utf-8")
    missing_docstrings = [
        f"{route.method} {route.pattern}" for route in ROUTES if not inspect.getdoc(route.handler)
    ]
    missing_rows = [
        f"{route.method} {route.pattern}"
        for route in ROUTES
        if f"`{route.method} {route.pattern}`" not in page
    ]
    assert not missing_docstrings, f"handlers without a docstring: {missing_docstrings}"
    assert not missing_rows, f"routes missing from docs/simulator/coverage.md: {missing_rows}"


def test_the_home_page_gives_the_readme_commands_exactly() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line for line in readme if line.startswith("python3 -m venv ")]
    home = (DOCS / "index.md").read_text(encoding="utf-8").splitlines()
    assert commands
    assert [line for line in home if line.startswith("python3 -m venv ")] == commands


def test_the_docs_have_runnable_examples() -> None:
    assert len(runnable_programs()) >= 10


@pytest.mark.parametrize(
    "program", runnable_programs(), ids=lambda program: f"{program.page}:{program.line}"
)
def test_runnable_example(program: Program, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(program.code, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAIGO_")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    where = f"docs/{program.page}:{program.line}"
    assert result.returncode == 0, (
        f"the example at {where} failed:\n{result.stdout}\n{result.stderr}"
    )


@pytest.mark.skipif(shutil.which("ruff") is None and not RUFF.exists(), reason="no ruff")
def test_runnable_examples_have_no_unused_or_undefined_names(tmp_path: Path) -> None:
    for index, program in enumerate(runnable_programs()):
        (tmp_path / f"example_{index}.py").write_text(program.code, encoding="utf-8")
    ruff = str(RUFF) if RUFF.exists() else "ruff"
    result = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "F", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    names = {
        f"example_{i}.py": f"docs/{p.page}:{p.line}" for i, p in enumerate(runnable_programs())
    }
    report = result.stdout
    for file_name, where in names.items():
        report = report.replace(str(tmp_path / file_name), where)
    assert result.returncode == 0, report


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed")
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
