"""Decide which failed attempts are retried and how long to wait, then drive tenacity with it.

`RetryPolicy` is pure: which outcome retries for which `RetryClass`, how `Retry-After` is read,
and the capped exponential backoff with jitter. `retrying` and `async_retrying` turn it into
tenacity's `Retrying` / `AsyncRetrying`, so both clients follow exactly the same rules.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Final

import httpx
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception

from paigo_sdk.errors import APIConnectionError, APIStatusError

__all__ = [
    "RETRYABLE_STATUSES",
    "UNSAFE_RETRYABLE_STATUSES",
    "RetryClass",
    "RetryPolicy",
    "parse_retry_after",
]

RETRYABLE_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
"""Statuses retried for safe and idempotent requests."""

UNSAFE_RETRYABLE_STATUSES: Final = frozenset({429, 503})
"""Statuses retried even for a POST that could create a second copy: the server did no work."""

_NEVER_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RetryClass(StrEnum):
    """How safe it is to send a request again."""

    SAFE = "safe"
    """GET, PUT, DELETE: repeating them changes nothing more."""
    IDEMPOTENT = "idempotent"
    """A POST with an Idempotency-Key: the same key on every attempt makes a repeat harmless."""
    UNSAFE = "unsafe"
    """POSTs without a key: retried only when the server provably did not act on the request."""


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Read a `Retry-After` header as seconds from `now` (delta-seconds or an HTTP date).

    Raises:
        Nothing; an absent or unreadable value gives None and a date in the past gives 0.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, (moment - now).total_seconds())
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """The retry rules of one client.

    Attributes:
        max_retries: retries after the first attempt; 0 disables retrying.
        deadline: seconds from the first attempt after which no new attempt starts (a retry whose
            wait would cross it is not made); 0 disables retrying, None means no deadline.
        initial_backoff: the wait before the first retry, doubled for each later one.
        max_backoff: the cap on the exponential wait.
        retry_after_cap: the cap on a server's `Retry-After` hint.
        jitter: the fraction of each backoff wait that is randomised away (0 to 1).
    """

    max_retries: int = 4
    deadline: float | None = 60.0
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    retry_after_cap: float = 60.0
    jitter: float = 0.25
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    @property
    def retries_enabled(self) -> bool:
        """True when a failed attempt may be followed by another one."""
        return self.max_retries > 0 and self.deadline != 0

    def is_retryable(self, retry_class: RetryClass, error: BaseException) -> bool:
        """Say whether an attempt that failed with `error` may be repeated.

        Raises:
            Nothing.
        """
        if isinstance(error, APIStatusError):
            if retry_class is RetryClass.UNSAFE:
                return error.status_code in UNSAFE_RETRYABLE_STATUSES
            return error.status_code in RETRYABLE_STATUSES
        if isinstance(error, APIConnectionError):
            if retry_class is RetryClass.UNSAFE:
                return isinstance(error.__cause__, _NEVER_SENT)
            return True
        return False

    def wait_seconds(self, attempt: int, error: BaseException | None) -> float:
        """Return how long to wait after failed attempt number `attempt` (1-based).

        A server's `Retry-After` wins (capped at `retry_after_cap`); otherwise the wait is
        `initial_backoff * 2 ** (attempt - 1)`, capped at `max_backoff`, minus up to `jitter` of it.

        Raises:
            Nothing.
        """
        hint = getattr(error, "retry_after", None)
        if isinstance(hint, int | float):
            return float(min(max(hint, 0.0), self.retry_after_cap))
        backoff = min(self.max_backoff, self.initial_backoff * 2.0 ** max(attempt - 1, 0))
        return backoff * (1.0 - self.jitter * self.random())

    def should_stop(self, attempt: int, elapsed: float, upcoming_wait: float) -> bool:
        """Say whether to give up after attempt number `attempt`.

        Raises:
            Nothing.
        """
        if attempt >= self.max_retries + 1:
            return True
        return self.deadline is not None and elapsed + upcoming_wait > self.deadline

    def _tenacity_arguments(
        self, retry_class: RetryClass, now: Callable[[], datetime]
    ) -> dict[str, object]:
        started = now()

        def stop(state: RetryCallState) -> bool:
            elapsed = (now() - started).total_seconds()
            return self.should_stop(state.attempt_number, elapsed, state.upcoming_sleep)

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome is not None else None
            return self.wait_seconds(state.attempt_number, error)

        return {
            "stop": stop,
            "wait": wait,
            "retry": retry_if_exception(lambda error: self.is_retryable(retry_class, error)),
            "reraise": True,
        }

    def retrying(
        self,
        retry_class: RetryClass,
        *,
        sleep: Callable[[float], None],
        now: Callable[[], datetime],
        before_sleep: Callable[[RetryCallState], None] | None = None,
    ) -> Retrying:
        """Build a tenacity `Retrying` for one request; the deadline starts now.

        Raises:
            Nothing.
        """
        return Retrying(
            sleep=sleep,
            before_sleep=before_sleep,
            **self._tenacity_arguments(retry_class, now),  # type: ignore[arg-type]
        )

    def async_retrying(
        self,
        retry_class: RetryClass,
        *,
        sleep: Callable[[float], Awaitable[None]],
        now: Callable[[], datetime],
        before_sleep: Callable[[RetryCallState], None] | None = None,
    ) -> AsyncRetrying:
        """Build a tenacity `AsyncRetrying` for one request; the deadline starts now.

        Raises:
            Nothing.
        """
        return AsyncRetrying(
            sleep=sleep,
            before_sleep=before_sleep,
            **self._tenacity_arguments(retry_class, now),  # type: ignore[arg-type]
        )
