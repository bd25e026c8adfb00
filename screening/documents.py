"""Canonical JSON for intake and result documents, and their SHA-256."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(document: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: the form an intake is hashed in."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_sha256(document: Any) -> str:
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def result_json(result: dict[str, Any], *, indent: int | None = None) -> str:
    """A result document keeps the key order of SCREENING.md; it is not sorted."""
    separators = (",", ": ") if indent else (",", ":")
    return json.dumps(result, separators=separators, ensure_ascii=False, indent=indent)
