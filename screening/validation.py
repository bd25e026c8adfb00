"""Validation of intake documents against their instrument definition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from screening.instruments.definition import Instrument


@dataclass(frozen=True)
class Problem:
    item: str  # the item id, or the top-level field ("completed_on", "patient.birth_date")
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"item": self.item, "code": self.code, "message": self.message}


class IntakeInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.item}: {p.message}" for p in problems))
        self.problems = problems


def validate_intake(document: Any, *, today: date) -> list[Problem]:
    """Every problem of the document at once; an empty list when it is valid."""
    raise NotImplementedError


def ensure_valid(document: Any, *, today: date) -> Instrument:
    """The document's instrument, or IntakeInvalid with every problem."""
    raise NotImplementedError
