"""The one rule vocabulary of the findings: patterns, red flags, factors, discussion points.

Each rule says whether it holds and which answers made it. Rules on answers hold only when the
item is answered, so an optional question left empty produces nothing. Rules on the outcome
read what scoring has found so far from `context`: the version's derived facts, then
`BIRTH_DATE`, `PATTERNS` (code -> evidence), `OVERALL` and `FACTORS` (code -> evidence).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Evidence = dict[str, Any]  # {"item": item id, "answer": the answer that counted}

# Keys of the context the engine gives the rules, besides a version's derived facts.
BIRTH_DATE = "birth_date"
PATTERNS = "patterns"
OVERALL = "overall"
FACTORS = "factors"


class Rule(Protocol):
    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        """The evidence when the rule holds, else None. `context` holds derived facts."""
        ...

    def items(self) -> tuple[str, ...]:
        """Every item id the rule may cite."""
        ...


@dataclass(frozen=True)
class AnswerRule:
    """An answered item whose answer `holds`; the answer is the evidence."""

    item: str

    def holds(self, answer: Any) -> bool:
        raise NotImplementedError

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        answer = answers.get(self.item)
        if answer is None or not self.holds(answer):
            return None
        return [{"item": self.item, "answer": answer}]

    def items(self) -> tuple[str, ...]:
        return (self.item,)


@dataclass(frozen=True)
class AtLeast(AnswerRule):
    threshold: int

    def holds(self, answer: Any) -> bool:
        return bool(answer >= self.threshold)


@dataclass(frozen=True)
class AtMost(AnswerRule):
    threshold: int

    def holds(self, answer: Any) -> bool:
        return bool(answer <= self.threshold)


@dataclass(frozen=True)
class Above(AnswerRule):
    threshold: int

    def holds(self, answer: Any) -> bool:
        return bool(answer > self.threshold)


@dataclass(frozen=True)
class Below(AnswerRule):
    threshold: int

    def holds(self, answer: Any) -> bool:
        return bool(answer < self.threshold)


@dataclass(frozen=True)
class Yes(AnswerRule):
    def holds(self, answer: Any) -> bool:
        return answer is True


@dataclass(frozen=True)
class No(AnswerRule):
    def holds(self, answer: Any) -> bool:
        return answer is False


@dataclass(frozen=True)
class IncludesAny:
    """A multi-choice answer that holds at least one of `codes`."""

    item: str
    codes: tuple[str, ...]

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        answer = answers.get(self.item) or []
        matched = [code for code in answer if code in self.codes]
        if not matched:
            return None
        return [{"item": self.item, "answer": matched}]

    def items(self) -> tuple[str, ...]:
        return (self.item,)


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[Rule, ...]

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        found: list[Evidence] | None = None
        for rule in self.rules:
            part = rule.evidence(answers, context)
            if part is not None:
                found = (found or []) + part
        return found

    def items(self) -> tuple[str, ...]:
        return tuple(item for rule in self.rules for item in rule.items())


@dataclass(frozen=True)
class AllOf:
    rules: tuple[Rule, ...]

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        found: list[Evidence] = []
        for rule in self.rules:
            part = rule.evidence(answers, context)
            if part is None:
                return None
            found += part
        return found

    def items(self) -> tuple[str, ...]:
        return tuple(item for rule in self.rules for item in rule.items())


def any_of(*rules: Rule) -> AnyOf:
    return AnyOf(rules)


def all_of(*rules: Rule) -> AllOf:
    return AllOf(rules)


@dataclass(frozen=True)
class ProgressiveSensitivities:
    """At least `min_foods` foods and `min_recent` recent ones (see `recent_foods` in scoring).

    The evidence lists each recent food, and a temporary relief from elimination when answered.
    """

    foods_item: str
    relief_item: str
    min_foods: int
    min_recent: int

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        foods = answers.get(self.foods_item) or []
        recent = context["recent_foods"]
        if len(foods) < self.min_foods or len(recent) < self.min_recent:
            return None
        found: list[Evidence] = [{"item": self.foods_item, "answer": food} for food in recent]
        if answers.get(self.relief_item) == "temporary":
            found.append({"item": self.relief_item, "answer": "temporary"})
        return found

    def items(self) -> tuple[str, ...]:
        return (self.foods_item, self.relief_item)


@dataclass(frozen=True)
class OverallIs:
    """The overall result is `overall`; it cites no answer."""

    overall: str

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        return [] if context[OVERALL] == self.overall else None

    def items(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class PatternHolds:
    """The pattern `code` holds; its evidence is the pattern's."""

    code: str

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        evidence = context[PATTERNS].get(self.code)
        return None if evidence is None else list(evidence)

    def items(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class AnyFactor:
    """At least one of the factors `codes` is present; the evidence of each, in factor order."""

    codes: tuple[str, ...]

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        present = [evidence for code, evidence in context[FACTORS].items() if code in self.codes]
        return [entry for evidence in present for entry in evidence] if present else None

    def items(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class AgeAtLeast:
    """The year answered for `item` minus the birth year is at least `age` (both known).

    The evidence is the year and the birth date.
    """

    item: str
    age: int

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        year = answers.get(self.item)
        birth_date = context[BIRTH_DATE]
        if year is None or birth_date is None or year - birth_date.year < self.age:
            return None
        return [
            {"item": self.item, "answer": year},
            {"item": "patient.birth_date", "answer": birth_date.isoformat()},
        ]

    def items(self) -> tuple[str, ...]:
        return (self.item,)
