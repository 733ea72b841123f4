"""`paigo backfill`: the command-line shell over `paigo_sdk.backfill.backfill`, with rich output."""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from paigo_sdk.backfill._backfill import BackfillReport, backfill
from paigo_sdk.backfill._rows import count_rows, file_format
from paigo_sdk.batching import RecordOutcome
from paigo_sdk.errors import ClientValidationError, PaigoError

__all__ = ["add_parser", "run"]

_LISTED = 20
"""How many problem rows the final report lists per kind (all of them go to --errors)."""


def add_parser(commands: Any) -> None:
    """Add the `backfill` subcommand to the `paigo` parser's subcommands."""
    parser = commands.add_parser(
        "backfill",
        help="load historical usage records from a file, exactly once",
        description=(
            "Send the usage records of a CSV, JSON Lines or Parquet file to Paigo (or any "
            "Paigo-compatible server) through the SDK's batcher. Each row's idempotency key is "
            "derived from the file and the row, so running the same file again adds nothing. "
            "Credentials and URLs come from PAIGO_CLIENT_ID, PAIGO_CLIENT_SECRET, "
            "PAIGO_API_URL and PAIGO_AUTH_URL."
        ),
    )
    parser.add_argument("file", help="the records: .csv, .jsonl or .parquet")
    parser.add_argument(
        "--format",
        dest="file_format",
        choices=("csv", "jsonl", "parquet"),
        default=None,
        help="the file's format when its suffix does not say",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check every row and report what would be sent; send nothing",
    )
    parser.add_argument(
        "--strict", action="store_true", help="send nothing if any row is malformed"
    )
    parser.add_argument(
        "--source-id",
        default=None,
        help="the name the row keys are derived from (default: the file name)",
    )
    parser.add_argument(
        "--outbox",
        default=None,
        metavar="FILE",
        help="keep records in this SQLite outbox until acknowledged",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight (4)")
    parser.add_argument(
        "--retry-deadline",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long a record is retried (60)",
    )
    parser.add_argument(
        "--now",
        default=None,
        metavar="TIME",
        help="the server's current time, for flagging invoiced periods "
        "(RFC 3339; default: this machine's clock)",
    )
    parser.add_argument(
        "--no-invoiced-check",
        dest="check_invoiced",
        action="store_false",
        help="do not look up enrollments to flag rows in invoiced periods",
    )
    parser.add_argument(
        "--errors",
        default=None,
        metavar="FILE",
        help="write every malformed, rejected and invoiced row to this CSV",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run one backfill from parsed arguments; return 0 when every row is stored, else 1.

    Bad arguments or an unreadable file give 2.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from paigo_sdk import PaigoClient

    console = Console(stderr=True)
    path = Path(args.file)
    try:
        kind = file_format(path, args.file_format)
        total = count_rows(path, kind)
        now = _moment(args.now) if args.now else None
    except (ClientValidationError, OSError, ValueError) as error:
        console.print(f"paigo backfill: {error}")
        return 2
    lock = threading.Lock()
    with (
        PaigoClient() as client,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress,
    ):
        read = progress.add_task("checked", total=total)
        acked = None if args.dry_run else progress.add_task("acknowledged", total=total)

        def on_row(_number: int) -> None:
            progress.advance(read)

        def on_outcome(_outcome: RecordOutcome) -> None:
            if acked is not None:
                with lock:
                    progress.advance(acked)

        try:
            report = backfill(
                client,
                path,
                source_id=args.source_id,
                file_format_name=kind,
                dry_run=args.dry_run,
                strict=args.strict,
                check_invoiced=args.check_invoiced,
                now=now,
                outbox=args.outbox,
                concurrency=args.concurrency,
                retry_deadline=args.retry_deadline,
                on_row=on_row,
                on_outcome=on_outcome,
            )
        except (ClientValidationError, OSError) as error:
            console.print(f"paigo backfill: {error}")
            return 2
        except PaigoError as error:
            console.print(f"paigo backfill: the server could not be asked: {error}")
            return 2
    _print_report(report)
    if args.errors:
        _write_errors(Path(args.errors), report)
    return 0 if report.ok else 1


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("z", "Z"))
    if moment.tzinfo is None:
        raise ValueError(f"--now needs an offset (Z or +hh:mm): {text!r}")
    return moment


def _print_report(report: BackfillReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    title = "Backfill dry run" if report.dry_run else "Backfill"
    table = Table(title=f"{title}: {Path(report.source).name}")
    table.add_column("Rows", justify="right")
    table.add_column("Valid", justify="right")
    if report.dry_run:
        table.add_column("Would send", justify="right")
    else:
        table.add_column("Sent", justify="right")
        table.add_column("Replays", justify="right")
        table.add_column("Rejected", justify="right")
    table.add_column("Malformed", justify="right")
    table.add_column("In invoiced periods", justify="right")
    counts = [str(report.rows), str(report.valid)]
    if report.dry_run:
        counts.append(str(report.valid))
    else:
        counts += [str(report.sent), str(report.replays), str(report.rejected.__len__())]
    counts += [str(len(report.malformed)), str(len(report.invoiced))]
    table.add_row(*counts)
    console.print(table)
    if report.stopped:
        console.print("[bold red]--strict: malformed rows found; nothing was sent[/bold red]")
    if report.dry_run and report.would_send:
        detail = Table(title="Would send")
        for column in ("Customer", "Dimension", "Rows", "Sum of values"):
            detail.add_column(
                column, justify="left" if column in ("Customer", "Dimension") else "right"
            )
        for (customer, dimension), (count, total) in sorted(report.would_send.items()):
            detail.add_row(customer, dimension, str(count), str(total))
        console.print(detail)
    for label, problems in (
        ("Malformed (never sent)", report.malformed),
        ("Rejected by the server", report.rejected),
        ("In periods already invoiced", report.invoiced),
    ):
        if not problems:
            continue
        console.print(f"[bold]{label}[/bold]")
        for problem in problems[:_LISTED]:
            console.print(f"  row {problem.row}: {problem.reason}", markup=False, highlight=False)
        if len(problems) > _LISTED:
            console.print(f"  ... and {len(problems) - _LISTED} more (see --errors)")


def _write_errors(path: Path, report: BackfillReport) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "kind", "reason"])
        for kind, problems in (
            ("malformed", report.malformed),
            ("rejected", report.rejected),
            ("invoiced", report.invoiced),
        ):
            for problem in problems:
                writer.writerow([problem.row, kind, problem.reason])
    print(f"wrote {path}", file=sys.stderr)
