"""Validation of intake documents against their instrument definition.

Every rule is read from the instrument: item types, scale maxima, ranges (including bounds that
are the year of `completed_on`), choices, lengths, entry counts, required items, `enable_when`
conditions, all-or-none groups and the food-list constraints. A new instrument version needs no
change here. Validation is pure: no database and no clock (`today` is passed in: the latest
acceptable date, `latest_possible_date(now)`).

- `document`: `validate_intake` and `ensure_valid`, the entry points;
- `top_level`: instrument and version, `completed_on`, `patient`, the shape of `answers`;
- `answers`: each answer by item type, required and conditional items, all-or-none groups;
- `food_list`: the entries of a food list;
- `plan`: the instrument prepared for validation, and `item_enablement`;
- `problems`: `Problem`, `IntakeInvalid` and the words problems are told in.
"""

from __future__ import annotations

from screening.validation.document import ensure_valid, validate_intake
from screening.validation.plan import item_enablement
from screening.validation.problems import IntakeInvalid, Problem
from screening.validation.top_level import latest_possible_date

__all__ = [
    "IntakeInvalid",
    "Problem",
    "ensure_valid",
    "item_enablement",
    "latest_possible_date",
    "validate_intake",
]
