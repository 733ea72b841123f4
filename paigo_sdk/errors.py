"""The exceptions the SDK raises, all rooted at `PaigoError`.

```
PaigoError
├── ClientValidationError (also a ValueError)   bad input, caught before anything is sent
├── APIConnectionError                          the request did not get a usable reply
│   ├── APITimeoutError                         no complete reply within `timeout`
│   └── APIDecodingError                        the reply's bytes could not be decoded
├── APIResponseValidationError                  the reply did not fit the model
├── APIStatusError                              the server answered with an error status
│   ├── BadRequestError        400
│   ├── AuthenticationError    401 (and token endpoint rejections)
│   ├── PermissionDeniedError  403
│   ├── NotFoundError          404
│   ├── ConflictError          409
│   ├── RateLimitError         429
│   └── InternalServerError    5xx
├── BatcherClosedError                          a usage batcher was used after close()
└── QueueFullError                              a usage batcher's queue is full
```

No exception text or repr ever contains a client secret, a token or an Authorization header, and
every text is bounded (`MAX_ERROR_TEXT` characters, then how much was cut), however large the reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Final

__all__ = [
    "MAX_ERROR_TEXT",
    "APIConnectionError",
    "APIDecodingError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatcherClosedError",
    "ClientValidationError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PaigoError",
    "PermissionDeniedError",
    "QueueFullError",
    "RateLimitError",
    "WebhookVerificationError",
    "status_error_class",
]


MAX_ERROR_TEXT: Final = 2000
"""The most characters of one message an error keeps; the rest is cut and counted."""

MAX_ERROR_MESSAGES: Final = 100
"""The most messages an error keeps from one reply."""


def bounded(text: str, limit: int = MAX_ERROR_TEXT) -> str:
    """Return `text`, cut to `limit` characters with the number of characters cut appended.

    Raises:
        Nothing.
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters cut)"


def printable(text: str) -> str:
    """Return `text` with what UTF-8 cannot write (a lone surrogate) escaped as `\\udc80`.

    For error texts that quote what a server or a user gave, so that logging them never fails.

    Raises:
        Nothing.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class PaigoError(Exception):
    """The base class of every error this SDK raises."""


class ClientValidationError(PaigoError, ValueError):
    """Input that the contract makes invalid, rejected before any request is sent.

    Attributes:
        messages: one line per problem, each naming the argument.
    """

    def __init__(self, messages: str | Sequence[str]) -> None:
        given = [messages] if isinstance(messages, str) else list(messages)
        self.messages: list[str] = [bounded(m) for m in given[:MAX_ERROR_MESSAGES]]
        super().__init__(bounded("; ".join(self.messages), 4 * MAX_ERROR_TEXT))


class APIConnectionError(PaigoError):
    """The request got no HTTP reply: DNS, connection, TLS or protocol failure.

    Attributes:
        method: the HTTP method of the request.
        url: the request URL (never its headers).
    """

    def __init__(self, message: str, *, method: str, url: str) -> None:
        self.method = method
        self.url = bounded(url)
        super().__init__(bounded(message))

    def __str__(self) -> str:
        return f"{self.args[0]} ({self.method} {self.url})"


class APITimeoutError(APIConnectionError):
    """The request timed out: no complete reply within the attempt's `timeout`."""


class APIDecodingError(APIConnectionError):
    """A reply arrived but its bytes could not be decoded (a bad `Content-Encoding`, say)."""


class APIResponseValidationError(PaigoError):
    """The server's reply could not be parsed into the expected model.

    Attributes:
        status_code: the reply's HTTP status.
        body: the parsed JSON body, or the raw text when it was not JSON.
        method: the HTTP method of the request.
        url: the request URL.
    """

    def __init__(
        self, message: str, *, status_code: int, body: object, method: str, url: str
    ) -> None:
        self.status_code = status_code
        self.body = body
        self.method = method
        self.url = bounded(url)
        super().__init__(bounded(message))

    def __str__(self) -> str:
        return f"{self.args[0]} ({self.status_code} from {self.method} {self.url})"


class APIStatusError(PaigoError):
    """The server answered with an error status.

    Attributes:
        status_code: the HTTP status.
        message: the first (or only) message of the reply.
        messages: every message of the reply, always a list (Paigo's 400 replies may carry many).
        body: the parsed JSON body, or the raw text when it was not JSON.
        method: the HTTP method of the request.
        url: the request URL (never the Authorization header).
        retry_after: seconds from a `Retry-After` header, if the reply had one.
    """

    status: ClassVar[int | None] = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        messages: Sequence[str] | None = None,
        body: object = None,
        method: str = "",
        url: str = "",
        retry_after: float | None = None,
    ) -> None:
        given = list(messages) if messages is not None else [message]
        self.status_code = status_code
        self.message = bounded(message)
        self.messages: list[str] = [bounded(m) for m in given[:MAX_ERROR_MESSAGES]]
        self.body = body
        self.method = method
        self.url = bounded(url)
        self.retry_after = retry_after
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f" for {self.method} {self.url}" if self.method else ""
        more = f" (+{len(self.messages) - 1} more)" if len(self.messages) > 1 else ""
        return f"{self.status_code}{where}: {self.message}{more}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, message={self.message!r}, "
            f"method={self.method!r}, url={self.url!r})"
        )


class BadRequestError(APIStatusError):
    """400: the request failed validation or a business rule; see `messages`."""

    status = 400


class AuthenticationError(APIStatusError):
    """401, or a rejection by the token endpoint (bad client id, secret, audience or grant)."""

    status = 401


class PermissionDeniedError(APIStatusError):
    """403: the credentials may not perform this operation."""

    status = 403


class NotFoundError(APIStatusError):
    """404: the resource does not exist, e.g. "Customer with ID: <id> not found"."""

    status = 404


class ConflictError(APIStatusError):
    """409: a delete is blocked because other resources still refer to this one."""

    status = 409


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` holds the server's hint in seconds, if any."""

    status = 429


class InternalServerError(APIStatusError):
    """5xx: the server failed."""

    status = 500


class WebhookVerificationError(PaigoError):
    """A webhook request did not come from Paigo, or its body is not an event
    (`paigo_sdk.webhooks.verify`). The message never contains the key or the header's value."""


class BatcherClosedError(PaigoError):
    """A usage batcher was given a record after it was closed."""


class QueueFullError(PaigoError):
    """A usage batcher's queue was full and its policy is to raise."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """Choose the exception class for an HTTP error status.

    Raises:
        Nothing; unknown statuses map to `APIStatusError` (or `InternalServerError` for 5xx).
    """
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)
