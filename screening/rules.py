"""Small declarative rules for patterns: each says whether it holds and which answers made it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Evidence = dict[str, Any]  # {"item": item id, "answer": the answer that counted}


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
class AtLeast:
    item: str
    threshold: int

    def evidence(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[Evidence] | None:
        answer = answers.get(self.item)
        if answer is None or answer < self.threshold:
            return None
        return [{"item": self.item, "answer": answer}]

    def items(self) -> tuple[str, ...]:
        return (self.item,)


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
