"""Turn on the SDK's logging from the environment: `PAIGO_LOG=debug` or `PAIGO_LOG=info`.

As `OPENAI_LOG` does for openai-python, the variable sends the `paigo_sdk` loggers to stderr
without any code in the application. The handler it installs redacts secrets from every line it
writes: bearer tokens, client secrets, access tokens and the signatures of pre-signed links.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import Final

import httpx

__all__ = ["ENV_VARIABLE", "RedactSecrets", "redacted_headers", "setup_logging_from_env"]

ENV_VARIABLE: Final = "PAIGO_LOG"
"""The environment variable read by `setup_logging_from_env`."""

_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
_FORMAT: Final = "[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s"
_REDACTED: Final = "[redacted]"
_SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "cookie"})
_PATTERNS: Final = (
    # "Bearer eyJ..." anywhere in a line.
    re.compile(r"(?i)(bearer\s+)[^\s'\",;]+"),
    # client_secret=..., "client_secret": "...", access_token, signature query parameters.
    re.compile(
        r"(?i)((?:client_secret|access_token|refresh_token|signature)"
        r"""["']?\s*[:=]\s*["']?)[^\s'"&,;}]+"""
    ),
)


def redact(text: str) -> str:
    """Return `text` with bearer tokens, secrets and link signatures replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda found: found.group(1) + _REDACTED, text)
    return text


def redacted_headers(headers: httpx.Headers | Mapping[str, str]) -> dict[str, str]:
    """Return the headers as a dict, with credentials replaced (for debug logs)."""
    return {
        name: _REDACTED if name.lower() in _SECRET_HEADERS else value
        for name, value in headers.items()
    }


class RedactSecrets(logging.Filter):
    """A logging filter that redacts secrets from each record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with secrets redacted; never drops a record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _EnvHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler installed by `PAIGO_LOG` (recognised so it is installed once)."""


def setup_logging_from_env() -> None:
    """Send the `paigo_sdk` loggers to stderr when `PAIGO_LOG` is `debug` or `info`.

    Does nothing when the variable is unset or holds another value, and installs the handler at
    most once per process; an application's own logging configuration is left alone.

    Raises:
        Nothing.
    """
    level = _LEVELS.get(os.environ.get(ENV_VARIABLE, "").strip().lower())
    if level is None:
        return
    logger = logging.getLogger("paigo_sdk")
    if any(isinstance(handler, _EnvHandler) for handler in logger.handlers):
        return
    handler = _EnvHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT, "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(RedactSecrets())
    logger.addHandler(handler)
    logger.setLevel(level)
