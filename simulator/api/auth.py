"""Mint and check the simulator's bearer tokens: client credentials, and customer portal tokens.

Tokens look like Paigo's (a JWT: header, claims and signature in base64url) but are opaque to the
simulator: it keeps every token it issued, with its expiry on the simulator clock, so that tests can
expire or revoke them. The claims say who the token is for; nothing reads them back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from simulator.clock import Clock

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "Principal",
    "TokenDenied",
    "TokenStore",
]

DEFAULT_AUDIENCE: Final = "https://qnonyh1pc7.execute-api.us-east-1.amazonaws.com"
DEFAULT_CLIENT_ID: Final = "paigo-simulator"
DEFAULT_CLIENT_SECRET: Final = "paigo-simulator-secret"  # documented test credential
_ISSUER: Final = "https://auth.paigo-simulator.local/"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid token speaks for: an API client, or one customer's billing portal."""

    kind: Literal["client", "portal"]
    client_id: str
    customer_id: str | None = None
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        return (
            f"Principal(kind={self.kind!r}, client_id={self.client_id!r}, "
            f"customer_id={self.customer_id!r})"
        )


class TokenDenied(Exception):
    """The token endpoint refuses a request; `kind` is the OAuth error, `description` its text."""

    def __init__(self, kind: str, description: str) -> None:
        self.kind = kind
        self.description = description
        super().__init__(f"{kind}: {description}")


class TokenStore:
    """Issue, check, expire and revoke bearer tokens against the simulator clock.

    Thread-safe: the server may call it from several threads.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        credentials: Mapping[str, str] | None = None,
        lifetime: float = 86400,
        audience: str = DEFAULT_AUDIENCE,
    ) -> None:
        self._clock = clock
        self._credentials = dict(credentials or {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET})
        self._lifetime = timedelta(seconds=lifetime)
        self.lifetime_seconds = int(lifetime)
        self.audience = audience
        self._signing_key = secrets.token_bytes(32)
        self._tokens: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenStore(clients={sorted(self._credentials)!r}, tokens={len(self._tokens)})"

    def issue_client_token(
        self, *, grant_type: object, client_id: object, client_secret: object, audience: object
    ) -> str:
        """Check a client-credentials grant and return a new access token.

        A missing audience falls back to the configured one, as Auth0 does with a default audience.

        Raises:
            TokenDenied: `invalid_request` or `unsupported_grant_type` for a malformed grant,
                `access_denied` for unknown credentials, `audience_denied` for another audience.
        """
        if grant_type is None or grant_type == "":
            raise TokenDenied("invalid_request", "Missing required parameter: grant_type")
        if grant_type != "client_credentials":
            raise TokenDenied(
                "unsupported_grant_type", f"Grant type '{grant_type}' not allowed for the client."
            )
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            raise TokenDenied("access_denied", "Unauthorized")
        expected = self._credentials.get(client_id)
        if expected is None or not hmac.compare_digest(
            expected.encode("utf-8"), client_secret.encode("utf-8")
        ):
            raise TokenDenied("access_denied", "Unauthorized")
        if audience is not None and audience != self.audience:
            raise TokenDenied(
                "audience_denied", f"Service not enabled within domain: {str(audience)[:200]}"
            )
        return self._mint(Principal(kind="client", client_id=client_id))

    def issue_portal_token(self, *, client_id: str, customer_id: str) -> str:
        """Return a token that may only read `customer_id`'s own billing data."""
        return self._mint(Principal(kind="portal", client_id=client_id, customer_id=customer_id))

    def check(self, authorization: str | None) -> Principal | None:
        """Return the principal of a valid, unexpired `Authorization: Bearer` header, else None."""
        if not authorization:
            return None
        # The usual header, `Bearer <token>` exactly, is found by one lookup; a dict read needs
        # no lock (the lock keeps iterations over the table whole).
        principal = self._tokens.get(authorization[7:]) if authorization[:7] == "Bearer " else None
        if principal is None:
            principal = self._principal(authorization)
        if principal is None or principal.expires_at is None:
            return None
        if self._clock.now() >= principal.expires_at:
            return None
        return principal

    def _principal(self, authorization: str) -> Principal | None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        with self._lock:
            return self._tokens.get(token.strip())

    def expire_tokens(self) -> int:
        """Expire every token issued so far and return how many were live."""
        now = self._clock.now()
        with self._lock:
            live = [t for t, p in self._tokens.items() if p.expires_at and p.expires_at > now]
            self._tokens.clear()
        return len(live)

    def revoke_token(self, token: str) -> bool:
        """Revoke one token; return whether it was known."""
        with self._lock:
            return self._tokens.pop(token, None) is not None

    def _mint(self, principal: Principal) -> str:
        now = self._clock.now()
        expires_at = now + self._lifetime
        claims = {
            "iss": _ISSUER,
            "sub": f"{principal.client_id}@clients"
            if principal.kind == "client"
            else f"customer|{principal.customer_id}",
            "aud": self.audience,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "gty": "client-credentials" if principal.kind == "client" else "customer-portal",
            "jti": secrets.token_hex(16),
        }
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(
            hmac.new(self._signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        )
        token = f"{header}.{payload}.{signature}"
        stored = Principal(
            kind=principal.kind,
            client_id=principal.client_id,
            customer_id=principal.customer_id,
            expires_at=expires_at,
        )
        with self._lock:
            self._drop_expired(now)
            self._tokens[token] = stored
        return token

    def _drop_expired(self, now: datetime) -> None:
        # Keeps the table bounded on long server runs; expired tokens are useless anyway.
        if len(self._tokens) > 1000:
            for token in [
                t for t, p in self._tokens.items() if p.expires_at and p.expires_at <= now
            ]:
                del self._tokens[token]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
