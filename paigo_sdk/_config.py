"""Resolve client settings from arguments and `PAIGO_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Final

import httpx

from paigo_sdk.errors import ClientValidationError, bounded, printable

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_AUDIENCE",
    "DEFAULT_AUTH_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRY_DEADLINE",
    "DEFAULT_TIMEOUT",
    "ClientConfig",
    "resolve_config",
]

DEFAULT_API_URL: Final = "https://api.prod.paigo.tech"
DEFAULT_AUTH_URL: Final = "https://auth.paigo.tech/oauth/token"
DEFAULT_AUDIENCE: Final = "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com"
DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_MAX_RETRIES: Final = 4
DEFAULT_RETRY_DEADLINE: Final = 60.0


@dataclass(frozen=True)
class ClientConfig:
    """The settings of one client; the secret is kept out of its repr."""

    client_id: str
    client_secret: str = field(repr=False)
    api_url: str
    auth_url: str
    audience: str
    timeout: float | None
    max_retries: int
    retry_deadline: float | None

    def with_changes(
        self,
        *,
        timeout: float | None,
        max_retries: int,
        retry_deadline: float | None,
    ) -> ClientConfig:
        """Return a copy with other timeout and retry settings.

        Raises:
            ClientValidationError: for a negative retry count, deadline or timeout.
        """
        _check_limits(timeout, max_retries, retry_deadline)
        return replace(
            self, timeout=timeout, max_retries=max_retries, retry_deadline=retry_deadline
        )


def _check_limits(timeout: float | None, max_retries: int, retry_deadline: float | None) -> None:
    problems = []
    if timeout is not None and timeout <= 0:
        problems.append("timeout must be positive or None")
    if isinstance(max_retries, bool) or max_retries < 0:
        problems.append("max_retries must be an int >= 0 (0 disables retries)")
    if retry_deadline is not None and retry_deadline < 0:
        problems.append("retry_deadline must be >= 0 seconds (0 disables retries) or None")
    if problems:
        raise ClientValidationError(problems)


def _check_url(name: str, env: str, url: str, *, paths_follow: bool) -> None:
    """Refuse a URL no request could be sent to, when the client is made rather than later.

    Raises:
        ClientValidationError: unless `url` is an http:// or https:// URL with a host (and, for
            the API's base URL, to which paths are appended, without a query or fragment).
    """
    problem = None
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as error:
        problem = str(error)
    else:
        if parsed.scheme not in ("http", "https") or not parsed.host:
            problem = "it must be an http:// or https:// URL with a host"
        elif paths_follow and (parsed.query or parsed.fragment):
            problem = "paths are appended to it, so it cannot have a query or fragment"
    if problem is not None:
        shown = bounded(url, 200)
        raise ClientValidationError(
            printable(f"{name} (or {env}) {shown!r} is not usable: {problem}")
        )


def resolve_config(
    *,
    client_id: str | None,
    client_secret: str | None,
    api_url: str | None,
    auth_url: str | None,
    audience: str | None,
    timeout: float | None,
    max_retries: int,
    retry_deadline: float | None,
) -> ClientConfig:
    """Combine arguments with `PAIGO_CLIENT_ID`, `PAIGO_CLIENT_SECRET`, `PAIGO_API_URL` and
    `PAIGO_AUTH_URL`; arguments win.

    Raises:
        ClientValidationError: when a credential is missing (the message says how to supply it),
            a limit is out of range, or a URL is not an http:// or https:// URL with a host.
    """
    client_id = client_id or os.environ.get("PAIGO_CLIENT_ID")
    client_secret = client_secret or os.environ.get("PAIGO_CLIENT_SECRET")
    missing = [
        f"{name} (pass {name}=... or set {env})"
        for name, env, value in (
            ("client_id", "PAIGO_CLIENT_ID", client_id),
            ("client_secret", "PAIGO_CLIENT_SECRET", client_secret),
        )
        if not value
    ]
    if missing:
        raise ClientValidationError("missing Paigo credentials: " + "; ".join(missing))
    assert client_id is not None
    assert client_secret is not None
    _check_limits(timeout, max_retries, retry_deadline)
    api_url = (api_url or os.environ.get("PAIGO_API_URL") or DEFAULT_API_URL).rstrip("/")
    auth_url = auth_url or os.environ.get("PAIGO_AUTH_URL") or DEFAULT_AUTH_URL
    _check_url("api_url", "PAIGO_API_URL", api_url, paths_follow=True)
    _check_url("auth_url", "PAIGO_AUTH_URL", auth_url, paths_follow=False)
    return ClientConfig(
        client_id=client_id,
        client_secret=client_secret,
        api_url=api_url,
        auth_url=auth_url,
        audience=audience or DEFAULT_AUDIENCE,
        timeout=timeout,
        max_retries=max_retries,
        retry_deadline=retry_deadline,
    )
