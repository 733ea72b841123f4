"""One wire grammar per side: each pattern and list of values is written once, and both agree."""

from __future__ import annotations

import ast
import re
from enum import StrEnum
from pathlib import Path

import pytest

from paigo_sdk import _wire as sdk_wire
from simulator import wire as sim_wire

ROOT = Path(__file__).resolve().parent.parent

# Each SDK enumeration and the simulator's list of the same values.
PAIRS: list[tuple[type[StrEnum], tuple[str, ...]]] = [
    (sdk_wire.Rounding, sim_wire.ROUNDINGS),
    (sdk_wire.AggregationMethod, sim_wire.AGGREGATION_METHODS),
    (sdk_wire.AggregationInterval, sim_wire.AGGREGATION_INTERVALS),
    (sdk_wire.AggregationPurpose, sim_wire.AGGREGATION_PURPOSES),
    (sdk_wire.SampleType, sim_wire.SAMPLE_TYPES),
    (sdk_wire.PaymentSchedule, sim_wire.PAYMENT_SCHEDULES),
    (sdk_wire.ConsumptionUnitType, tuple(sim_wire.CONSUMPTION_UNITS)),
    (sdk_wire.OfferingType, sim_wire.OFFERING_TYPES),
    (sdk_wire.BillingCycle, sim_wire.BILLING_CYCLES),
    (sdk_wire.OfferingVisibility, sim_wire.OFFERING_VISIBILITIES),
    (sdk_wire.Currency, sim_wire.CURRENCIES),
    (sdk_wire.PaymentChannel, sim_wire.PAYMENT_CHANNELS),
    (sdk_wire.TaxExempt, sim_wire.TAX_EXEMPTIONS),
    (sdk_wire.BillParent, sim_wire.BILL_PARENTS),
    (sdk_wire.InvoiceStatus, sim_wire.INVOICE_STATUSES),
    (sdk_wire.InvoiceType, sim_wire.INVOICE_TYPES),
    (sdk_wire.InvoicePaymentTerm, sim_wire.INVOICE_PAYMENT_TERMS),
    (sdk_wire.RefundReason, sim_wire.REFUND_REASONS),
    (sdk_wire.WebhookType, sim_wire.WEBHOOK_TYPES),
    (sdk_wire.WebhookEnvironment, sim_wire.WEBHOOK_ENVIRONMENTS),
    (sdk_wire.MeasurementMode, sim_wire.MEASUREMENT_MODES),
]


@pytest.mark.parametrize(("enum", "values"), PAIRS, ids=[enum.__name__ for enum, _ in PAIRS])
def test_sdk_and_simulator_enumerations_agree(enum: type[StrEnum], values: tuple[str, ...]) -> None:
    assert {member.value for member in enum} == set(values)


def test_consumption_units_agree() -> None:
    assert {k.value: v for k, v in sdk_wire.CONSUMPTION_UNITS.items()} == dict(
        sim_wire.CONSUMPTION_UNITS
    )


def test_scalar_patterns_and_limits_agree() -> None:
    assert sdk_wire.DECIMAL_PATTERN == sim_wire.DECIMAL_PATTERN
    assert sdk_wire.TIMESTAMP_PATTERN == sim_wire.TIMESTAMP_PATTERN
    for name in (
        "MAX_ID_LENGTH",
        "MAX_NAME_LENGTH",
        "MAX_STRING_LENGTH",
        "MAX_DECIMAL_LENGTH",
        "MAX_NUMBER",
        "MAX_METADATA_BYTES",
        "MAX_METADATA_DEPTH",
        "MAX_BATCH_SIZE",
        "MAX_IDEMPOTENCY_KEY_LENGTH",
    ):
        assert getattr(sdk_wire, name) == getattr(sim_wire, name), name


@pytest.mark.parametrize(
    "key", ["a", "k" * 255, "key-1:2", "!~", "k" * 256, "", "a b", "a,b", "é", "a\x7f", "\t"]
)
def test_idempotency_keys_are_judged_alike(key: str) -> None:
    assert sdk_wire.is_idempotency_key(key) == sim_wire.is_idempotency_key(key)


@pytest.mark.parametrize(
    "text",
    ["1", "-0.5", "+12.50", "1.", ".5", "1e3", "\u0663", " 1", "1_0", "0" * 64, "0" * 65, ""],
)
def test_decimal_strings_are_judged_alike(text: str) -> None:
    assert sdk_wire.is_plain_decimal(text) == (sim_wire.parse_decimal(text) is not None)


# ----------------------------------------------------------------------------- written once

_GRAMMAR_REGEX = re.compile(r"\[0-9\]\+\(\?:|\\d\+\(\?:|\{4\}-|\\x21-")


def _literals(path: Path) -> list[tuple[int, frozenset[str]]]:
    """Every tuple, list or set literal of two or more strings in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Tuple | ast.List | ast.Set)
            and len(node.elts) >= 2
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
        ):
            found.append((node.lineno, frozenset(e.value for e in node.elts)))  # type: ignore[attr-defined]
    return found


def _grammar_patterns(path: Path) -> list[int]:
    """Lines of string constants that spell a decimal, timestamp or key pattern."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _GRAMMAR_REGEX.search(node.value)
    ]


def _value_lists() -> set[frozenset[str]]:
    lists = {frozenset(values) for _, values in PAIRS}
    lists |= {frozenset(units) for units in sim_wire.CONSUMPTION_UNITS.values() if len(units) > 1}
    for name in dir(sim_wire):
        value = getattr(sim_wire, name)
        if name.isupper() and isinstance(value, tuple) and len(value) > 1:
            lists.add(frozenset(value))
    return lists


@pytest.mark.parametrize("package", ["paigo_sdk", "simulator"])
def test_no_module_but_the_wire_grammar_spells_a_value_list_or_pattern(package: str) -> None:
    wire_modules = {ROOT / "paigo_sdk" / "_wire.py", ROOT / "simulator" / "wire.py"}
    lists = _value_lists()
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path in wire_modules:
            continue
        where = path.relative_to(ROOT)
        problems += [
            f"{where}:{line} lists {sorted(v)}" for line, v in _literals(path) if v in lists
        ]
        problems += [f"{where}:{line} spells a wire pattern" for line in _grammar_patterns(path)]
    assert problems == []


# ------------------------------------------------------------------- one grammar, every path

RECORD_VALUES = ["1", "1.", ".5", "-0.25", "+2.50", "1e3", "NaN", "", " 1", "\u0663", "0" * 65]


@pytest.mark.parametrize("value", RECORD_VALUES)
def test_usage_record_and_the_batcher_judge_a_value_alike(value: str) -> None:
    from datetime import UTC, datetime

    from paigo_sdk.errors import ClientValidationError
    from simulator import ManualClock, Simulator

    moment = datetime(2026, 11, 24, 8, tzinfo=UTC)
    with Simulator(clock=ManualClock(moment)) as sim, sim.client(max_retries=0) as client:
        try:
            client.usage.record(
                customer_id="c", dimension_id="d", record_value=value, timestamp=moment
            )
        except ClientValidationError:
            record_refused = True
        except Exception:
            record_refused = False
        else:
            record_refused = False
        with client.usage.batcher() as batcher:
            try:
                batcher.add("c", "d", value, timestamp=moment)
            except ClientValidationError:
                add_refused = True
            else:
                add_refused = False
    assert record_refused == add_refused == (not sdk_wire.is_plain_decimal(value))
