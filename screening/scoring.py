"""The scoring engine: a pure function from a valid intake document to its result document.

What the spec states generically is read from the instrument: domain scores from its scored
items, patterns from its rules, bands, elevated domains, overall and the result's shape. What
one instrument version computes by its own formulas (the sensitivities score, PHQ-4, red flags,
factors and discussion points) lives in an `Engine` registered for that version, so version 2
adds an engine and leaves version 1 untouched.

Pure: no database, no clock (the year comes from `completed_on`), no I/O. Scores use exact
fractions, so a half always rounds up (62.5 gives 63) whatever binary floats would make of it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from operator import ge, gt, is_, le, lt
from typing import Any

from screening.instruments.definition import Instrument, Section
from screening.rules import Evidence

Answers = Mapping[str, Any]

# The lowest score of each band, highest first.
BANDS = ((75, "marked"), (50, "moderate"), (25, "mild"), (0, "minimal"))
ELEVATED_BANDS = frozenset({"moderate", "marked"})
MULTI_DOMAIN_MINIMUM = 3


@dataclass(frozen=True)
class IntakeFacts:
    """What scoring reads from one document."""

    answers: Answers
    completed_on: date
    birth_date: date | None


@dataclass(frozen=True)
class Finding:
    """A red flag, factor or discussion point: its code, the rule in words and the evidence."""

    code: str
    rule: str
    evidence: tuple[Evidence, ...]

    def explained(self) -> dict[str, Any]:
        return {"code": self.code, "rule": self.rule, "evidence": copied(self.evidence)}


@dataclass(frozen=True)
class Outcome:
    """What is known before the discussion points are drawn up."""

    patterns: Mapping[str, Sequence[Evidence]]  # code -> evidence, for each pattern that holds
    overall: str
    factors: Sequence[Finding]


@dataclass(frozen=True)
class Engine:
    """The version-specific parts of scoring for one instrument version."""

    version: str  # must equal the instrument's `engine`
    context: Callable[[IntakeFacts], dict[str, Any]]  # derived facts for the pattern rules
    formula_scores: Mapping[str, Callable[[IntakeFacts, Mapping[str, Any]], int]]
    red_flags: Callable[[IntakeFacts, Instrument], list[Finding]]
    phq4: Callable[[Answers], dict[str, Any] | None]
    factors: Callable[[IntakeFacts], list[Finding]]
    discussion_points: Callable[[IntakeFacts, Outcome], list[Finding]]


# --- the generic engine -----------------------------------------------------------------------


def score_intake(document: Mapping[str, Any], instrument: Instrument) -> dict[str, Any]:
    """The result document of a valid intake document, keys in the order of SCREENING.md."""
    engine = engine_for(instrument)
    facts = facts_of(document)
    context = engine.context(facts)
    domains = {
        section.id: domain_result(section, facts, context, engine) for section in instrument.domains
    }
    patterns = pattern_results(instrument, facts.answers, context)
    elevated = elevated_domains(instrument, domains, patterns)
    overall = overall_of(len(elevated))
    red_flags = engine.red_flags(facts, instrument)
    factors = engine.factors(facts)
    holding = {pattern["code"]: pattern["evidence"] for pattern in patterns}
    points = engine.discussion_points(facts, Outcome(holding, overall, factors))
    refer_first = bool(red_flags)
    return {
        "instrument": instrument.id,
        "version": instrument.version,
        "engine": instrument.engine,
        "domains": domains,
        "patterns": patterns,
        "overall": overall,
        "elevated_domains": elevated,
        "red_flags": [finding.code for finding in red_flags],
        "refer_first": refer_first,
        "phq4": engine.phq4(facts.answers),
        "factors": [finding.code for finding in factors],
        "discussion_points": [finding.code for finding in points],
        "referral": instrument.texts["referral"] if refer_first else None,
        "summary": summary_of(len(elevated)),
        "explanations": {
            "red_flags": explained(red_flags),
            "factors": explained(factors),
            "discussion_points": explained(points),
        },
    }


def engine_for(instrument: Instrument) -> Engine:
    try:
        engine = ENGINES[(instrument.id, instrument.version)]
    except KeyError:
        raise LookupError(
            f"no scoring engine for {instrument.id} version {instrument.version}"
        ) from None
    if engine.version != instrument.engine:
        raise LookupError(
            f"{instrument.id} expects engine {instrument.engine}, not {engine.version}"
        )
    return engine


def facts_of(document: Mapping[str, Any]) -> IntakeFacts:
    birth_date = (document.get("patient") or {}).get("birth_date")
    return IntakeFacts(
        answers=document["answers"],
        completed_on=date.fromisoformat(document["completed_on"]),
        birth_date=date.fromisoformat(birth_date) if birth_date is not None else None,
    )


def round_half_up(value: Fraction | int) -> int:
    """`floor(x + 0.5)` on an exact value: `floor((2n + d) / 2d)` for `x = n / d`."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def band_of(score: int) -> str:
    for minimum, band in BANDS:
        if score >= minimum:
            return band
    raise ValueError(f"score {score} is below every band")


