"""Per-call request options every resource method takes: extra headers, query and body fields.

As in the Stainless-generated SDKs (openai-python), `extra_headers`, `extra_query` and
`extra_body` reach fields Paigo adds before this SDK knows them. They are merged into the request
after the method has validated its own arguments, and win over what the method built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paigo_sdk.errors import ClientValidationError

__all__ = ["Body", "Headers", "Query", "merge_extras"]

Headers = Mapping[str, str]
"""Extra request headers, sent as given (they replace a header of the same name)."""

Query = Mapping[str, str | int | bool]
"""Extra query parameters; booleans are sent as `true` / `false`."""

Body = Mapping[str, Any]
"""Extra fields of the JSON body, in Paigo's wire names (camelCase), sent as given."""


def merge_extras(
    *,
    query: Mapping[str, str | None] | None,
    json_body: Any,
    files: Mapping[str, Any] | None,
    headers: Mapping[str, str] | None,
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
) -> tuple[Mapping[str, str | None] | None, Any, Mapping[str, str] | None]:
    """Return the query, JSON body and headers with the extras merged in.

    A method that sends no body sends `extra_body` as its JSON body.

    Raises:
        ClientValidationError: for an extra that is not a mapping of the right types, or an
            `extra_body` on a method whose body is not a JSON object (a batch, an upload).
    """
    if extra_headers:
        _check_mapping("extra_headers", extra_headers, (str,))
        headers = {**(headers or {}), **extra_headers}
    if extra_query:
        _check_mapping("extra_query", extra_query, (str, int, bool))
        query = {**(query or {}), **{name: _query_value(v) for name, v in extra_query.items()}}
    if extra_body:
        _check_mapping("extra_body", extra_body, (object,))
        if files is not None or not (json_body is None or isinstance(json_body, dict)):
            raise ClientValidationError(
                "extra_body can only be merged into a JSON object body; "
                "this method sends an array or a file"
            )
        json_body = {**(json_body or {}), **extra_body}
    return query, json_body, headers


def _check_mapping(name: str, value: object, types: tuple[type, ...]) -> None:
    if not isinstance(value, Mapping) or not all(
        isinstance(key, str) and isinstance(item, types) for key, item in value.items()
    ):
        kinds = " or ".join(t.__name__ for t in types)
        raise ClientValidationError(f"{name} must be a mapping of str to {kinds}")


def _query_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
