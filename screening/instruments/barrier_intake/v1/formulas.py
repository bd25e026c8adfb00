"""Barrier-intake version 1: its formulas (SCREENING.md, "Scoring" and "PHQ-4").

The domain score of the five item domains, the sensitivities score, PHQ-4 and the recent
foods both the sensitivities score and its pattern count. The mapping of colds a year to 0-4
is declared on the item (`score_bands`).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from screening.instruments.arithmetic import round_half_up
from screening.instruments.barrier_intake.v1.items import SECTIONS
from screening.instruments.definition import (
    Answers,
    Band,
    DomainFormula,
    Formulas,
    IntakeFacts,
    Section,
    band_of,
)

FOODS = "sensitivities.foods"
RECENT_YEARS = 3
PHQ_ITEMS = ("mood.phq_interest", "mood.phq_down", "mood.gad_nervous", "mood.gad_worry")
PHQ4_BANDS = (
    Band("normal", 0, "Normal"),
    Band("mild", 3, "Mild"),
    Band("moderate", 6, "Moderate"),
    Band("severe", 9, "Severe"),
)
SCREEN_POSITIVE = 3


def derived(facts: IntakeFacts) -> dict[str, Any]:
    """Recent foods: tolerated before, and started within 3 years of the intake's year."""
    since = facts.completed_on.year - RECENT_YEARS
    recent = [
        food
        for food in facts.answers[FOODS]
        if food["previously_tolerated"] is True and food["onset_year"] >= since
    ]
    return {"recent_foods": recent}


def domain_score(section: Section) -> DomainFormula:
    """`round_half_up(100 * sum / (4 * count))` over the section's scored items."""
    scored = [item for item in section.items if item.scored]

    def score(facts: IntakeFacts, context: Mapping[str, Any]) -> int:
        total = sum(item.score_of(facts.answers[item.id]) for item in scored)
        return round_half_up(Fraction(100 * total, 4 * len(scored)))

    return score


def sensitivities_score(facts: IntakeFacts, context: Mapping[str, Any]) -> int:
    """`100 * (0.4 * min(n, 6) / 6 + 0.4 * min(recent, 4) / 4 + 0.2 * list_growing / 4)`."""
    foods = min(len(facts.answers[FOODS]), 6)
    recent = min(len(context["recent_foods"]), 4)
    growing = facts.answers["sensitivities.list_growing"]
    share = (
        Fraction(2, 5) * Fraction(foods, 6)
        + Fraction(2, 5) * Fraction(recent, 4)
        + Fraction(1, 5) * Fraction(growing, 4)
    )
    return round_half_up(100 * share)


def phq4(answers: Answers) -> dict[str, Any] | None:
    """PHQ-2 and GAD-2 beside the mood domain; null unless all four are answered."""
    if any(answers.get(item_id) is None for item_id in PHQ_ITEMS):
        return None
    interest, down, nervous, worry = (answers[item_id] for item_id in PHQ_ITEMS)
    phq2, gad2 = interest + down, nervous + worry
    total = phq2 + gad2
    return {
        "phq2": phq2,
        "gad2": gad2,
        "total": total,
        "band": band_of(PHQ4_BANDS, total),
        "depression_screen_positive": phq2 >= SCREEN_POSITIVE,
        "anxiety_screen_positive": gad2 >= SCREEN_POSITIVE,
    }


FORMULAS = Formulas(
    derived=derived,
    domain_scores={
        section.id: sensitivities_score if section.id == "sensitivities" else domain_score(section)
        for section in SECTIONS
        if section.is_domain
    },
    phq4=phq4,
)
