"""Generate docs/simulator/coverage.md from the code, so the page never drifts from what runs.

Sources: the route table (`simulator.api.routes.ROUTES`) and each handler's docstring, the SDK
method that sends each operation (found in the SDK's resource classes), the deviations list
(`simulator.api.deviations.DEVIATIONS`), the rule headings of docs/billing-rules.md, and the
tests under tests/ that name each rule B1-B15 (a module `test_b<N>_*.py`, or a test whose name
has `b<N>` as a word or whose docstring says `B<N>`).

    python scripts/coverage_page.py           # rewrite the page
    python scripts/coverage_page.py --check   # exit 1 if the committed page is out of date
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "simulator" / "coverage.md"
RULES_PAGE = ROOT / "docs" / "billing-rules.md"
TESTS = ROOT / "tests"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_STATUS = {
    "BadRequest": 400,
    "Invalid": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "Conflict": 409,
    "PayloadTooLarge": 413,
}
_RULE_HEADING = re.compile(r"^## (B(\d+)) (.+)$")
_RULE_MODULE = re.compile(r"^test_b(\d+)_")
_RULE_NAME = re.compile(r"(?:^|_)b(\d+)(?:_|$)")
_RULE_TEXT = re.compile(r"\bB(\d+)\b")


def anchor(method: str, pattern: str) -> str:
    """Return the page anchor of a route, e.g. `get-customers-customerid-usage`."""
    return re.sub(r"[^a-z0-9]+", "-", f"{method} {pattern}".lower()).strip("-")


def _paragraphs(lines: list[str]) -> list[str]:
    text, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            text.append(" ".join(current))
            current = []
    if current:
        text.append(" ".join(current))
    return text


def split_docstring(handler: Callable[..., Any]) -> tuple[list[str], list[tuple[str, str]]]:
    """Return a handler's paragraphs and its `Raises:` entries as (exception, text)."""
    lines = (inspect.getdoc(handler) or "").splitlines()
    if "Raises:" not in lines:
        return _paragraphs(lines), []
    cut = lines.index("Raises:")
    raises: list[tuple[str, str]] = []
    for line in lines[cut + 1 :]:
        entry = re.match(r"^\s{2,}(\w+): (.*)$", line)
        if entry and not line.startswith(" " * 8):
            raises.append((entry.group(1), entry.group(2).strip()))
        elif raises and line.strip():
            name, text = raises[-1]
            raises[-1] = (name, f"{text} {line.strip()}")
    return _paragraphs(lines[:cut]), raises


def sdk_methods() -> dict[tuple[str, str], str]:
    """Map (method, path with `{}` for parameters) to the SDK method that sends it."""
    from paigo_sdk import PaigoClient, _operations
    from paigo_sdk.resources._base import SyncResource

    operations = {
        name: value
        for name, value in vars(_operations).items()
        if isinstance(value, _operations.Operation)
    }
    found: dict[tuple[str, str], str] = {}
    client = PaigoClient(
        client_id="coverage", client_secret="coverage", api_url="http://127.0.0.1:9"
    )

    def walk(resource: SyncResource, path: str) -> Iterator[tuple[str, Callable[..., Any]]]:
        for name, member in inspect.getmembers(type(resource)):
            if name.startswith("_"):
                continue
            if isinstance(inspect.getattr_static(type(resource), name), property | _cached()):
                child = getattr(resource, name)
                if isinstance(child, SyncResource):
                    yield from walk(child, f"{path}.{name}")
            elif inspect.isfunction(member):
                yield f"{path}.{name}", member

    try:
        roots = [
            (name, getattr(client, name))
            for name in sorted(dir(client))
            if not name.startswith("_")
            and isinstance(inspect.getattr_static(type(client), name, None), _cached())
        ]
        for name, resource in roots:
            if not isinstance(resource, SyncResource):
                continue
            for dotted, function in walk(resource, f"client.{name}"):
                used = re.findall(r"\b([A-Z][A-Z0-9_]+)\b", inspect.getsource(function))
                first = next((operations[u] for u in used if u in operations), None)
                if first is None:
                    continue
                key = (first.method, re.sub(r"\{[^}]+\}", "{}", first.path))
                if key not in found or len(dotted) < len(found[key]):
                    found[key] = dotted
    finally:
        client.close()
    return found


