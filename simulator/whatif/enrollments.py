"""Which offering each customer is enrolled in today, and since when."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.whatif.errors import WhatIfInputError

__all__ = ["CurrentEnrollment", "load_enrollments", "parse_moment"]


@dataclass(frozen=True, slots=True)
class CurrentEnrollment:
    """A customer's current offering (a catalog key) and its enrollment date (aware, UTC)."""

    customer_id: str
    offering_id: str
    enrollment_date: datetime


def parse_moment(text: str, where: str) -> datetime:
    """Parse an RFC 3339 timestamp with an explicit offset.

    Raises:
        WhatIfInputError: the text is not such a timestamp.
    """
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except (ValueError, AttributeError):
        raise WhatIfInputError(f"{where}: {text!r} is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise WhatIfInputError(f"{where}: {text!r} has no UTC offset")
    return moment


def _rows(path: Path) -> Iterable[Mapping[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise WhatIfInputError(f"{path}: cannot read: {error.strerror}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return list(csv.DictReader(text.splitlines()))
    try:
        if suffix == ".json":
            data = json.loads(text)
            if isinstance(data, Mapping):
                data = data.get("enrollments", data)
            if not isinstance(data, list):
                raise WhatIfInputError(f"{path}: expected a list of enrollments")
            return data
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        raise WhatIfInputError(f"{path}: cannot parse: {error}") from None


def load_enrollments(
    source: str | Path | Iterable[Mapping[str, Any]],
) -> list[CurrentEnrollment]:
    """Read enrollments (`customerId`, `offeringId`, `enrollmentDate`) from CSV, JSON or JSON
    Lines, or from mappings.

    Raises:
        WhatIfInputError: a field is missing or malformed, or a customer appears twice.
    """
    rows = _rows(Path(source)) if isinstance(source, str | Path) else source
    found: dict[str, CurrentEnrollment] = {}
    for index, row in enumerate(rows, start=1):
        where = f"enrollment {index}"
        if not isinstance(row, Mapping):
            raise WhatIfInputError(f"{where}: expected a mapping")
        customer_id = row.get("customerId")
        offering_id = row.get("offeringId")
        moment = row.get("enrollmentDate")
        if not isinstance(customer_id, str) or not customer_id:
            raise WhatIfInputError(f"{where}: customerId is required")
        if not isinstance(offering_id, str) or not offering_id:
            raise WhatIfInputError(f"{where}: offeringId is required")
        if isinstance(moment, datetime):
            if moment.tzinfo is None:
                raise WhatIfInputError(f"{where}: enrollmentDate has no UTC offset")
        elif isinstance(moment, str):
            moment = parse_moment(moment, where)
        else:
            raise WhatIfInputError(f"{where}: enrollmentDate is required")
        if customer_id in found:
            raise WhatIfInputError(f"{where}: customer {customer_id!r} is enrolled twice")
        found[customer_id] = CurrentEnrollment(customer_id, offering_id, moment)
    return list(found.values())
