"""The building blocks of a declarative instrument version.

Items, scales and sections; the findings (patterns, red flags, factors, discussion points) as
rules of `screening.rules`; the bands; the formulas the version computes by; and the roles that
tell generic code which item or group plays which part (the food list, PHQ-4, ...), so that no
module outside a version's folder names one of its item ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any

from screening.rules import Rule

Answers = Mapping[str, Any]


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
class FindingRule:
    """A red flag, factor or discussion point: it holds when `rule` does, `rule_text` in words."""

    code: str
    rule_text: str
    rule: Rule


@dataclass(frozen=True)
class Band:
    """A band of scores from `minimum` up to the next band's minimum; `elevated` counts it."""

    code: str
    minimum: int
    label: str
    elevated: bool = False


def band_of(bands: Sequence[Band], score: int) -> str:
    """The code of the highest band whose minimum `score` reaches (bands lowest first)."""
    reached = [band.code for band in bands if score >= band.minimum]
    if not reached:
        raise ValueError(f"score {score} is below every band")
    return reached[-1]


@dataclass(frozen=True)
class IntakeFacts:
    """What scoring reads from one document."""

    answers: Answers
    completed_on: date
    birth_date: date | None


DomainFormula = Callable[[IntakeFacts, Mapping[str, Any]], int]


@dataclass(frozen=True)
class Formulas:
    """What a version computes by its own formulas rather than by rules.

    `derived` gives the facts its formulas and rules share (recent foods, ...); `domain_scores`
    has one formula per domain; `phq4` gives the PHQ-4 result or None.
    """

    derived: Callable[[IntakeFacts], dict[str, Any]]
    domain_scores: Mapping[str, DomainFormula]
    phq4: Callable[[Answers], dict[str, Any] | None]


@dataclass(frozen=True)
class Roles:
    """Which item, group or section plays which part, for code that serves every version.

    `food_list`: the food-list item (the PDF's timeline); `phq4`: the name of the all-or-none
    group that is PHQ-4, shown beside the domain `phq4_domain`; `red_flags`: the section of
    alarm questions; `onset_flag` and `onset_year`: the red flag of a late onset and the item
    of the onset year (worded with the year in the PDF); `history`: the section of the
    patient's own words; `sample_answers`: the unremarkable answers a sample document starts
    from, above each required item's lowest answer.
    """

    food_list: str
    phq4: str
    phq4_domain: str
    red_flags: str
    onset_flag: str
    onset_year: str
    history: str
    sample_answers: Mapping[str, Any] = field(default_factory=dict)


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
    roles: Roles
    bands: tuple[Band, ...]  # domain score bands, lowest first
    # Code, not data: the definition's JSON export leaves fields marked `code` out.
    formulas: Formulas | None = field(default=None, metadata={"code": True})
    all_or_none: tuple[AllOrNone, ...] = ()
    patterns: tuple[PatternDefinition, ...] = ()
    red_flags: tuple[FindingRule, ...] = ()
    factors: tuple[FindingRule, ...] = ()
    discussion_points: tuple[FindingRule, ...] = ()
    food_list: FoodList | None = None
    texts: dict[str, str] = field(default_factory=dict)  # fixed phrases (referral, disclaimer)
    # Codes of the result that are not items (factors, points, onset_after_50), in words.
    findings: dict[str, FindingText] = field(default_factory=dict)
    # Demo answer profiles by name: each takes the year of the intake, gives answers.
    demo_profiles: Mapping[str, Callable[[int], dict[str, Any]]] = field(
        default_factory=dict, metadata={"code": True}
    )

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

    def group(self, name: str) -> AllOrNone:
        for group in self.all_or_none:
            if group.name == name:
                return group
        raise KeyError(name)

    @property
    def phq4_items(self) -> tuple[str, ...]:
        return self.group(self.roles.phq4).items

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)