def _cached() -> type:
    from functools import cached_property

    return cached_property


def rule_titles() -> dict[int, str]:
    """Return each rule's title from the headings of docs/billing-rules.md."""
    titles: dict[int, str] = {}
    for line in RULES_PAGE.read_text(encoding="utf-8").splitlines():
        heading = _RULE_HEADING.match(line)
        if heading:
            titles[int(heading.group(2))] = heading.group(3)
    return titles


def rule_tests() -> tuple[dict[int, dict[str, int]], dict[int, list[str]]]:
    """Return, per rule, the modules all of whose tests are about it (with their test counts)
    and the other tests that name it (`path::name`)."""
    modules: dict[int, dict[str, int]] = defaultdict(dict)
    named: dict[int, list[str]] = defaultdict(list)
    for path in sorted(TESTS.rglob("test_*.py")):
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tests = list(_tests_of(tree))
        whole = _RULE_MODULE.match(path.name)
        if whole:
            modules[int(whole.group(1))][relative] = len(tests)
        for name, docstring in tests:
            rules = {int(n) for n in _RULE_NAME.findall(name.lower())}
            rules |= {int(n) for n in _RULE_TEXT.findall(docstring)}
            for rule in sorted(rules):
                if not (whole and int(whole.group(1)) == rule):
                    named[rule].append(f"{relative}::{name}")
    return modules, named


def _tests_of(tree: ast.Module) -> Iterator[tuple[str, str]]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            yield node.name, ast.get_docstring(node) or ""
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(
                    item, ast.FunctionDef | ast.AsyncFunctionDef
                ) and item.name.startswith("test"):
                    yield f"{node.name}::{item.name}", ast.get_docstring(item) or ""


def _route_section(route: Any, sdk: str | None) -> list[str]:
    paragraphs, raises = split_docstring(route.handler)
    out = [f"### `{route.method} {route.pattern}` {{#{anchor(route.method, route.pattern)}}}", ""]
    if sdk is not None:
        out += [f"SDK: `{sdk}`.", ""]
    for paragraph in paragraphs:
        out += [paragraph, ""]
    if raises:
        out += ["Errors:", ""]
        out += [f"- {_STATUS.get(name, '?')} ({name}): {text}" for name, text in raises]
        out.append("")
    return out