def domain_result(
    section: Section, facts: IntakeFacts, context: Mapping[str, Any], engine: Engine
) -> dict[str, Any]:
    formula = engine.formula_scores.get(section.id)
    score = formula(facts, context) if formula else item_score(section, facts.answers)
    return {"score": score, "band": band_of(score)}


def item_score(section: Section, answers: Answers) -> int:
    """`round_half_up(100 * sum / (4 * count))` over the section's scored items."""
    scored = [item for item in section.items if item.scored]
    if not scored:
        raise ValueError(f"domain {section.id} has no scored items and no formula")
    total = sum(item.score_of(answers[item.id]) for item in scored)
    return round_half_up(Fraction(100 * total, 4 * len(scored)))


def pattern_results(
    instrument: Instrument, answers: Answers, context: Mapping[str, Any]
) -> list[dict[str, Any]]:
    results = []
    for pattern in instrument.patterns:
        evidence = pattern.rule.evidence(answers, context)
        if evidence is not None:
            results.append(
                {
                    "code": pattern.code,
                    "domain": pattern.domain,
                    "rule": pattern.rule_text,
                    "evidence": copied(evidence),
                }
            )
    return results


def elevated_domains(
    instrument: Instrument, domains: Mapping[str, Mapping[str, Any]], patterns: list[dict[str, Any]]
) -> list[str]:
    with_pattern = {pattern["domain"] for pattern in patterns}
    return [
        section.id
        for section in instrument.domains
        if domains[section.id]["band"] in ELEVATED_BANDS or section.id in with_pattern
    ]


def overall_of(elevated_count: int) -> str:
    if elevated_count == 0:
        return "none"
    return "multi_domain" if elevated_count >= MULTI_DOMAIN_MINIMUM else "isolated"


def summary_of(elevated_count: int) -> str:
    if elevated_count == 0:
        return "no possible barrier-related pattern"
    if elevated_count < MULTI_DOMAIN_MINIMUM:
        domains = "domain" if elevated_count == 1 else "domains"
        return f"a possible barrier-related pattern in {elevated_count} {domains}"
    return f"a possible barrier-related pattern across {elevated_count} domains"


