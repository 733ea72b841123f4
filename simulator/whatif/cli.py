"""`paigo whatif` and `paigo-simulator whatif`: the command-line shell over `what_if`.

`add_parser` is registered in the `paigo.commands` entry-point group, so the SDK's `paigo`
command offers `whatif` without importing the simulator.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from simulator.whatif.enrollments import CurrentEnrollment, parse_moment
from simulator.whatif.errors import WhatIfInputError

if TYPE_CHECKING:
    from simulator.whatif.usage import UsageSource

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
    records = parser.add_mutually_exclusive_group(required=True)
    records.add_argument(
        "--records",
        metavar="FILE",
        help="usage records: .csv, .jsonl, .parquet or a batcher outbox file",
    )
    records.add_argument(
        "--records-from-server",
        action="store_true",
        help="pull the enrolled customers' records from the server's usage view "
        "(PAIGO_API_URL, PAIGO_AUTH_URL, PAIGO_CLIENT_ID, PAIGO_CLIENT_SECRET)",
    )
    records.add_argument(
        "--buckets",
        metavar="FILE",
        help="instead of records: bucket aggregates (Parquet) computed elsewhere by "
        "aggregation_job's SQL; needs --through",
    )
    parser.add_argument(
        "--since",
        default=None,
        metavar="TIME",
        help="with --records-from-server: the first instant pulled (RFC 3339); "
        "default: the earliest enrollment",
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
    enrollments = parser.add_mutually_exclusive_group(required=True)
    enrollments.add_argument(
        "--enrollments",
        metavar="FILE",
        help="customerId, offeringId, enrollmentDate per customer (CSV/JSON/JSONL)",
    )
    enrollments.add_argument(
        "--enrollments-from-server",
        action="store_true",
        help="read each customer's current offering and enrollment date from the server",
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
    """Run one what-if from parsed arguments; return the exit status (2 for bad input, 1 when
    the server cannot be read)."""
    from paigo_sdk.errors import PaigoError
    from simulator.whatif import WhatIfInputError, load_catalog, what_if
    from simulator.whatif.usage import require_extra

    try:
        require_extra()
        catalog = load_catalog(args.catalog[0])
        for extra in args.catalog[1:]:
            catalog = catalog.merged(load_catalog(extra))
        through: datetime | None = None
        if args.through is not None:
            through = parse_moment(args.through, "--through").astimezone(UTC)
        records, enrollments = _inputs(args)
        result = what_if(
            records,
            catalog,
            enrollments,
            args.candidates,
            through=through,
            memory_limit=args.memory_limit,
            threads=args.threads,
            buckets=args.buckets,
        )
    except WhatIfInputError as error:
        print(f"{args.command_name}: {error}", file=sys.stderr)
        return 2
    except PaigoError as error:
        print(f"{args.command_name}: cannot read the server: {error}", file=sys.stderr)
        return 1
    result.render()
    if args.out is not None:
        for path in result.write(args.out):
            print(f"wrote {path}")
    return 0


def _inputs(args: argparse.Namespace) -> tuple[UsageSource | None, list[CurrentEnrollment]]:
    """Read the records and enrollments from files or, as asked, from the server."""
    from simulator.whatif import load_enrollments
    from simulator.whatif.server import enrollments_from_server, records_from_server
    from simulator.whatif.usage import UsageSource

    client = None
    if args.records_from_server or args.enrollments_from_server:
        from paigo_sdk import PaigoClient

        client = PaigoClient()
    try:
        if client is not None and args.enrollments_from_server:
            enrollments = enrollments_from_server(client)
        else:
            enrollments = load_enrollments(args.enrollments)
        if client is not None and args.records_from_server:
            since = parse_moment(args.since, "--since") if args.since is not None else None
            if since is None:
                if not enrollments:
                    raise WhatIfInputError("no enrollments: nothing to pull from the server")
                since = min(e.enrollment_date for e in enrollments)
            records = records_from_server(client, [e.customer_id for e in enrollments], start=since)
        elif args.buckets is not None:
            records = None
        else:
            records = UsageSource.from_path(args.records, args.records_format)
    finally:
        if client is not None:
            client.close()
    return records, enrollments
