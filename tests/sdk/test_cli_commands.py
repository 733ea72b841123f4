"""`paigo` finds subcommands other packages register, and explains the ones not installed."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import pytest

from paigo_sdk import _cli


class _Broken:
    """An entry point whose package cannot be imported."""

    name = "whatif"

    def load(self) -> Any:
        raise ImportError("No module named 'duckdb'")


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        _cli.main(argv)
    code = exit_info.value.code
    assert isinstance(code, int)
    return code


def test_whatif_comes_from_the_registered_entry_point() -> None:
    names = {e.name: e.value for e in entry_points(group=_cli.COMMAND_GROUP)}
    assert names["whatif"] == "simulator.whatif.cli:add_parser"
    parser = _cli.build_parser()
    args = parser.parse_args(
        ["whatif", "--records", "r.csv", "--catalog", "c.yaml", "--enrollments", "e.csv",
         "--candidate", "pro"]
    )  # fmt: skip
    assert args.candidates == ["pro"]
    assert args.command_name == "paigo whatif"


def test_a_command_not_installed_says_what_to_install(monkeypatch, capsys) -> None:
    monkeypatch.setattr(_cli, "entry_points", lambda group: [])
    assert _run(["whatif", "--records", "r.csv"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "paigo whatif: it is not installed; install it with: pip install 'paigo-sdk[whatif]'\n"
    )
    assert _run(["backfill", "--help"]) == 0


def test_a_command_that_cannot_load_says_why(monkeypatch, capsys) -> None:
    monkeypatch.setattr(_cli, "entry_points", lambda group: [_Broken()])
    assert _run(["whatif"]) == 2
    err = capsys.readouterr().err
    assert "cannot load it (No module named 'duckdb')" in err
    assert "pip install 'paigo-sdk[whatif]'" in err


def test_whatif_without_its_extra_says_what_to_install(monkeypatch, capsys) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "duckdb", None)  # `import duckdb` now fails
    argv = ["whatif", "--records", "r.csv", "--catalog", "c.json", "--enrollments", "e.csv",
            "--candidate", "pro"]  # fmt: skip
    assert _run(argv) == 2
    assert capsys.readouterr().err == (
        "paigo whatif: what-if needs duckdb: pip install 'paigo-sdk[whatif]'\n"
    )
