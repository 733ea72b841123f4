"""The `paigo` command line: tools over the SDK (`paigo backfill`, and commands other packages add).

Other installed packages add subcommands through the entry-point group `paigo.commands`: each
entry names a function taking the subparsers object of `paigo`'s parser, which adds one
subcommand and sets its `run(args) -> int` default. The simulator adds `paigo whatif` this way,
so the SDK itself never imports the simulator. A known command whose package is not installed
(or cannot be imported) still appears, and running it says what to install.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

__all__ = ["COMMAND_GROUP", "build_parser", "main"]

COMMAND_GROUP = "paigo.commands"
"""The entry-point group other packages register `paigo` subcommands in."""

_KNOWN: dict[str, tuple[str, str]] = {
    "whatif": (
        "price usage history under candidate offerings (shadow billing)",
        "pip install 'paigo-sdk[whatif]'",
    ),
}
"""Commands other extras provide: name -> (help, what to install when missing)."""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `paigo` command, with every registered subcommand."""
    from paigo_sdk.backfill._command import add_parser as add_backfill

    parser = argparse.ArgumentParser(prog="paigo", description="Tools over the Paigo SDK.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_backfill(commands)
    added = {"backfill"}
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        if entry.name in added:
            continue
        try:
            add: Callable[[Any], None] = entry.load()
        except ImportError as error:
            _add_missing(commands, entry.name, f"cannot load it ({error})")
        else:
            add(commands)
        added.add(entry.name)
    for name in sorted(set(_KNOWN) - added):
        _add_missing(commands, name, "it is not installed")
    return parser


def _add_missing(commands: Any, name: str, why: str) -> None:
    """Add a stand-in for a command that is not available: running it explains, status 2."""
    summary, install = _KNOWN.get(name, ("(not available)", "its package"))
    # No option prefix: every argument, `--help` included, is taken as given and ignored.
    stand_in = commands.add_parser(
        name, help=f"{summary} [not installed]", add_help=False, prefix_chars="\0"
    )
    stand_in.add_argument("ignored", nargs="*")

    def run(_args: argparse.Namespace) -> int:
        print(f"paigo {name}: {why}; install it with: {install}", file=sys.stderr)
        return 2

    stand_in.set_defaults(run=run)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line.

    Raises:
        SystemExit: always, with the command's status (2 on bad arguments).
    """
    args = build_parser().parse_args(argv)
    raise SystemExit(args.run(args))
