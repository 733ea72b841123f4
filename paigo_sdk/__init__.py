"""A typed client for the Paigo usage-based billing API."""

from paigo_sdk._client import AsyncPaigoClient, PaigoClient
from paigo_sdk._sentinels import NOT_GIVEN, NotGiven
from paigo_sdk._version import __version__
from paigo_sdk.errors import (
    APIConnectionError,
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

__all__ = [
    "INFINITY",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaigoClient",
    "AuthenticationError",
    "BadRequestError",
    "BatcherClosedError",
    "ClientValidationError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PaigoClient",
    "PaigoError",
    "PermissionDeniedError",
    "QueueFullError",
    "RateLimitError",
    "__version__",
]
