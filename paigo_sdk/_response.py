"""Raw and streamed responses: `client.with_raw_response` and `client.with_streaming_response`.

As in openai-python, `client.with_raw_response.<resource>.<method>(...)` calls the method as usual
and returns a `RawResponse`: the HTTP status, headers and raw body of the method's own request,
and `.parse()` for what the method would have returned. `client.with_streaming_response` returns
a context manager instead, whose body is read only when asked (`iter_bytes()`), for large bodies
such as invoice downloads.

How it works: the wrapper sets a context variable for the duration of the call; the client adds
each successful reply it parses to it (`capture`), and a download marks its open, unread reply as
the one the caller wants (`capture_primary`). Context variables follow both threads and asyncio
tasks, so concurrent calls never see each other's replies.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx

from paigo_sdk import _json

__all__ = [
    "AsyncStreamedResponse",
    "RawResponse",
    "ResponseWrapper",
    "StreamedResponse",
    "capture",
    "capture_primary",
    "streaming_requested",
]

T = TypeVar("T")


@dataclass
class _Capture:
    stream: bool
    responses: list[httpx.Response] = field(default_factory=list)
    primary: httpx.Response | None = None

    def main(self) -> httpx.Response:
        if self.primary is not None:
            return self.primary
        if not self.responses:  # pragma: no cover - every method sends at least one request
            raise RuntimeError("the call sent no request")
        return self.responses[0]


_CAPTURE: ContextVar[_Capture | None] = ContextVar("paigo_sdk_capture", default=None)


def capture(response: httpx.Response) -> None:
    """Remember a successful reply for a raw or streaming wrapper, if one is listening."""
    current = _CAPTURE.get()
    if current is not None:
        current.responses.append(response)


def capture_primary(response: httpx.Response) -> None:
    """Mark `response` as the call's own reply (a download's file rather than the lookup)."""
    current = _CAPTURE.get()
    if current is not None:
        current.responses.append(response)
        current.primary = response


def capturing() -> bool:
    """True inside a raw or streaming wrapper: the call's httpx replies are wanted."""
    return _CAPTURE.get() is not None


def streaming_requested() -> bool:
    """True inside `with_streaming_response`: a download must leave its body unread."""
    current = _CAPTURE.get()
    return current is not None and current.stream


class _HttpFacts:
    """What every wrapped reply exposes about the HTTP exchange."""

    http_response: httpx.Response

    @property
    def status_code(self) -> int:
        """The HTTP status of the method's own request."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The reply's headers (case-insensitive)."""
        return self.http_response.headers

    @property
    def method(self) -> str:
        """The HTTP method of the request."""
        return self.http_response.request.method

    @property
    def url(self) -> httpx.URL:
        """The URL the request went to."""
        return self.http_response.request.url


class RawResponse(_HttpFacts, Generic[T]):
    """The raw reply of one call, as `client.with_raw_response` returns it.

    Attributes:
        http_response: the `httpx.Response` of the method's own request (for a method that writes
            and reads back, such as `customers.create`, the write's reply).
        responses: every successful reply the call received, in order.
    """

    def __init__(self, response: httpx.Response, value: T, responses: list[httpx.Response]):
        self.http_response = response
        self.responses = tuple(responses)
        self._value = value

    def __repr__(self) -> str:
        return f"<RawResponse {self.method} {self.url.path} {self.status_code}>"

    @property
    def content(self) -> bytes:
        """The raw body, as bytes."""
        return self.http_response.content

    @property
    def text(self) -> str:
        """The raw body, decoded as text."""
        return self.http_response.text

    def json(self) -> Any:
        """The raw body decoded as JSON, numbers as Decimal.

        Raises:
            ValueError: when the body is not JSON.
        """
        return _json.loads(self.content)

    def parse(self) -> T:
        """Return what the method returns without the wrapper (the usual model).

        Raises:
            Nothing; the reply was parsed (and any error raised) when the call was made.
        """
        return self._value


