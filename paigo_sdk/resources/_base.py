"""The base of every resource: it holds the client, and turns keyword arguments into params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from paigo_sdk._sentinels import NotGiven
from paigo_sdk._wire import MAX_ID_LENGTH
from paigo_sdk.errors import ClientValidationError

if TYPE_CHECKING:
    from paigo_sdk._client import AsyncPaigoClient, PaigoClient

__all__ = ["AsyncResource", "SyncResource", "build_params", "customer_path", "require_id"]

P = TypeVar("P", bound=BaseModel)

# Per-call request options, never fields of the params model.
_NOT_FIELDS = frozenset(
    {"self", "timeout", "idempotency_key", "extra_headers", "extra_query", "extra_body"}
)


class SyncResource:
    """A group of operations of `PaigoClient`."""

    def __init__(self, client: PaigoClient) -> None:
        self._client = client


class AsyncResource:
    """A group of operations of `AsyncPaigoClient`."""

    def __init__(self, client: AsyncPaigoClient) -> None:
        self._client = client


def build_params(
    model: type[P],
    arguments: Mapping[str, object],
    *,
    omit: tuple[str, ...] = (),
    none_means_absent: bool = True,
) -> P:
    """Validate a method's keyword arguments into a params model.

    Arguments left as `NOT_GIVEN` are not sent. In create methods (`none_means_absent=True`) a
    `None` is not sent either; in update methods a `None` is sent as `null`.

    Raises:
        ClientValidationError: naming each invalid argument, before anything is sent.
    """
    values = {
        name: value
        for name, value in arguments.items()
        if name not in _NOT_FIELDS
        and name not in omit
        and not isinstance(value, NotGiven)
        and not (none_means_absent and value is None)
    }
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise ClientValidationError(_messages(error)) from None


def _messages(error: ValidationError) -> list[str]:
    messages = []
    for item in error.errors(include_input=False, include_url=False):
        location = ".".join(str(part) for part in item["loc"])
        text = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            text = "is not a known field"
        if not location:
            messages.extend(text.split("; "))
        elif text.startswith(("must ", "should ")):
            # Phrased like Paigo's own 400 messages: "<wireName> must ...".
            wire = ".".join(
                to_camel(part) if isinstance(part, str) else str(part) for part in item["loc"]
            )
            messages.append(f"{wire} {text}")
        else:
            messages.append(f"{location}: {text}")
    return messages


def require_id(name: str, value: object) -> str:
    """Check that an id argument is a non-empty string and return it.

    Raises:
        ClientValidationError: when it is empty or not a string.
    """
    if not isinstance(value, str) or not value.strip():
        raise ClientValidationError(f"{name} must be a non-empty string, got {value!r}")
    if len(value) > MAX_ID_LENGTH:
        raise ClientValidationError(
            f"{to_camel(name)} must be shorter than or equal to {MAX_ID_LENGTH} characters"
        )
    return value


def customer_path(customer_id: object) -> dict[str, str]:
    """Return the path parameters of a per-customer route.

    Raises:
        ClientValidationError: when `customer_id` is empty or not a string.
    """
    return {"customer_id": require_id("customer_id", customer_id)}
