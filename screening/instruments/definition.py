"""The building blocks of a declarative instrument: scales, items, sections and rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from screening.rules import Rule


class ItemType(StrEnum):
    SCALE = "scale"  # an integer answer on a labelled ordinal scale
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"  # one code out of `choices`
    MULTI_CHOICE = "multi_choice"  # a list of distinct codes out of `choices`
    TEXT = "text"
    FOOD_LIST = "food_list"  # the repeatable food-sensitivity entries


# A bound that depends on the document: the year of `completed_on`.
COMPLETED_YEAR = "completed_year"


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass(frozen=True)
class Scale:
    code: str
    title: str
    choices: tuple[Choice, ...]

    @property
    def maximum(self) -> int:
        return len(self.choices) - 1

    def label_for(self, value: int) -> str:
        return self.choices[value].label


@dataclass(frozen=True)
class EnableWhen:
    """The item applies only when `item` is answered with `equals`."""

    item: str
    equals: Any


@dataclass(frozen=True)
class ScoreBand:
    """Maps a raw integer answer to a 0-4 score: the last band whose `minimum` <= answer."""

    minimum: int
    score: int


@dataclass(frozen=True)
class Item:
    id: str
    type: ItemType
    label: str  # the question, as a patient reads it
    short_label: str  # a noun phrase for reports: "Bloating after drinking only water"
    help: str = ""
    required: bool = True
    scale: Scale | None = None
    minimum: int | None = None
    maximum: int | str | None = None  # an int, or COMPLETED_YEAR
    unit: str = ""
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None
    min_entries: int | None = None
    max_entries: int | None = None
    enable_when: EnableWhen | None = None
    scored: bool = False
    score_bands: tuple[ScoreBand, ...] = ()

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]

    def choice_label(self, code: str) -> str:
        for choice in self.choices:
            if choice.code == code:
                return choice.label
        raise KeyError(code)

    def score_of(self, answer: int) -> int:
        """The 0-4 contribution of a scored answer to its domain score."""
        if not self.score_bands:
            return answer
        score = 0
        for band in self.score_bands:
            if answer >= band.minimum:
                score = band.score
        return score


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    items: tuple[Item, ...]
    is_domain: bool = False  # one of the six scored symptom domains


@dataclass(frozen=True)
class AllOrNone:
    """Optional items that are answered together or not at all (PHQ-4)."""

    name: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class PatternDefinition:
    code: str
    domain: str
    title: str
    rule_text: str
    rule: Rule


@dataclass(frozen=True)
class FoodList:
    """Constraints on the entries of a FOOD_LIST item."""

    other_code: str
    name_max_length: int
    onset_minimum: int


@dataclass(frozen=True)
class FindingText:
    """How a red flag, factor or discussion point code reads for a person.

    `text` is the longer explanation a discussion point carries in the PDF and dashboard.
    """

    title: str
    text: str = ""


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    title: str
    url: str  # canonical URL, for FHIR
    engine: str  # version of the scoring engine for this instrument version
    sections: tuple[Section, ...]
    all_or_none: tuple[AllOrNone, ...] = ()
    patterns: tuple[PatternDefinition, ...] = ()
    food_list: FoodList | None = None
    texts: dict[str, str] = field(default_factory=dict)  # fixed phrases (referral, bands)
    # Codes of the result that are not items (factors, points, onset_after_50), in words.
    findings: dict[str, FindingText] = field(default_factory=dict)

    @property
    def domains(self) -> tuple[Section, ...]:
        return tuple(section for section in self.sections if section.is_domain)

    def iter_items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items

    @cached_property
    def items(self) -> dict[str, Item]:
        return {item.id: item for item in self.iter_items()}

    def item(self, item_id: str) -> Item:
        return self.items[item_id]

    def finding_title(self, code: str) -> str:
        """A code of the result in words: an item's short label or a declared finding."""
        if code in self.findings:
            return self.findings[code].title
        for item in self.iter_items():
            if item.id.endswith(f".{code}"):
                return item.short_label
        return code.replace("_", " ").capitalize()

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)
