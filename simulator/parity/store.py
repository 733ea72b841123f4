"""Masked reply snapshots on disk: one JSON file per target and check name, with sorted keys.

Layout: `<root>/<target>/<name>.json` (`live/customers.create.json`, `simulator/...`). Files are
written atomically and only when their text changes, so a run that sees the same replies leaves
the folder as it was, and a diff of the folder shows what changed in the service.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from paigo_sdk import _json
from simulator.parity.masking import mask

__all__ = ["SnapshotStore"]

_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_NONCE: Final = secrets.token_hex(8)
_MARK: Final = re.compile('"\\\\u0000' + _NONCE + r':([-0-9.]+)\\u0000"')


class SnapshotStore:
    """The snapshots under `root`, one folder per target.

    Raises:
        ValueError: from any method, when a target or check name is not a plain file name
            (letters, digits, `.`, `_`, `-`; at most 128 characters).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, target: str, name: str) -> Path:
        """Return the file of one snapshot."""
        for part in (target, name):
            if not _NAME.match(part) or ".." in part:
                raise ValueError(f"{part!r} is not a plain snapshot name")
        return self.root / target / f"{name}.json"

    def save(self, target: str, name: str, body: Any) -> Any:
        """Mask `body`, write it (when it changed) and return the masked value.

        Raises:
            OSError: when the file cannot be written.
        """
        masked = mask(body)
        text = render(masked)
        path = self.path(target, name)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            return masked
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return masked

    def load(self, target: str, name: str) -> Any | None:
        """Return a stored snapshot, or None when there is none.

        Raises:
            ValueError: when the file is not JSON.
        """
        path = self.path(target, name)
        if not path.exists():
            return None
        try:
            return _json.loads(path.read_bytes())
        except ValueError as exc:
            raise ValueError(f"{path} is not a JSON snapshot: {exc}") from exc

    def names(self, target: str) -> list[str]:
        """Return the check names stored for `target`, sorted."""
        folder = self.root / target
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    def __repr__(self) -> str:
        return f"SnapshotStore({str(self.root)!r})"


def render(value: Any) -> str:
    """Return a masked value as snapshot text: indented, keys sorted, numbers exact."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=_decimal)
    return _MARK.sub(r"\1", text) + "\n"


def _decimal(value: object) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return f"\x00{_NONCE}:{value:f}\x00"
    raise TypeError(f"a {type(value).__name__} cannot be written to a snapshot")
