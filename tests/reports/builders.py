"""Intake documents and hand-made result documents for report tests (synthetic only).

The results are shaped as the scoring engine's, but written by hand: the PDF must show whatever
result it is given, so these tests do not depend on the engine's rules.
"""

from __future__ import annotations

import copy
from typing import Any

from screening.samples import sample_document

DOMAINS = ("bloating", "sensitivities", "fatigue", "skin", "mood", "immune")

FOOD_CODES = (
    "dairy", "gluten", "egg", "soy", "corn", "tree_nuts", "peanuts", "fish", "shellfish",
    "onion_garlic", "nightshades", "legumes", "citrus",
)  # fmt: skip


def thirty_foods(*, completed_year: int = 2026) -> list[dict[str, Any]]:
    """The longest food list the instrument allows: 13 listed foods and 17 named others."""
    foods: list[dict[str, Any]] = [
        {
            "food": code,
            "onset_year": completed_year - index % 9,
            "previously_tolerated": index % 2 == 0,
        }
        for index, code in enumerate(FOOD_CODES)
    ]
    foods += [
        {
            "food": "other",
            "name": f"Other food number {index}",
            "onset_year": 2000 + index,
            "previously_tolerated": index % 3 == 0,
        }
        for index in range(30 - len(FOOD_CODES))
    ]
    return foods


def minimal_document() -> dict[str, Any]:
    return sample_document(birth_date=None)


def full_document(*, text: str | None = None) -> dict[str, Any]:
    """Every optional item answered, 30 foods, and 2,000 characters in each free-text item."""
    text = text or ("Bloating after meals, worse in the evening. " * 50)[:2000]
    return sample_document(
        answers={
            "bloating.frequency": 3,
            "bloating.after_small_meals": 3,
            "bloating.after_water": 2,
            "bloating.persistent": 3,
            "bloating.unpredictable": 2,
            "sensitivities.foods": thirty_foods(),
            "sensitivities.list_growing": 3,
            "sensitivities.elimination_tried": True,
            "sensitivities.elimination_relief": "temporary",
            "fatigue.unrefreshed": 3,
            "fatigue.brain_fog": 2,
            "skin.diagnosed": ["atopic_dermatitis", "rosacea"],
            "mood.phq_interest": 1,
            "mood.phq_down": 1,
            "mood.gad_nervous": 2,
            "mood.gad_worry": 2,
            "immune.autoimmune": True,
            "red_flags.weight_loss": True,
            "red_flags.anaemia": True,
            "factors.antibiotic_courses_12m": 2,
            "factors.stress": 3,
            "support.fibre_servings_day": 2,
            "support.polyphenol_foods": 1,
            "support.fermented_or_probiotic": False,
            "support.glutamine_or_zinc": False,
            "history.main_concern": text,
            "history.symptom_onset_year": 2024,
            "history.diagnoses": text,
            "history.medications": text,
        }
    )


QUIET_RESULT: dict[str, Any] = {
    "instrument": "barrier-intake",
    "version": 1,
    "engine": "1.0.0",
    "domains": {domain: {"score": 0, "band": "minimal"} for domain in DOMAINS},
    "patterns": [],
    "overall": "none",
    "elevated_domains": [],
    "red_flags": [],
    "refer_first": False,
    "phq4": None,
    "factors": [],
    "discussion_points": [],
    "referral": None,
    "summary": "no possible barrier-related pattern",
    "explanations": {"red_flags": [], "factors": [], "discussion_points": []},
}

BUSY_SCORES = {
    "bloating": (63, "moderate"),
    "sensitivities": (71, "moderate"),
    "fatigue": (44, "mild"),
    "skin": (81, "marked"),
    "mood": (50, "moderate"),
    "immune": (13, "minimal"),
}


def quiet_result() -> dict[str, Any]:
    return copy.deepcopy(QUIET_RESULT)


