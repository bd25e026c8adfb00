"""The result document of the scoring engine: key order, a document like the example of
SCREENING.md, independence from the intake, and the engine per instrument version.

Pure tests: no database. Documents come from `tests.screening.scoring_support.score`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from screening.documents import result_json
from screening.samples import sample_document
from screening.scoring import score_intake
from tests.screening.scoring_support import DOMAINS, INSTRUMENT, PHQ_ITEMS, foods, score

# The spec's keys in order, then the additive keys.
RESULT_KEYS = [
    "instrument",
    "version",
    "engine",
    "domains",
    "patterns",
    "overall",
    "elevated_domains",
    "red_flags",
    "refer_first",
    "phq4",
    "factors",
    "discussion_points",
    "referral",
    "summary",
    "explanations",
]


# --- the result document ------------------------------------------------------------------------


def test_result_keys_are_in_spec_order() -> None:
    answers = {"bloating.after_water": 2, "bloating.persistent": 2, "red_flags.anaemia": True}
    result = score(dict.fromkeys(PHQ_ITEMS, 1) | answers)
    assert list(result) == RESULT_KEYS
    assert list(result["domains"]) == DOMAINS
    assert all(list(domain) == ["score", "band"] for domain in result["domains"].values())
    assert list(result["patterns"][0]) == ["code", "domain", "rule", "evidence"]
    assert list(result["phq4"]) == [
        "phq2",
        "gad2",
        "total",
        "band",
        "depression_screen_positive",
        "anxiety_screen_positive",
    ]
    assert list(result["explanations"]) == ["red_flags", "factors", "discussion_points"]
    explanation = result["explanations"]["red_flags"][0]
    assert list(explanation) == ["code", "rule", "evidence"]
    assert list(explanation["evidence"][0]) == ["item", "answer"]


def test_result_names_instrument_version_and_engine() -> None:
    result = score()
    assert (result["instrument"], result["version"], result["engine"]) == (
        "barrier-intake",
        1,
        INSTRUMENT.engine,
    )


def test_the_result_shares_nothing_with_the_document() -> None:
    listed = foods(3, recent=2)
    document = sample_document(answers={"sensitivities.foods": listed})
    result = score_intake(document, INSTRUMENT)
    result["patterns"][0]["evidence"][0]["answer"]["food"] = "changed"
    assert listed[0]["food"] == "dairy"


SPEC_LIKE_ANSWERS = {
    "bloating.frequency": 3,
    "bloating.after_small_meals": 2,
    "bloating.after_tolerated_foods": 2,
    "bloating.after_water": 3,
    "bloating.persistent": 3,
    "bloating.unpredictable": 2,
    "sensitivities.foods": [
        {"food": "dairy", "onset_year": 2024, "previously_tolerated": True},
        {"food": "other", "name": "buckwheat", "onset_year": 2019, "previously_tolerated": False},
    ],
    "sensitivities.list_growing": 1,
    "fatigue.unrefreshed": 3,
    "fatigue.brain_fog": 2,
    "fatigue.effort": 1,
    "fatigue.energy_crash": 2,
    "skin.eczema_flares": 2,
    "skin.breakouts_with_gut": 2,
    "mood.phq_interest": 1,
    "mood.phq_down": 1,
    "mood.gad_nervous": 2,
    "mood.gad_worry": 2,
    "factors.antibiotic_courses_12m": 1,
    "factors.stress": 3,
    "support.fibre_servings_day": 2,
    "support.polyphenol_foods": 2,
    "support.fermented_or_probiotic": True,
    "support.glutamine_or_zinc": True,
    "history.symptom_onset_year": 2018,
}
RULE_TEXTS = {definition.code: definition.rule_text for definition in INSTRUMENT.patterns}
BLOATING_EVIDENCE = [
    {"item": "bloating.after_water", "answer": 3},
    {"item": "bloating.persistent", "answer": 3},
    {"item": "bloating.unpredictable", "answer": 2},
]
SPEC_LIKE_RESULT = {
    "instrument": "barrier-intake",
    "version": 1,
    "engine": "1.0.0",
    "domains": {
        "bloating": {"score": 63, "band": "moderate"},
        "sensitivities": {"score": 28, "band": "mild"},
        "fatigue": {"score": 50, "band": "moderate"},
        "skin": {"score": 25, "band": "mild"},
        "mood": {"score": 0, "band": "minimal"},
        "immune": {"score": 0, "band": "minimal"},
    },
    "patterns": [
        {
            "code": "disproportionate_bloating",
            "domain": "bloating",
            "rule": RULE_TEXTS["disproportionate_bloating"],
            "evidence": BLOATING_EVIDENCE,
        },
        {
            "code": "unrefreshing_fatigue",
            "domain": "fatigue",
            "rule": RULE_TEXTS["unrefreshing_fatigue"],
            "evidence": [
                {"item": "fatigue.unrefreshed", "answer": 3},
                {"item": "fatigue.sleep_hours", "answer": 8},
                {"item": "fatigue.brain_fog", "answer": 2},
            ],
        },
        {
            "code": "gut_skin",
            "domain": "skin",
            "rule": RULE_TEXTS["gut_skin"],
            "evidence": [
                {"item": "skin.breakouts_with_gut", "answer": 2},
                {"item": "skin.eczema_flares", "answer": 2},
            ],
        },
    ],
    "overall": "multi_domain",
    "elevated_domains": ["bloating", "fatigue", "skin"],
    "red_flags": [],
    "refer_first": False,
    "phq4": {
        "phq2": 2,
        "gad2": 4,
        "total": 6,
        "band": "moderate",
        "depression_screen_positive": False,
        "anxiety_screen_positive": True,
    },
    "factors": ["antibiotics", "stress"],
    "discussion_points": ["fibre", "demulcents"],
    "referral": None,
    "summary": "a possible barrier-related pattern across 3 domains",
    "explanations": {
        "red_flags": [],
        "factors": [
            {
                "code": "antibiotics",
                "rule": "At least 1 course of antibiotics in the last 12 months.",
                "evidence": [{"item": "factors.antibiotic_courses_12m", "answer": 1}],
            },
            {
                "code": "stress",
                "rule": "Stress at least quite a bit.",
                "evidence": [{"item": "factors.stress", "answer": 3}],
            },
        ],
        "discussion_points": [
            {
                "code": "fibre",
                "rule": "Fewer than 3 servings of vegetables, fruit, whole grains or beans a day.",
                "evidence": [{"item": "support.fibre_servings_day", "answer": 2}],
            },
            {
                "code": "demulcents",
                "rule": "The disproportionate bloating pattern holds.",
                "evidence": BLOATING_EVIDENCE,
            },
        ],
    },
}


def test_a_document_like_the_spec_example_gives_the_expected_json() -> None:
    # given the intake of SCREENING.md's example, filled in to a full document
    document = sample_document(answers=SPEC_LIKE_ANSWERS)
    # when
    result = score_intake(document, INSTRUMENT)
    # then the JSON is the same, key order included
    assert result_json(result) == result_json(SPEC_LIKE_RESULT)


# --- engines per instrument version -------------------------------------------------------------


def test_an_instrument_version_without_formulas_is_refused() -> None:
    unscorable = replace(INSTRUMENT, version=99, formulas=None)
    with pytest.raises(LookupError, match="no scoring engine"):
        score_intake(sample_document(), unscorable)


def test_version_1_is_scored_by_engine_1_0_0() -> None:
    assert score(None)["engine"] == INSTRUMENT.engine == "1.0.0"
