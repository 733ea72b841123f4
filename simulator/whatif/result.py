"""What a what-if run found: every invoice per customer and scenario, and figures drawn from them.

Every amount is an exact `Decimal` taken from the engine's invoices; sums of invoices are exact
sums. The median of per-customer changes is the middle value (the mean of the two middle
values for an even count, exact); the 95th percentile is the nearest-rank value.
"""

from __future__ import annotations

import csv
import html
import json
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Final

__all__ = ["CURRENT", "Distribution", "PricedInvoice", "PricedLine", "WhatIfResult"]

CURRENT = "current"
"""The scenario name for each customer's current offering."""
_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One invoice line as the engine issued it."""

    name: str
    quantity: Decimal
    unit_cost: Decimal
    amount: Decimal
    kind: str


@dataclass(frozen=True, slots=True)
class PricedInvoice:
    """One invoice the simulator would issue to one customer in one scenario."""

    customer_id: str
    scenario: str
    offering_id: str
    invoice_date: datetime
    period_start: datetime | None
    period_end: datetime | None
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    """`totalAmountWithoutTax`: the sum of the rounded lines (B8)."""
    tax: Decimal
    total: Decimal
    """Subtotal plus tax."""

    @property
    def cycle(self) -> str:
        """The invoice date as `YYYY-MM-DD`: the cycle boundary (or enrollment day) it closes."""
        return self.invoice_date.date().isoformat()


@dataclass(frozen=True, slots=True)
class Distribution:
    """How per-customer totals change from the current offering to one candidate."""

    scenario: str
    customers: int
    median: Decimal
    p95: Decimal
    hardest_hit: tuple[tuple[str, Decimal], ...]
    """The customers whose total rises most, largest rise first (at most five)."""


@dataclass(slots=True)
class WhatIfResult:
    """Every priced invoice, with totals, deltas, distributions and writers."""

    scenarios: list[str]
    """`current` first, then each candidate offering key."""
    invoices: list[PricedInvoice]
    end: datetime
    customers: list[str]
    unenrolled_customers: list[str] = field(default_factory=list)
    """Customers with records but no enrollment: not priced."""

    # --- figures ---------------------------------------------------------------------------

    def totals(self) -> dict[str, Decimal]:
        """Return the sum of every invoice total per scenario."""
        out = dict.fromkeys(self.scenarios, _ZERO)
        for invoice in self.invoices:
            out[invoice.scenario] += invoice.total
        return out

    def revenue_delta(self) -> dict[str, Decimal]:
        """Return each scenario's total minus the current offerings' total."""
        totals = self.totals()
        return {name: totals[name] - totals[CURRENT] for name in self.scenarios}

    def customer_totals(self) -> dict[str, dict[str, Decimal]]:
        """Return, per scenario, each customer's total over the period."""
        out: dict[str, dict[str, Decimal]] = {
            name: dict.fromkeys(self.customers, _ZERO) for name in self.scenarios
        }
        for invoice in self.invoices:
            out[invoice.scenario][invoice.customer_id] += invoice.total
        return out

    def cycles(self) -> list[dict[str, Any]]:
        """Return one row per customer, scenario and invoice date, with the change from current.

        An invoice date that exists in only one of the two scenarios counts as zero in the other.
        """
        per: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: _ZERO)
        dates: dict[str, set[str]] = defaultdict(set)
        for invoice in self.invoices:
            per[(invoice.scenario, invoice.customer_id, invoice.cycle)] += invoice.total
            dates[invoice.customer_id].add(invoice.cycle)
        rows = []
        for scenario in self.scenarios:
            for customer in self.customers:
                for cycle in sorted(dates[customer]):
                    total = per.get((scenario, customer, cycle), _ZERO)
                    current = per.get((CURRENT, customer, cycle), _ZERO)
                    rows.append(
                        {
                            "customerId": customer,
                            "scenario": scenario,
                            "invoiceDate": cycle,
                            "total": total,
                            "currentTotal": current,
                            "delta": total - current,
                        }
                    )
        return rows

    def distribution(self, scenario: str) -> Distribution:
        """Return how per-customer totals change from current to `scenario`.

        Raises:
            KeyError: `scenario` was not priced.
        """
        if scenario not in self.scenarios:
            raise KeyError(scenario)
        return self._distribution(scenario, self.customer_totals())

    def _distribution(self, scenario: str, per: dict[str, dict[str, Decimal]]) -> Distribution:
        deltas = sorted(
            ((per[scenario][c] - per[CURRENT][c], c) for c in self.customers),
            key=lambda item: (item[0], item[1]),
        )
        values = [d for d, _c in deltas]
        n = len(values)
        if n == 0:
            return Distribution(scenario, 0, _ZERO, _ZERO, ())
        middle = values[n // 2]
        median = middle if n % 2 else (values[n // 2 - 1] + middle) / 2
        p95 = values[max(0, math.ceil(Decimal("0.95") * n) - 1)]
        hardest = tuple(
            (c, d) for d, c in sorted(deltas, key=lambda item: (-item[0], item[1]))[:5] if d > 0
        )
        return Distribution(scenario, n, median, p95, hardest)

    def monthly_revenue(self) -> dict[str, dict[str, Decimal]]:
        """Return, per scenario, the invoiced total per calendar month of the invoice date."""
        months = sorted({i.invoice_date.strftime("%Y-%m") for i in self.invoices})
        out = {name: dict.fromkeys(months, _ZERO) for name in self.scenarios}
        for invoice in self.invoices:
            out[invoice.scenario][invoice.invoice_date.strftime("%Y-%m")] += invoice.total
        return out

    # --- output ----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Return totals, deltas and distributions as JSON-ready data (amounts as strings)."""
        totals = self.totals()
        deltas = self.revenue_delta()
        per = self.customer_totals()
        scenarios = []
        for name in self.scenarios:
            entry: dict[str, Any] = {
                "scenario": name,
                "total": str(totals[name]),
                "revenueDelta": str(deltas[name]),
                "invoices": sum(1 for i in self.invoices if i.scenario == name),
            }
            if name != CURRENT:
                d = self._distribution(name, per)
                entry["customerChange"] = {
                    "median": str(d.median),
                    "p95": str(d.p95),
                    "hardestHit": [{"customerId": c, "delta": str(v)} for c, v in d.hardest_hit],
                }
            scenarios.append(entry)
        return {
            "end": self.end.isoformat(),
            "customers": len(self.customers),
            "unenrolledCustomers": self.unenrolled_customers,
            "scenarios": scenarios,
            "monthlyRevenue": {
                name: {m: str(v) for m, v in months.items()}
                for name, months in self.monthly_revenue().items()
            },
        }

    def invoice_rows(self) -> Iterator[dict[str, Any]]:
        """Yield one row per invoice line (and one per invoice without lines)."""
        iso = _Isoformat()
        for invoice in self.invoices:
            base = {
                "customerId": invoice.customer_id,
                "scenario": invoice.scenario,
                "offeringId": invoice.offering_id,
                "invoiceDate": iso(invoice.invoice_date),
                "periodStart": iso(invoice.period_start) or "",
                "periodEnd": iso(invoice.period_end) or "",
                "invoiceSubtotal": invoice.subtotal,
                "invoiceTax": invoice.tax,
                "invoiceTotal": invoice.total,
            }
            if not invoice.lines:
                yield {**base, "line": "", "kind": "", "quantity": "", "unitCost": "", "amount": ""}
            for item in invoice.lines:
                yield {
                    **base,
                    "line": item.name,
                    "kind": item.kind,
                    "quantity": item.quantity,
                    "unitCost": item.unit_cost,
                    "amount": item.amount,
                }

    def write(self, directory: str | Path) -> list[Path]:
        """Write invoices.csv, cycles.csv, summary.json, whatif.json and chart.html; return them.

        Raises:
            OSError: the directory cannot be created or written.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = [
            self._write_invoices(out / "invoices.csv"),
            _write_csv(out / "cycles.csv", self.cycles()),
        ]
        summary = out / "summary.json"
        summary.write_text(json.dumps(self.summary(), indent=2) + "\n", encoding="utf-8")
        full = out / "whatif.json"
        # Compact: the indenting encoder is pure Python, several times slower on large runs.
        full.write_text(json.dumps(self.to_json()) + "\n", encoding="utf-8")
        chart = out / "chart.html"
        chart.write_text(self.chart_html(), encoding="utf-8")
        return [*written, summary, full, chart]

    def _write_invoices(self, path: Path) -> Path:
        """Write `invoice_rows()` as CSV, without building a mapping per row."""
        iso = _Isoformat()
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(_INVOICE_COLUMNS)
            for i in self.invoices:
                base = (
                    i.customer_id,
                    i.scenario,
                    i.offering_id,
                    iso(i.invoice_date),
                    iso(i.period_start) or "",
                    iso(i.period_end) or "",
                    i.subtotal,
                    i.tax,
                    i.total,
                )
                if not i.lines:
                    writer.writerow((*base, "", "", "", "", ""))
                writer.writerows(
                    (*base, x.name, x.kind, x.quantity, x.unit_cost, x.amount) for x in i.lines
                )
        return path

    def to_json(self) -> dict[str, Any]:
        """Return the summary and every invoice with its lines, amounts as strings."""
        iso = _Isoformat()
        return {
            **self.summary(),
            "invoices": [
                {
                    "customerId": i.customer_id,
                    "scenario": i.scenario,
                    "offeringId": i.offering_id,
                    "invoiceDate": iso(i.invoice_date),
                    "periodStart": iso(i.period_start),
                    "periodEnd": iso(i.period_end),
                    "subtotal": str(i.subtotal),
                    "tax": str(i.tax),
                    "total": str(i.total),
                    "lines": [
                        {
                            "name": item.name,
                            "kind": item.kind,
                            "quantity": str(item.quantity),
                            "unitCost": str(item.unit_cost),
                            "amount": str(item.amount),
                        }
                        for item in i.lines
                    ],
                }
                for i in self.invoices
            ],
        }

    def chart_html(self) -> str:
        """Return a self-contained HTML page (inline SVG, no scripts) of revenue by month."""
        monthly = self.monthly_revenue()
        months = sorted({m for per in monthly.values() for m in per})
        width, height, pad = 760, 360, 60
        top = max((v for per in monthly.values() for v in per.values()), default=Decimal(0))
        top = top if top > 0 else Decimal(1)
        colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            'role="img" aria-label="Revenue by month per offering">',
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - 20}" y2="{height - pad}" '
            'stroke="#333"/>',
            f'<line x1="{pad}" y1="20" x2="{pad}" y2="{height - pad}" stroke="#333"/>',
            f'<text x="{pad - 5}" y="25" text-anchor="end" font-size="11">{_fmt(top)}</text>',
            f'<text x="{pad - 5}" y="{height - pad}" text-anchor="end" font-size="11">0</text>',
        ]
        step = (width - pad - 40) / max(1, len(months) - 1)
        for index, month in enumerate(months):
            x = pad + index * step
            parts.append(
                f'<text x="{x:.1f}" y="{height - pad + 16}" text-anchor="middle" '
                f'font-size="10">{html.escape(month)}</text>'
            )
        rows = []
        for n, name in enumerate(self.scenarios):
            colour = colours[n % len(colours)]
            points = " ".join(
                f"{pad + i * step:.1f},"
                f"{(height - pad) - monthly[name][m] / top * (height - pad - 20):.1f}"
                for i, m in enumerate(months)
            )
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
            )
            parts.append(
                f'<text x="{width - 150}" y="{30 + 16 * n}" fill="{colour}" font-size="12">'
                f"{html.escape(name)}</text>"
            )
            cells = "".join(f"<td>{_fmt(monthly[name][m])}</td>" for m in months)
            rows.append(f"<tr><th>{html.escape(name)}</th>{cells}</tr>")
        parts.append("</svg>")
        head = "".join(f"<th>{html.escape(m)}</th>" for m in months)
        return (
            '<!doctype html>\n<html><head><meta charset="utf-8">'
            "<title>Revenue by month per offering</title>"
            "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:right}</style>"
            "</head><body><h1>Revenue by month per offering</h1>"
            + "".join(parts)
            + f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table></body></html>\n"
        )

    def render(self, console: Any | None = None) -> None:
        """Print the per-scenario summary and each candidate's hardest-hit customers with rich.

        Raises:
            ImportError: rich is not installed (the `whatif` extra).
        """
        from rich.console import Console
        from rich.table import Table

        console = console or Console()
        totals = self.totals()
        deltas = self.revenue_delta()
        per = self.customer_totals()
        table = Table(title=f"Revenue through {self.end.date().isoformat()}")
        for column in (
            "Scenario",
            "Invoices",
            "Total",
            "Revenue delta",
            "Median change",
            "p95 change",
        ):
            table.add_column(column, justify="left" if column == "Scenario" else "right")
        for name in self.scenarios:
            count = sum(1 for i in self.invoices if i.scenario == name)
            if name == CURRENT:
                table.add_row(name, str(count), _fmt(totals[name]), "", "", "")
                continue
            d = self._distribution(name, per)
            table.add_row(
                name,
                str(count),
                _fmt(totals[name]),
                _fmt(deltas[name]),
                _fmt(d.median),
                _fmt(d.p95),
            )
        console.print(table)
        for name in self.scenarios[1:]:
            hardest = self._distribution(name, per).hardest_hit
            if hardest:
                listed = ", ".join(f"{c} (+{_fmt(v)})" for c, v in hardest)
                console.print(f"[bold]{name}[/bold] hits hardest: {listed}")
        if self.unenrolled_customers:
            console.print(
                f"{len(self.unenrolled_customers)} customers have records but no enrollment "
                "and were not priced"
            )


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


_INVOICE_COLUMNS: Final = (
    "customerId",
    "scenario",
    "offeringId",
    "invoiceDate",
    "periodStart",
    "periodEnd",
    "invoiceSubtotal",
    "invoiceTax",
    "invoiceTotal",
    "line",
    "kind",
    "quantity",
    "unitCost",
    "amount",
)


class _Isoformat:
    """`datetime.isoformat`, remembered: a run has few distinct invoice dates and periods."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[datetime, str] = {}

    def __call__(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        text = self._seen.get(moment)
        if text is None:
            text = self._seen[moment] = moment.isoformat()
        return text


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        if rows:
            writer = csv.writer(handle)
            writer.writerow(list(rows[0]))
            writer.writerows(row.values() for row in rows)
    return path
