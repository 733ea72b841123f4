"""Print the reliability matrix as a Markdown table: each fault x client x sending path, measured.

Runs exactly the cases of `tests/reliability/test_matrix.py` (same records, same fault rules,
same seeds) and reports, for each, what the fault did (how often it fired), what the SDK reported
(acknowledged, rejected, replays, direct resends) and what the simulator holds (stored records,
stored total, period invoice), next to the values expected from what was sent.

Usage:
    .venv/bin/python bench/load_matrix.py > /tmp/matrix.md
"""

from __future__ import annotations

import asyncio
import logging
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.conftest import (
    PERIOD_START,
    START,
    billing_simulator,
    expected_amount,
)
from tests.reliability.test_matrix import (
    FAULTS,
    PATHS,
    arm,
    plan_records,
    send_async,
    send_sync,
)


def main() -> int:
    # The batcher logs a warning per rejected record; the table reports them instead.
    logging.getLogger("paigo_sdk").addHandler(logging.NullHandler())
    print(
        "| fault | client | path | POST /usage requests | fired | acknowledged | "
        "rejected (expected) | stored | stored total (expected) | invoice (expected) | "
        "direct resends | exact |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    all_exact = True
    for fault, rule in FAULTS.items():
        for flavour in ("sync", "async"):
            for path in PATHS:
                billing_iter = billing_simulator(array_batches=True)
                billing = next(billing_iter)
                records = plan_records(billing)
                rule_id = arm(billing, rule)
                if flavour == "sync":
                    outcome = send_sync(billing, records, path)
                else:
                    outcome = asyncio.run(send_async(billing, records, path))
                valid = [r for r in records if r.customer_id == billing.customer_id]
                invalid_keys = {r.key for r in records} - {r.key for r in valid}
                expected_total = sum((r.value for r in valid), Decimal(0))
                stored = billing.sim.usage_records()
                stored_total = sum((r.record_value for r in stored), Decimal(0))
                invoice = billing.sim.create_period_invoice(
                    billing.customer_id, PERIOD_START, START
                )
                fired = 0 if rule_id is None else billing.sim.faults.fired(rule_id)
                matched = {r.id: r.matched for r in billing.sim.faults.list()}
                requests = "-" if rule_id is None else str(matched[rule_id])
                exact = (
                    outcome.rejected_keys == invalid_keys
                    and outcome.acknowledged == len(valid)
                    and len(stored) == len(valid)
                    and stored_total == expected_total
                    and invoice.total_amount_without_tax == expected_amount(expected_total)
                )
                all_exact = all_exact and exact
                print(
                    f"| {fault} | {flavour} | {path} | {requests} | {fired} | "
                    f"{outcome.acknowledged} | "
                    f"{len(outcome.rejected_keys)} ({len(invalid_keys)}) | {len(stored)} | "
                    f"{stored_total} ({expected_total}) | "
                    f"{invoice.total_amount_without_tax} "
                    f"({expected_amount(expected_total)}) | {outcome.resent} | "
                    f"{'yes' if exact else 'NO'} |"
                )
                billing_iter.close()  # type: ignore[attr-defined]
    return 0 if all_exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
