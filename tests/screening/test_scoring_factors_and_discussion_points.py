"""Factors and discussion points of the scoring engine: each threshold, their evidence
and their order.

Pure tests: no database. Documents come from `tests.screening.scoring_support.score`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.screening.scoring_support import ELEVATING, pattern, score

# --- factors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_id", "value", "factor", "present"),
    [
        ("factors.antibiotic_courses_12m", 0, "antibiotics", False),
        ("factors.antibiotic_courses_12m", 1, "antibiotics", True),
        ("factors.antibiotic_courses_12m", 2, "antibiotics", True),
        ("factors.nsaid_use", 2, "nsaids", False),
        ("factors.nsaid_use", 3, "nsaids", True),
        ("factors.nsaid_use", 4, "nsaids", True),
        ("factors.alcohol_units_week", 14, "alcohol", False),
        ("factors.alcohol_units_week", 15, "alcohol", True),
        ("factors.high_fat_processed_diet", 2, "high_fat_diet", False),
        ("factors.high_fat_processed_diet", 3, "high_fat_diet", True),
        ("factors.high_fat_processed_diet", 4, "high_fat_diet", True),
        ("factors.stress", 2, "stress", False),
        ("factors.stress", 3, "stress", True),
        ("factors.stress", 4, "stress", True),
        ("factors.gi_infection_12m", False, "gi_infection", False),
        ("factors.gi_infection_12m", True, "gi_infection", True),
        ("factors.acid_suppressants", False, "acid_suppressants", False),
        ("factors.acid_suppressants", True, "acid_suppressants", True),
        ("factors.smoking", False, "smoking", False),
        ("factors.smoking", True, "smoking", True),
        ("fatigue.sleep_hours", 8, "short_sleep", False),
        ("fatigue.sleep_hours", 7, "short_sleep", False),
        ("fatigue.sleep_hours", 6, "short_sleep", True),
        ("fatigue.sleep_hours", 0, "short_sleep", True),
    ],
)
def test_each_factor_threshold(item_id: str, value: Any, factor: str, present: bool) -> None:
    result = score({item_id: value})
    assert result["factors"] == ([factor] if present else [])
    if present:
        assert result["explanations"]["factors"][0]["evidence"] == [
            {"item": item_id, "answer": value}
        ]


def test_factors_come_in_spec_order_with_a_rule_each() -> None:
    result = score(
        {
            "fatigue.sleep_hours": 5,
            "factors.smoking": True,
            "factors.acid_suppressants": True,
            "factors.gi_infection_12m": True,
            "factors.stress": 4,
            "factors.high_fat_processed_diet": 4,
            "factors.alcohol_units_week": 30,
            "factors.nsaid_use": 4,
            "factors.antibiotic_courses_12m": 3,
        }
    )
    assert result["factors"] == [
        "antibiotics",
        "nsaids",
        "alcohol",
        "high_fat_diet",
        "stress",
        "gi_infection",
        "acid_suppressants",
        "smoking",
        "short_sleep",
    ]
    explanations = result["explanations"]["factors"]
    assert [entry["code"] for entry in explanations] == result["factors"]
    assert all(entry["rule"] for entry in explanations)


# --- discussion points --------------------------------------------------------------------------

MULTI_DOMAIN = {**ELEVATING["fatigue"], **ELEVATING["skin"], **ELEVATING["mood"]}


def test_an_unanswered_support_section_never_produces_a_point() -> None:
    # antibiotics and a multi-domain overall would need the probiotic and supplement answers
    result = score({**MULTI_DOMAIN, "factors.antibiotic_courses_12m": 2})
    assert result["overall"] == "multi_domain"
    assert result["discussion_points"] == []
    assert result["explanations"]["discussion_points"] == []


@pytest.mark.parametrize(("servings", "present"), [(0, True), (2, True), (3, False), (30, False)])
def test_fibre_under_3_servings(servings: int, present: bool) -> None:
    result = score({"support.fibre_servings_day": servings})
    assert result["discussion_points"] == (["fibre"] if present else [])


@pytest.mark.parametrize(("frequency", "present"), [(0, True), (1, True), (2, False), (4, False)])
def test_polyphenols_at_most_rarely(frequency: int, present: bool) -> None:
    result = score({"support.polyphenol_foods": frequency})
    assert result["discussion_points"] == (["polyphenols"] if present else [])


@pytest.mark.parametrize(
    ("answers", "present"),
    [
        ({"support.fermented_or_probiotic": False, "factors.antibiotic_courses_12m": 1}, True),
        ({"support.fermented_or_probiotic": False, "factors.gi_infection_12m": True}, True),
        ({"support.fermented_or_probiotic": False}, False),
        ({"support.fermented_or_probiotic": True, "factors.antibiotic_courses_12m": 1}, False),
        ({"factors.antibiotic_courses_12m": 1, "factors.gi_infection_12m": True}, False),
    ],
)
def test_probiotics_after_antibiotics_or_infection_when_not_taken(
    answers: dict[str, Any], present: bool
) -> None:
    assert score(answers)["discussion_points"] == (["probiotics"] if present else [])


def test_probiotics_evidence_names_the_support_answer_and_the_factors() -> None:
    result = score(
        {
            "support.fermented_or_probiotic": False,
            "factors.antibiotic_courses_12m": 2,
            "factors.gi_infection_12m": True,
        }
    )
    assert result["explanations"]["discussion_points"][0]["evidence"] == [
        {"item": "support.fermented_or_probiotic", "answer": False},
        {"item": "factors.antibiotic_courses_12m", "answer": 2},
        {"item": "factors.gi_infection_12m", "answer": True},
    ]


@pytest.mark.parametrize(
    ("answers", "present"),
    [
        ({**MULTI_DOMAIN, "support.glutamine_or_zinc": False}, True),
        ({**MULTI_DOMAIN, "support.glutamine_or_zinc": True}, False),
        ({**ELEVATING["fatigue"], **ELEVATING["skin"], "support.glutamine_or_zinc": False}, False),
    ],
)
def test_glutamine_zinc_when_multi_domain_and_not_taken(
    answers: dict[str, Any], present: bool
) -> None:
    result = score(answers)
    assert result["discussion_points"] == (["glutamine_zinc"] if present else [])
    if present:
        assert result["explanations"]["discussion_points"][0]["evidence"] == [
            {"item": "support.glutamine_or_zinc", "answer": False}
        ]


def test_demulcents_when_disproportionate_bloating_holds_with_its_evidence() -> None:
    result = score({"bloating.after_small_meals": 3, "bloating.unpredictable": 2})
    assert result["discussion_points"] == ["demulcents"]
    explanation = result["explanations"]["discussion_points"][0]
    assert explanation["evidence"] == pattern(result, "disproportionate_bloating")["evidence"]
    assert explanation["evidence"] is not pattern(result, "disproportionate_bloating")["evidence"]


def test_no_demulcents_just_under_the_bloating_pattern() -> None:
    result = score({"bloating.after_small_meals": 2, "bloating.unpredictable": 2})
    assert result["discussion_points"] == []


def test_discussion_points_come_in_spec_order() -> None:
    result = score(
        {
            **MULTI_DOMAIN,
            "bloating.after_water": 2,
            "bloating.persistent": 2,
            "support.glutamine_or_zinc": False,
            "support.fermented_or_probiotic": False,
            "factors.gi_infection_12m": True,
            "support.polyphenol_foods": 0,
            "support.fibre_servings_day": 1,
        }
    )
    expected = ["fibre", "polyphenols", "probiotics", "glutamine_zinc", "demulcents"]
    assert result["discussion_points"] == expected
    explanations = result["explanations"]["discussion_points"]
    assert [entry["code"] for entry in explanations] == expected
