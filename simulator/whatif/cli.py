"""`paigo whatif` and `paigo-simulator whatif`: the command-line shell over `what_if`.

`add_parser` is registered in the `paigo.commands` entry-point group, so the SDK's `paigo`
command offers `whatif` without importing the simulator.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Add the `whatif` subcommand to a parser's subcommands (`paigo` or `paigo-simulator`)."""
    parser = commands.add_parser(
        "whatif",
        help="price usage history under candidate offerings (shadow billing)",
        description=(
            "Price usage records under each customer's current offering and under each "
            "candidate offering, exactly as the simulator would invoice them; print the "
            "totals and write CSV, JSON and an HTML chart. Needs the 'whatif' extra."
        ),
    )
    parser.add_argument(
        "--records",
        required=True,
        metavar="FILE",
        help="usage records: .csv, .jsonl, .parquet or a batcher outbox file",
    )
    parser.add_argument(
        "--records-format",
        choices=("csv", "jsonl", "parquet", "outbox"),
        default=None,
        help="format of --records when its suffix does not say",
    )
    parser.add_argument(
        "--catalog",
        required=True,
        action="append",
        metavar="FILE",
        help="dimensions and offerings (YAML or JSON); repeatable, later wins",
    )
    parser.add_argument(
        "--enrollments",
        required=True,
        metavar="FILE",
        help="customerId, offeringId, enrollmentDate per customer (CSV/JSON/JSONL)",
    )
    parser.add_argument(
        "--candidate",
        dest="candidates",
        action="append",
        default=[],
        metavar="OFFERING",
        required=True,
        help="offering key to price every customer on instead; repeatable",
    )
    parser.add_argument(
        "--through",
        default=None,
        metavar="TIME",
        help="end of the period (RFC 3339); default: the month after the last record",
    )
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="write invoices.csv, cycles.csv, summary.json, whatif.json, chart.html",
    )
    parser.add_argument(
        "--memory-limit", default=None, metavar="SIZE", help="DuckDB memory limit, e.g. 3GB"
    )
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.set_defaults(run=run, command_name=parser.prog)


def run(args: argparse.Namespace) -> int:
    """Run one what-if from parsed arguments; return the exit status (2 for bad input)."""
    from simulator.whatif import WhatIfInputError, load_catalog, what_if
    from simulator.whatif.enrollments import parse_moment
    from simulator.whatif.usage import UsageSource

    try:
        catalog = load_catalog(args.catalog[0])
        for extra in args.catalog[1:]:
            catalog = catalog.merged(load_catalog(extra))
        through: datetime | None = None
        if args.through is not None:
            through = parse_moment(args.through, "--through").astimezone(UTC)
        result = what_if(
            UsageSource.from_path(args.records, args.records_format),
            catalog,
            args.enrollments,
            args.candidates,
            through=through,
            memory_limit=args.memory_limit,
            threads=args.threads,
        )
    except WhatIfInputError as error:
        print(f"{args.command_name}: {error}", file=sys.stderr)
        return 2
    result.render()
    if args.out is not None:
        for path in result.write(args.out):
            print(f"wrote {path}")
    return 0
