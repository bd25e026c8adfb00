"""The audit trail's hash chain: each event's SHA-256 over its clinic's previous hash and itself.

Pure: no ORM, no clock. `audit_record` links each new event; `audit_verify` and the migration
that chained the rows written before the chain existed use the same canonical text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

# The fields an event's hash covers, in the canonical text's order.
CHAINED_FIELDS = (
    "clinic_id",
    "user_id",
    "api_client_id",
    "action",
    "object_type",
    "object_id",
    "at",
    "detail",
    "address",
    "user_agent",
)


def canonical_text(previous_hash: str, fields: Mapping[str, Any]) -> str:
    """One line of JSON: the previous hash and the event's fields, times in UTC to the microsecond."""
    values: dict[str, Any] = {"previous_hash": previous_hash}
    for name in CHAINED_FIELDS:
        value = fields.get(name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        values[name] = value
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def event_hash(previous_hash: str, fields: Mapping[str, Any]) -> str:
    """The hex SHA-256 that links an event to the one before it in its clinic's chain."""
    return hashlib.sha256(canonical_text(previous_hash, fields).encode()).hexdigest()


def first_broken_link(rows: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any] | None, int]:
    """The first row of one chain (in chain order) whose link does not hold, and rows checked.

    A link holds when the row names the previous row's hash and its own hash is that of its
    fields: a changed field, a deleted row or an inserted one breaks it.
    """
    previous_hash = ""
    checked = 0
    for row in rows:
        checked += 1
        if row["previous_hash"] != previous_hash or row["hash"] != event_hash(previous_hash, row):
            return row, checked
        previous_hash = row["hash"]
    return None, checked