def render() -> str:
    """Return the whole page."""
    from simulator.api.deviations import DEVIATIONS
    from simulator.api.routes import PAIGO_OPERATION_COUNT, ROUTES

    sdk = sdk_methods()

    def sdk_of(route: Any) -> str | None:
        return sdk.get((route.method, re.sub(r"\{[^}]+\}", "{}", route.pattern)))

    paigo = [r for r in ROUTES if r.access in ("paigo", "portal")]
    token = [r for r in ROUTES if r.access == "token"]
    own = [r for r in ROUTES if r.access in ("admin", "signed")]
    out = [
        "<!-- Generated by scripts/coverage_page.py from the code; do not edit by hand. -->",
        "",
        "# Operation coverage",
        "",
        "This page is generated from the code by `scripts/coverage_page.py`, and a test fails",
        "when it is out of date: every route of the route table (`simulator/api/routes.py`) with",
        "its handler's docstring and the SDK method that sends it, the deliberate differences",
        "from Paigo's export (`simulator/api/deviations.py`), and the tests that name each",
        "billing rule. The billing behaviour behind the routes is described in",
        "[Billing rules](../billing-rules.md); rule numbers such as B2 refer to it. After",
        "changing any of these, run `.venv/bin/python scripts/coverage_page.py`.",
        "",
        "Errors map to Paigo's replies: `BadRequest` and `Invalid` answer 400 with",
        '`{"statusCode": 400, "message": [...], "error": "Bad Request"}`, `NotFound` answers 404',
        "with Paigo's text (for example `Customer with ID: <id> not found`), `Conflict` answers",
        "409, `Forbidden` 403 and `PayloadTooLarge` 413. A request without a valid bearer token",
        'gets 401 `{"message": "Unauthorized"}` on every Paigo route.',
        "",
        "## Deliberate differences from Paigo's export",
        "",
    ]
    out += [f"- **{d.topic}.** {d.what}" for d in DEVIATIONS]
    out += [
        "",
        f"## Paigo's operations ({len(paigo)} of {PAIGO_OPERATION_COUNT} implemented)",
        "",
        "| Operation | SDK method | Handler | Tokens |",
        "|---|---|---|---|",
    ]
    for route in paigo:
        method = sdk_of(route)
        link = f"[`{route.method} {route.pattern}`](#{anchor(route.method, route.pattern)})"
        handler = f"`{route.handler.__module__.rsplit('.', 1)[-1]}.{route.handler.__name__}`"
        tokens = "API client or the customer's portal" if route.access == "portal" else "API client"
        out.append(f"| {link} | {f'`{method}`' if method else '-'} | {handler} | {tokens} |")
    out += ["", "## Notes per operation", ""]
    for route in paigo:
        out += _route_section(route, sdk_of(route))
    out += [
        "## The token endpoint",
        "",
        "Paigo serves its token endpoint from `https://auth.paigo.tech/oauth/token`; the simulator",
        "serves the same contract at `/oauth/token` on its own origin. The SDK calls it on its own",
        "(see [Authentication](../sdk/authentication.md)).",
        "",
    ]
    for route in token:
        out += _route_section(route, None)
    out += [
        "## Simulator-only routes (not part of Paigo)",
        "",
        "These routes exist only in the simulator, under `/_simulator/`. They are described with",
        "examples on [Inspection](inspection.md), [Clock](clock.md), [Faults](faults.md),",
        "[Rate limits](rate-limits.md) and [Webhooks](webhooks.md). The invoice PDF route needs",
        "no token, only the signed link",
        "that `GET /invoices/{invoiceId}?download=true` hands out.",
        "",
        "| Route | What it does |",
        "|---|---|",
    ]
    for route in own:
        summary = (split_docstring(route.handler)[0] or ["-"])[0]
        link = f"[`{route.method} {route.pattern}`](#{anchor(route.method, route.pattern)})"
        cell = summary.replace("|", "\\|")
        out.append(f"| {link} | {cell} |")
    out.append("")
    for route in own:
        out += _route_section(route, None)
    out += _rules_section()
    return "\n".join(out).rstrip("\n") + "\n"


def _rules_section() -> list[str]:
    titles = rule_titles()
    modules, named = rule_tests()
    out = [
        "## Billing rules and the tests that name them",
        "",
        "A test names a rule when its module is `test_b<N>_*.py`, when `b<N>` is a word of its",
        "name, or when its docstring says `B<N>`.",
        "",
        "| Rule | Tests |",
        "|---|---|",
    ]
    for number in sorted(titles):
        count = sum(modules[number].values()) + len(named[number])
        link = f"[B{number} {titles[number]}](../billing-rules.md)"
        out.append(f"| {link} | {count if count else 'none'} |")
    out.append("")
    for number in sorted(titles):
        out += [f"### B{number} {titles[number]}", ""]
        entries = [f"- `{path}`: all {n} tests" for path, n in sorted(modules[number].items())]
        entries += [f"- `{test}`" for test in named[number]]
        out += entries or ["No test names this rule."]
        out.append("")
    return out


def main(argv: list[str] | None = None) -> int:
    """Rewrite the page, or with `--check` report whether the committed page is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    parser.add_argument("--page", type=Path, default=PAGE, help="the page to write or check")
    args = parser.parse_args(argv)
    text = render()
    current = args.page.read_text(encoding="utf-8") if args.page.exists() else None
    if args.check:
        if current != text:
            sys.stdout.write(f"{args.page} is out of date: run python scripts/coverage_page.py\n")
            return 1
        return 0
    if current != text:
        args.page.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
