"""Answers and results in the instrument's own words, wherever a person reads them.

The one home of the wording of results: the result's summary line, the referral, band labels,
pattern, finding and red-flag titles, PHQ-4 and answers. The PDF summary, the dashboard, the
plain-text summary (CLI) and the patient's review step all word them here, so "Bloating after
drinking only water: sometimes" reads the same everywhere. The result is plain text: each
place escapes it for its own medium.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from screening.instruments.definition import Instrument, Item, ItemType

# The footer's wording when an instrument declares none.
DEFAULT_DISCLAIMER = "A screening, not a diagnosis."

# Control characters other than the newline, and the bidirectional overrides and isolates that
# would let a text display in another order than it was typed (natural right-to-left text
# needs none of them): never meaningful in a patient's answer.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """Free text on a single line: control characters dropped, white space folded."""
    return " ".join(CONTROL_CHARACTERS.sub("", text).split())


def choice_label(item: Item, code: Any) -> str:
    try:
        return item.choice_label(code)
    except KeyError:
        return one_line(str(code))


def unit_words(unit: str, answer: Any) -> str:
    """`1 course`, `1 unit a week`: units are declared in the plural, like `courses`."""
    first, _, rest = unit.partition(" ")
    if answer == 1 and first.endswith("s"):
        return f"{first[:-1]} {rest}".strip()
    return unit


def food_name(item: Item, food: Mapping[str, Any]) -> str:
    """A listed food by its label; an `other` food by the name the patient gave."""
    if food.get("food") == "other":
        return one_line(str(food.get("name") or "")) or "Other"
    return choice_label(item, food.get("food", ""))


def food_in_words(item: Item, food: Mapping[str, Any]) -> str:
    words = f"{food_name(item, food)}, since {food.get('onset_year')}"
    if food.get("previously_tolerated"):
        words += ", eaten without trouble before"
    return words


def answer_in_words(item: Item, answer: Any, *, brief: bool = True) -> str:
    """An answer as the patient chose it: "sometimes", "8 hours", "yes".

    `brief` drops a scale label's explanation ("sometimes (monthly to weekly)" -> "sometimes"),
    which reads best in a list of evidence; the patient's own review shows it whole.
    """
    if answer is None:
        return "not answered"
    if item.type is ItemType.SCALE and item.scale is not None and isinstance(answer, int):
        label = item.scale.label_for(answer)
        return label.split(" (", 1)[0] if brief else label
    if item.type is ItemType.INTEGER:
        return f"{answer} {unit_words(item.unit, answer)}".strip()
    if item.type is ItemType.BOOLEAN:
        return "yes" if answer else "no"
    if item.type is ItemType.CHOICE:
        return choice_label(item, answer).lower()
    if item.type is ItemType.MULTI_CHOICE and isinstance(answer, list):
        return ", ".join(choice_label(item, code) for code in answer) or "none"
    if item.type is ItemType.FOOD_LIST and isinstance(answer, Mapping):
        return food_in_words(item, answer)
    if item.type is ItemType.FOOD_LIST and isinstance(answer, list):
        return "; ".join(food_in_words(item, food) for food in answer) or "none"
    return str(answer)


def evidence_in_words(instrument: Instrument, evidence: Mapping[str, Any]) -> str:
    """One piece of evidence as "Bloating after drinking only water: sometimes"."""
    item = instrument.items.get(str(evidence.get("item", "")))
    if item is None:
        label = (
            "Birth date" if evidence.get("item") == "patient.birth_date" else evidence.get("item")
        )
        return f"{label}: {one_line(str(evidence.get('answer')))}"
    return f"{item.short_label}: {answer_in_words(item, evidence.get('answer'))}"


def finding_in_words(instrument: Instrument, explanation: Mapping[str, Any]) -> str:
    """A red flag, factor or point with the answers that made it: "Smoking (Smoking: yes)"."""
    title = instrument.finding_title(str(explanation.get("code", "")))
    evidence = "; ".join(
        evidence_in_words(instrument, part) for part in explanation.get("evidence", [])
    )
    return f"{title} ({evidence})" if evidence else title


def summary_of(overall: str, elevated_count: int) -> str:
    """The result's summary line (stored in the result document)."""
    if overall == "none":
        return "no possible barrier-related pattern"
    if overall == "multi_domain":
        return f"a possible barrier-related pattern across {elevated_count} domains"
    domains = "domain" if elevated_count == 1 else "domains"
    return f"a possible barrier-related pattern in {elevated_count} {domains}"


def overall_in_words(result: Mapping[str, Any]) -> str:
    """The overall result as a person reads it: the summary line, else the code."""
    return str(result.get("summary") or result.get("overall", ""))


def referral_in_words(instrument: Instrument, result: Mapping[str, Any]) -> str:
    """The referral message as a sentence opening: "Alarm features reported — ..."."""
    referral = result.get("referral") or instrument.texts.get("referral", "")
    return referral[:1].upper() + referral[1:]


def disclaimer_of(instrument: Instrument) -> str:
    return instrument.texts.get("disclaimer", DEFAULT_DISCLAIMER)


def band_label(instrument: Instrument, band: str) -> str:
    """A domain band as a label: "Moderate"."""
    for declared in instrument.bands:
        if declared.code == band:
            return declared.label
    return band.capitalize()


def pattern_title(instrument: Instrument, code: str) -> str:
    for pattern in instrument.patterns:
        if pattern.code == code:
            return pattern.title
    return code


def red_flag_title(instrument: Instrument, code: str) -> str:
    """A red flag by the short label of its question, else the finding's title."""
    for item in instrument.section(instrument.roles.red_flags).items:
        if item.id.split(".", 1)[1] == code:
            return item.short_label
    return instrument.finding_title(code)
