"""The scoring engine: a pure function from a valid intake document to its result document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screening.instruments.definition import Instrument


def score_intake(document: Mapping[str, Any], instrument: Instrument) -> dict[str, Any]:
    raise NotImplementedError