def busy_result(*, refer_first: bool = True) -> dict[str, Any]:
    """Patterns in four domains, PHQ-4, factors, points and (optionally) red flags."""
    result = quiet_result()
    result["domains"] = {
        domain: {"score": score, "band": band} for domain, (score, band) in BUSY_SCORES.items()
    }
    result["patterns"] = [
        {
            "code": "disproportionate_bloating",
            "domain": "bloating",
            "rule": "Bloating after small meals at least often, or after water at least "
            "sometimes; and a stomach that feels always on at least moderately.",
            "evidence": [
                {"item": "bloating.after_small_meals", "answer": 3},
                {"item": "bloating.after_water", "answer": 2},
                {"item": "bloating.persistent", "answer": 3},
            ],
        },
        {
            "code": "progressive_sensitivities",
            "domain": "sensitivities",
            "rule": "At least 3 foods, 2 of them recent and tolerated before.",
            "evidence": [
                {
                    "item": "sensitivities.foods",
                    "answer": {"food": "dairy", "onset_year": 2026, "previously_tolerated": True},
                },
                {
                    "item": "sensitivities.foods",
                    "answer": {"food": "egg", "onset_year": 2024, "previously_tolerated": True},
                },
                {"item": "sensitivities.elimination_relief", "answer": "temporary"},
            ],
        },
        {
            "code": "gut_skin",
            "domain": "skin",
            "rule": "Skin flares after digestive upsets at least sometimes; and a diagnosed "
            "atopic dermatitis, psoriasis or rosacea.",
            "evidence": [
                {"item": "skin.breakouts_with_gut", "answer": 2},
                {"item": "skin.diagnosed", "answer": ["atopic_dermatitis", "rosacea"]},
            ],
        },
        {
            "code": "unrefreshing_fatigue",
            "domain": "fatigue",
            "rule": "Tired after a full night's sleep at least often, with at least 7 hours.",
            "evidence": [
                {"item": "fatigue.unrefreshed", "answer": 3},
                {"item": "fatigue.sleep_hours", "answer": 8},
                {"item": "fatigue.brain_fog", "answer": 2},
            ],
        },
    ]
    result["overall"] = "multi_domain"
    result["elevated_domains"] = ["bloating", "sensitivities", "fatigue", "skin", "mood"]
    result["summary"] = "a possible barrier-related pattern across 5 domains"
    result["phq4"] = {
        "phq2": 2,
        "gad2": 4,
        "total": 6,
        "band": "moderate",
        "depression_screen_positive": False,
        "anxiety_screen_positive": True,
    }
    result["factors"] = ["antibiotics", "stress"]
    result.setdefault("explanations", {})["factors"] = [
        {
            "code": "antibiotics",
            "rule": "At least 1 course of antibiotics in the last 12 months.",
            "evidence": [{"item": "factors.antibiotic_courses_12m", "answer": 2}],
        },
        {
            "code": "stress",
            "rule": "Stress at least quite a bit.",
            "evidence": [{"item": "factors.stress", "answer": 3}],
        },
    ]
    result["discussion_points"] = [
        "fibre",
        "polyphenols",
        "probiotics",
        "glutamine_zinc",
        "demulcents",
    ]
    if refer_first:
        result["red_flags"] = ["weight_loss", "anaemia", "onset_after_50"]
        result["refer_first"] = True
        result["referral"] = (
            "alarm features reported — medical evaluation is recommended before symptoms are "
            "attributed to a barrier-related pattern"
        )
    return result


def earlier_result() -> dict[str, Any]:
    """An earlier screening of the busy patient: lower on most domains."""
    result = quiet_result()
    result["domains"] = {
        "bloating": {"score": 50, "band": "moderate"},
        "sensitivities": {"score": 71, "band": "moderate"},
        "fatigue": {"score": 56, "band": "moderate"},
        "skin": {"score": 31, "band": "mild"},
        "mood": {"score": 25, "band": "mild"},
        "immune": {"score": 13, "band": "minimal"},
    }
    result["overall"] = "isolated"
    result["summary"] = "a possible barrier-related pattern in 2 domains"
    return result
