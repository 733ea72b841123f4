"""The `paigo` command line: tools over the SDK (`paigo backfill`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `paigo` command."""
    from paigo_sdk.backfill._command import add_parser as add_backfill

    parser = argparse.ArgumentParser(prog="paigo", description="Tools over the Paigo SDK.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_backfill(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line.

    Raises:
        SystemExit: always, with the command's status (2 on bad arguments).
    """
    args = build_parser().parse_args(argv)
    raise SystemExit(args.run(args))
