"""A typed client for the Paigo usage-based billing API."""

from typing import TYPE_CHECKING, Any

from paigo_sdk._client import AsyncPaigoClient, PaigoClient
from paigo_sdk._response import AsyncStreamedResponse, RawResponse, StreamedResponse
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk._version import __version__
from paigo_sdk.errors import (
    APIConnectionError,
    APIDecodingError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatcherClosedError,
    ClientValidationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PaigoError,
    PermissionDeniedError,
    QueueFullError,
    RateLimitError,
)
from paigo_sdk.types import INFINITY

if TYPE_CHECKING:
    from paigo_sdk.batching import (
        AsyncUsageBatcher,
        DeliveryReport,
        QueueFullPolicy,
        UsageBatcher,
    )

__all__ = [
    "INFINITY",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIDecodingError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaigoClient",
    "AsyncStreamedResponse",
    "AsyncUsageBatcher",
    "AuthenticationError",
    "BadRequestError",
    "BatcherClosedError",
    "ClientValidationError",
    "ConflictError",
    "DeliveryReport",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PaigoClient",
    "PaigoError",
    "PermissionDeniedError",
    "QueueFullError",
    "QueueFullPolicy",
    "RateLimitError",
    "RawResponse",
    "StreamedResponse",
    "UsageBatcher",
    "__version__",
]

_BATCHING = frozenset({"AsyncUsageBatcher", "DeliveryReport", "QueueFullPolicy", "UsageBatcher"})


def __getattr__(name: str) -> Any:
    # The batchers are imported on first use, so `import paigo_sdk` stays light.
    if name in _BATCHING:
        from paigo_sdk import batching

        return getattr(batching, name)
    raise AttributeError(f"module 'paigo_sdk' has no attribute {name!r}")
