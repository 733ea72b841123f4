"""Schemathesis against a live `paigo-simulator serve`, from Paigo's own OpenAPI export.

For each of the export's 48 operations, schemathesis generates requests that fit the schema
(positive) and requests that break it (negative), sends them over loopback with a bearer token,
and checks the replies: never a server error; in positive mode the reply also conforms to the
response schema declared for its status. A few examples per operation keep the run short.

Deliberate differences from the export, and bugs in the export itself, are corrected in the
schema first. They are those of `tests/e2e/test_openapi_conformance.py::patched_spec` (each
explained there: NestJS's 400 body with a list of messages; `PUT /customers/{id}` replying
`{message, customerId}`; the payments list's item type; ...) plus `_drop_boolean_required` below.
Checks left out, and why:
- `status_code_conformance`: the export documents only some error statuses (401 and 404 are
  missing from most operations although Paigo answers them), so undocumented statuses are normal.
- `content_type_conformance`, `response_headers_conformance`: the export declares no headers and
  `application/json` only; the simulator answers `application/json; charset=utf-8`, which is that.
- Negative-mode conformance: schemathesis' negative inputs are rejected with 400 (checked for
  shape by the fuzz tests); here they must only never cause a server error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from tests.e2e.conftest import ServerProcess
from tests.e2e.test_openapi_conformance import SPEC_PATH, patched_spec

schemathesis = pytest.importorskip("schemathesis")

pytestmark = pytest.mark.skipif(
    not SPEC_PATH.exists(), reason=f"Paigo's OpenAPI export is not at {SPEC_PATH}"
)

EXAMPLES = 4
"""Examples per operation and mode: enough to reach each operation's validation, fast."""


def _drop_boolean_required(node: Any) -> None:
    """Export bug: some schemas say `required: false` (a Swagger 2 parameter habit) where JSON
    Schema needs a list of names; schemathesis rejects the whole response schema. Dropped, which
    is what the export means (nothing required)."""
    if isinstance(node, dict):
        if "required" in node and not isinstance(node["required"], list):
            del node["required"]
        for value in node.values():
            _drop_boolean_required(value)
    elif isinstance(node, list):
        for value in node:
            _drop_boolean_required(value)


def _load_schema() -> Any:
    spec = patched_spec(yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8")))
    _drop_boolean_required(spec)
    return schemathesis.openapi.from_dict(spec)


SCHEMA = _load_schema() if SPEC_PATH.exists() else None
OPERATIONS: dict[str, Any] = (
    {}
    if SCHEMA is None
    else {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}
)


@pytest.fixture(scope="module")
def live(simulator_server: ServerProcess) -> Iterator[tuple[ServerProcess, str]]:
    """The session's server, reset before and after, with a bearer token."""
    httpx.post(f"{simulator_server.url}/_simulator/reset", timeout=30).raise_for_status()
    yield simulator_server, simulator_server.token()
    httpx.post(f"{simulator_server.url}/_simulator/reset", timeout=30).raise_for_status()


def test_the_export_has_every_operation() -> None:
    assert len(OPERATIONS) == 48


CASES = [(label, "positive") for label in sorted(OPERATIONS)] + [
    (label, "negative")
    for label, operation in sorted(OPERATIONS.items())
    if len(operation.body) or len(operation.query)
]
"""Every operation with schema-fitting input; those with a body or a query also with input that
breaks the schema (for the others, only path ids are left, and any string is a valid id)."""


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_operation_never_fails_its_checks(
    live: tuple[ServerProcess, str], label: str, mode: str
) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.modes import GenerationMode
    from schemathesis.specs.openapi.checks import response_schema_conformance

    server, token = live
    operation = OPERATIONS[label]
    generation_mode = GenerationMode(mode)
    checks: list[Any] = [not_a_server_error]
    if generation_mode is GenerationMode.POSITIVE:
        checks.append(response_schema_conformance)
    statuses: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=generation_mode))
    def run(case: Any) -> None:
        response = case.call(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        statuses.append(response.status_code)
        case.validate_response(response, checks=checks)

    try:
        run()
    except Unsatisfiable:
        pytest.skip(f"schemathesis cannot build a {mode} request for {label}")
    assert statuses, "requests were sent"
    assert all(status < 500 for status in statuses)


@pytest.mark.parametrize(
    ("status", "body", "failure"),
    [
        (500, {"statusCode": 500, "message": "Internal server error"}, "ServerError"),
        (200, {"data": "not a list"}, "JsonSchemaError"),
    ],
)
def test_the_checks_catch_a_bad_reply(status: int, body: dict[str, Any], failure: str) -> None:
    """The control: the same checks fail on a server error and on a reply off its schema."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    operation = OPERATIONS["GET /dimensions"]
    case = operation.Case()
    request = httpx.Request("GET", "http://127.0.0.1:9/dimensions")
    reply = httpx.Response(status, json={"message": "x", **body}, request=request)
    reply.elapsed = timedelta(milliseconds=1)
    with pytest.raises(BaseException) as caught:  # noqa: PT011 - a group of failures
        case.validate_response(reply, checks=[not_a_server_error, response_schema_conformance])
    found = getattr(caught.value, "exceptions", (caught.value,))
    assert failure in {type(error).__name__ for error in found}