def explained(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [finding.explained() for finding in findings]


def copied(evidence: Sequence[Evidence]) -> list[Evidence]:
    """Fresh evidence, so a result never shares a list or a food entry with its input."""
    return [{"item": entry["item"], "answer": fresh(entry["answer"])} for entry in evidence]


def fresh(answer: Any) -> Any:
    # Scalars are immutable; only containers (food entries, code lists) need copying.
    return copy.deepcopy(answer) if isinstance(answer, dict | list) else answer


@dataclass(frozen=True)
class AnswerCheck:
    """A finding that holds when an answered item compares true with `value`.

    An unanswered item never holds: an optional question left empty produces nothing.
    """

    code: str
    item: str
    compare: Callable[[Any, Any], bool]
    value: Any

    def finding(self, answers: Answers, rules: Mapping[str, str]) -> Finding | None:
        answer = answers.get(self.item)
        if answer is None or not self.compare(answer, self.value):
            return None
        return Finding(self.code, rules[self.code], ({"item": self.item, "answer": answer},))


def findings_of(
    checks: Sequence[AnswerCheck], answers: Answers, rules: Mapping[str, str]
) -> list[Finding]:
    return [found for check in checks if (found := check.finding(answers, rules)) is not None]


# --- barrier-intake version 1 -----------------------------------------------------------------

V1_FOODS = "sensitivities.foods"
V1_RECENT_YEARS = 3
V1_ONSET_AGE = 50
V1_PHQ_ITEMS = ("mood.phq_interest", "mood.phq_down", "mood.gad_nervous", "mood.gad_worry")
V1_PHQ_BANDS: tuple[tuple[int, str], ...] = (
    (9, "severe"),
    (6, "moderate"),
    (3, "mild"),
    (0, "normal"),
)
V1_SCREEN_POSITIVE = 3

# Each rule of SCREENING.md in words, for the explanations.
V1_RULES = {
    "onset_after_50": "Gut symptoms began at age 50 or later (onset year minus birth year).",
    "antibiotics": "At least 1 course of antibiotics in the last 12 months.",
    "nsaids": "Anti-inflammatory painkillers at least often (several times a week).",
    "alcohol": "More than 14 units of alcohol a week.",
    "high_fat_diet": "High-fat or processed food at least often (several times a week).",
    "stress": "Stress at least quite a bit.",
    "gi_infection": "A gut infection in the last 12 months.",
    "acid_suppressants": "Takes acid-reducing medicines.",
    "smoking": "Smokes.",
    "short_sleep": "Less than 7 hours of sleep a night.",
    "fibre": "Fewer than 3 servings of vegetables, fruit, whole grains or beans a day.",
    "polyphenols": "Polyphenol-rich foods rarely or never.",
    "probiotics": "No fermented foods or probiotics, after antibiotics or a gut infection.",
    "glutamine_zinc": "Possible patterns across 3 or more domains; no glutamine or zinc taken.",
    "demulcents": "The disproportionate bloating pattern holds.",
}
V1_FACTORS = (
    AnswerCheck("antibiotics", "factors.antibiotic_courses_12m", ge, 1),
    AnswerCheck("nsaids", "factors.nsaid_use", ge, 3),
    AnswerCheck("alcohol", "factors.alcohol_units_week", gt, 14),
    AnswerCheck("high_fat_diet", "factors.high_fat_processed_diet", ge, 3),
    AnswerCheck("stress", "factors.stress", ge, 3),
    AnswerCheck("gi_infection", "factors.gi_infection_12m", is_, True),
    AnswerCheck("acid_suppressants", "factors.acid_suppressants", is_, True),
    AnswerCheck("smoking", "factors.smoking", is_, True),
    AnswerCheck("short_sleep", "fatigue.sleep_hours", lt, 7),
)
V1_FIBRE = AnswerCheck("fibre", "support.fibre_servings_day", lt, 3)
V1_POLYPHENOLS = AnswerCheck("polyphenols", "support.polyphenol_foods", le, 1)
V1_PROBIOTICS = AnswerCheck("probiotics", "support.fermented_or_probiotic", is_, False)
V1_PROBIOTIC_FACTORS = ("antibiotics", "gi_infection")
V1_GLUTAMINE_ZINC = AnswerCheck("glutamine_zinc", "support.glutamine_or_zinc", is_, False)
V1_DEMULCENTS_PATTERN = "disproportionate_bloating"


def v1_context(facts: IntakeFacts) -> dict[str, Any]:
    """Recent foods: tolerated before, and started within 3 years of the intake's year."""
    since = facts.completed_on.year - V1_RECENT_YEARS
    recent = [
        food
        for food in facts.answers[V1_FOODS]
        if food["previously_tolerated"] is True and food["onset_year"] >= since
    ]
    return {"recent_foods": recent}


def v1_sensitivities_score(facts: IntakeFacts, context: Mapping[str, Any]) -> int:
    """`100 * (0.4 * min(n, 6) / 6 + 0.4 * min(recent, 4) / 4 + 0.2 * list_growing / 4)`."""
    foods = min(len(facts.answers[V1_FOODS]), 6)
    recent = min(len(context["recent_foods"]), 4)
    growing = facts.answers["sensitivities.list_growing"]
    share = (
        Fraction(2, 5) * Fraction(foods, 6)
        + Fraction(2, 5) * Fraction(recent, 4)
        + Fraction(1, 5) * Fraction(growing, 4)
    )
    return round_half_up(100 * share)


def v1_red_flags(facts: IntakeFacts, instrument: Instrument) -> list[Finding]:
    """Each red-flag item answered yes, in item order, then onset at 50 or later."""
    flags = [
        Finding(
            item.id.split(".", 1)[1],
            f"{item.short_label}: reported.",
            ({"item": item.id, "answer": True},),
        )
        for item in instrument.section("red_flags").items
        if facts.answers.get(item.id) is True
    ]
    onset = v1_onset_after_50(facts)
    return [*flags, onset] if onset else flags


def v1_onset_after_50(facts: IntakeFacts) -> Finding | None:
    onset_year = facts.answers.get("history.symptom_onset_year")
    if onset_year is None or facts.birth_date is None:
        return None
    if onset_year - facts.birth_date.year < V1_ONSET_AGE:
        return None
    evidence = (
        {"item": "history.symptom_onset_year", "answer": onset_year},
        {"item": "patient.birth_date", "answer": facts.birth_date.isoformat()},
    )
    return Finding("onset_after_50", V1_RULES["onset_after_50"], evidence)


def v1_phq4(answers: Answers) -> dict[str, Any] | None:
    """PHQ-2 and GAD-2 beside the mood domain; null unless all four are answered."""
    if any(answers.get(item_id) is None for item_id in V1_PHQ_ITEMS):
        return None
    interest, down, nervous, worry = (answers[item_id] for item_id in V1_PHQ_ITEMS)
    phq2, gad2 = interest + down, nervous + worry
    total = phq2 + gad2
    band = next(band for minimum, band in V1_PHQ_BANDS if total >= minimum)
    return {
        "phq2": phq2,
        "gad2": gad2,
        "total": total,
        "band": band,
        "depression_screen_positive": phq2 >= V1_SCREEN_POSITIVE,
        "anxiety_screen_positive": gad2 >= V1_SCREEN_POSITIVE,
    }


def v1_factors(facts: IntakeFacts) -> list[Finding]:
    return findings_of(V1_FACTORS, facts.answers, V1_RULES)


def v1_discussion_points(facts: IntakeFacts, outcome: Outcome) -> list[Finding]:
    """fibre, polyphenols, probiotics, glutamine_zinc, demulcents: in that order."""
    candidates = [
        V1_FIBRE.finding(facts.answers, V1_RULES),
        V1_POLYPHENOLS.finding(facts.answers, V1_RULES),
        v1_probiotics(facts, outcome),
        v1_glutamine_zinc(facts, outcome),
        v1_demulcents(outcome),
    ]
    return [point for point in candidates if point is not None]


def v1_glutamine_zinc(facts: IntakeFacts, outcome: Outcome) -> Finding | None:
    if outcome.overall != "multi_domain":
        return None
    return V1_GLUTAMINE_ZINC.finding(facts.answers, V1_RULES)


def v1_demulcents(outcome: Outcome) -> Finding | None:
    evidence = outcome.patterns.get(V1_DEMULCENTS_PATTERN)
    if evidence is None:
        return None
    return Finding("demulcents", V1_RULES["demulcents"], tuple(evidence))


def v1_probiotics(facts: IntakeFacts, outcome: Outcome) -> Finding | None:
    not_taking = V1_PROBIOTICS.finding(facts.answers, V1_RULES)
    after = [factor for factor in outcome.factors if factor.code in V1_PROBIOTIC_FACTORS]
    if not_taking is None or not after:
        return None
    evidence = not_taking.evidence + tuple(entry for factor in after for entry in factor.evidence)
    return Finding(not_taking.code, not_taking.rule, evidence)


BARRIER_INTAKE_V1 = Engine(
    version="1.0.0",
    context=v1_context,
    formula_scores={"sensitivities": v1_sensitivities_score},
    red_flags=v1_red_flags,
    phq4=v1_phq4,
    factors=v1_factors,
    discussion_points=v1_discussion_points,
)

# One engine per released instrument version; a new version registers its own here.
ENGINES: dict[tuple[str, int], Engine] = {("barrier-intake", 1): BARRIER_INTAKE_V1}