class StreamedResponse(_HttpFacts, Generic[T]):
    """A reply whose body is read only when asked; from `client.with_streaming_response`.

    Use it as the context manager the wrapper returns, so the connection is released. For a
    download the body is still on the wire; for other methods it is small and already read.
    """

    def __init__(self, response: httpx.Response, value: T) -> None:
        self.http_response = response
        self._value = value

    def __repr__(self) -> str:
        return f"<StreamedResponse {self.method} {self.url.path} {self.status_code}>"

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Yield the body in chunks as it arrives.

        Raises:
            httpx.StreamError: when the body was already read or the response closed.
        """
        if self.http_response.is_stream_consumed or self.http_response.is_closed:
            yield from _chunks(self.http_response.content, chunk_size)
            return
        yield from self.http_response.iter_bytes(chunk_size)

    def read(self) -> bytes:
        """Read the whole body and return it."""
        return self.http_response.read()

    def parse(self) -> T:
        """Return what the method returns; for a download, the body read in full.

        Raises:
            httpx.StreamError: when the response was closed before its body was read.
        """
        if isinstance(self._value, bytes) and not self._value:
            return self.read()  # type: ignore[return-value]
        return self._value

    def close(self) -> None:
        """Release the connection."""
        self.http_response.close()


class AsyncStreamedResponse(_HttpFacts, Generic[T]):
    """The asyncio twin of `StreamedResponse`."""

    def __init__(self, response: httpx.Response, value: T) -> None:
        self.http_response = response
        self._value = value

    def __repr__(self) -> str:
        return f"<AsyncStreamedResponse {self.method} {self.url.path} {self.status_code}>"

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Yield the body in chunks as it arrives.

        Raises:
            httpx.StreamError: when the body was already read or the response closed.
        """
        if self.http_response.is_stream_consumed or self.http_response.is_closed:
            for chunk in _chunks(self.http_response.content, chunk_size):
                yield chunk
            return
        async for chunk in self.http_response.aiter_bytes(chunk_size):
            yield chunk

    async def read(self) -> bytes:
        """Read the whole body and return it."""
        return await self.http_response.aread()

    async def parse(self) -> T:
        """Return what the method returns; for a download, the body read in full.

        Raises:
            httpx.StreamError: when the response was closed before its body was read.
        """
        if isinstance(self._value, bytes) and not self._value:
            return await self.read()  # type: ignore[return-value]
        return self._value

    async def close(self) -> None:
        """Release the connection."""
        await self.http_response.aclose()


def _chunks(content: bytes, size: int | None) -> Iterator[bytes]:
    if not size:
        if content:
            yield content
        return
    for start in range(0, len(content), size):
        yield content[start : start + size]


class _StreamContext:
    def __init__(self, method: Callable[..., Any], args: Any, kwargs: Any) -> None:
        self._call = (method, args, kwargs)
        self._response: StreamedResponse[Any] | None = None
        self._async_response: AsyncStreamedResponse[Any] | None = None

    def __enter__(self) -> StreamedResponse[Any]:
        method, args, kwargs = self._call
        current = _Capture(stream=True)
        token = _CAPTURE.set(current)
        try:
            value = method(*args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        self._response = StreamedResponse(current.main(), value)
        return self._response

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._response is not None:
            self._response.close()

    async def __aenter__(self) -> AsyncStreamedResponse[Any]:
        method, args, kwargs = self._call
        current = _Capture(stream=True)
        token = _CAPTURE.set(current)
        try:
            value = await method(*args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        self._async_response = AsyncStreamedResponse(current.main(), value)
        return self._async_response

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._async_response is not None:
            await self._async_response.close()


class ResponseWrapper:
    """The object behind `client.with_raw_response` and `client.with_streaming_response`.

    Its attributes mirror the client's: resources and sub-resources come back wrapped, and their
    methods return a `RawResponse` (awaitable on the async client) or a streaming context manager
    (`with` / `async with`) instead of the parsed value.
    """

    def __init__(self, target: Any, *, stream: bool) -> None:
        self._target = target
        self._stream = stream

    def __repr__(self) -> str:
        kind = "with_streaming_response" if self._stream else "with_raw_response"
        return f"<{kind} of {type(self._target).__name__}>"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._target, name)
        if _is_resource(value):
            return ResponseWrapper(value, stream=self._stream)
        if not callable(value) or not _is_resource(self._target):
            raise AttributeError(f"{name} is not a resource or a method of one")
        if self._stream:
            return _streaming(value)
        if inspect.iscoroutinefunction(value):
            return _async_raw(value)
        return _raw(value)

    def __dir__(self) -> list[str]:
        return [name for name in dir(self._target) if not name.startswith("_")]


def _is_resource(value: object) -> bool:
    from paigo_sdk.resources._base import AsyncResource, SyncResource

    return isinstance(value, SyncResource | AsyncResource)


def _raw(method: Callable[..., T]) -> Callable[..., RawResponse[T]]:
    def call(*args: Any, **kwargs: Any) -> RawResponse[T]:
        current = _Capture(stream=False)
        token = _CAPTURE.set(current)
        try:
            value = method(*args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        return RawResponse(current.main(), value, current.responses)

    return call


def _async_raw(method: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> RawResponse[Any]:
        current = _Capture(stream=False)
        token = _CAPTURE.set(current)
        try:
            value = await method(*args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        return RawResponse(current.main(), value, current.responses)

    return call


def _streaming(method: Callable[..., Any]) -> Callable[..., _StreamContext]:
    def call(*args: Any, **kwargs: Any) -> _StreamContext:
        return _StreamContext(method, args, kwargs)

    return call
