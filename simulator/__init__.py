"""An in-memory Paigo backend for offline, deterministic tests (not part of Paigo's service)."""

__all__: list[str] = []
