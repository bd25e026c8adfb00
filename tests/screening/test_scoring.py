"""The scoring engine against every rule of SCREENING.md, at and around each threshold.

Pure tests: no database. Documents come from `sample_document`, every required item at its
lowest answer and a full night's sleep, with the answers under test on top.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest

from screening.documents import result_json
from screening.instruments import get_instrument
from screening.instruments.arithmetic import round_half_up
from screening.instruments.definition import band_of
from screening.samples import sample_document
from screening.scoring import score_intake

INSTRUMENT = get_instrument("barrier-intake", 1)
REFERRAL = INSTRUMENT.texts["referral"]
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
DOMAINS = ["bloating", "sensitivities", "fatigue", "skin", "mood", "immune"]
FOOD_CODES = ["dairy", "gluten", "egg", "soy", "corn", "tree_nuts", "peanuts", "fish"]


def score(answers: dict[str, Any] | None = None, **document: Any) -> dict[str, Any]:
    return score_intake(sample_document(answers=answers, **document), INSTRUMENT)


def pattern_codes(result: dict[str, Any]) -> list[str]:
    return [pattern["code"] for pattern in result["patterns"]]


def pattern(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(found for found in result["patterns"] if found["code"] == code)


def foods(count: int, *, recent: int = 0, year: int = 2026) -> list[dict[str, Any]]:
    """`count` foods, the first `recent` of them tolerated before and started this year."""
    return [
        {
            "food": code,
            "onset_year": year if position < recent else 2000,
            "previously_tolerated": position < recent,
        }
        for position, code in enumerate(FOOD_CODES[:count])
    ]


# --- rounding and bands -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(25, 2), 13),
        (Fraction(125, 2), 63),
        (Fraction(249, 10), 25),
        (Fraction(124, 5), 25),
        (Fraction(123, 5), 25),
        (Fraction(122, 5), 24),
        (0, 0),
        (100, 100),
    ],
)
def test_it_rounds_half_up(value: Fraction, expected: int) -> None:
    assert round_half_up(value) == expected


@pytest.mark.parametrize(
    ("score_value", "band"),
    [
        (0, "minimal"),
        (24, "minimal"),
        (25, "mild"),
        (49, "mild"),
        (50, "moderate"),
        (74, "moderate"),
        (75, "marked"),
        (100, "marked"),
    ],
)
def test_band_boundaries(score_value: int, band: str) -> None:
    assert band_of(INSTRUMENT.bands, score_value) == band


def test_a_bloating_sum_of_15_gives_62_5_and_rounds_up_to_63() -> None:
    answers = {
        "bloating.frequency": 3,
        "bloating.after_small_meals": 3,
        "bloating.after_tolerated_foods": 3,
        "bloating.after_water": 3,
        "bloating.persistent": 3,
    }
    assert score(answers)["domains"]["bloating"] == {"score": 63, "band": "moderate"}


def test_a_bloating_sum_of_3_gives_12_5_and_rounds_up_to_13() -> None:
    answers = {"bloating.frequency": 3}
    assert score(answers)["domains"]["bloating"]["score"] == 13


@pytest.mark.parametrize(
    ("total", "expected_score", "band"),
    [
        (2, 13, "minimal"),  # 12.5
        (3, 19, "minimal"),  # 18.75
        (4, 25, "mild"),
        (6, 38, "mild"),  # 37.5
        (7, 44, "mild"),
        (8, 50, "moderate"),
        (10, 63, "moderate"),  # 62.5
        (11, 69, "moderate"),
        (12, 75, "marked"),
        (14, 88, "marked"),  # 87.5
        (16, 100, "marked"),
    ],
)
def test_four_item_domain_scores_and_bands(total: int, expected_score: int, band: str) -> None:
    items = ["skin.eczema_flares", "skin.rosacea", "skin.breakouts_with_gut", "skin.food_reactions"]
    answers = {item: min(4, max(0, total - 4 * position)) for position, item in enumerate(items)}
    assert sum(answers.values()) == total
    assert score(answers)["domains"]["skin"] == {"score": expected_score, "band": band}


@pytest.mark.parametrize(
    ("colds", "mapped"),
    [(0, 0), (1, 0), (2, 1), (3, 2), (4, 3), (5, 3), (6, 4), (52, 4)],
)
def test_colds_per_year_are_mapped_to_the_0_to_4_scale(colds: int, mapped: int) -> None:
    result = score({"immune.colds_per_year": colds})
    assert result["domains"]["immune"]["score"] == round_half_up(Fraction(100 * mapped, 16))


def test_the_lowest_document_scores_zero_everywhere() -> None:
    result = score()
    assert result["domains"] == {domain: {"score": 0, "band": "minimal"} for domain in DOMAINS}
    assert result["overall"] == "none"


# --- sensitivities score ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "recent", "growing", "expected"),
    [
        (1, 0, 0, 7),  # 6.67
        (2, 0, 0, 13),  # 13.33
        (3, 0, 0, 20),
        (6, 0, 0, 40),
        (7, 0, 0, 40),  # min(n, 6)
        (4, 4, 0, 67),  # 26.67 + 40
        (6, 4, 0, 80),
        (5, 5, 0, 73),  # min(recent, 4): 33.33 + 40
        (0, 0, 1, 5),
        (0, 0, 4, 20),
        (2, 1, 1, 28),  # 13.33 + 10 + 5
        (6, 6, 4, 100),
    ],
)
def test_sensitivities_score_formula_with_caps(
    count: int, recent: int, growing: int, expected: int
) -> None:
    answers = {
        "sensitivities.foods": foods(count, recent=recent),
        "sensitivities.list_growing": growing,
    }
    assert score(answers)["domains"]["sensitivities"]["score"] == expected


@pytest.mark.parametrize(
    ("onset_year", "tolerated", "counts"),
    [
        (2026, True, True),
        (2023, True, True),  # year(completed_on) - 3
        (2022, True, False),  # year(completed_on) - 4
        (2026, False, False),  # never tolerated
    ],
)
def test_a_recent_food_is_tolerated_before_and_at_most_3_years_old(
    onset_year: int, tolerated: bool, counts: bool
) -> None:
    entry = {"food": "dairy", "onset_year": onset_year, "previously_tolerated": tolerated}
    result = score({"sensitivities.foods": [entry]})
    # one food: 6.67 -> 7; one recent food adds 10
    assert result["domains"]["sensitivities"]["score"] == (17 if counts else 7)


def test_the_recent_window_follows_the_year_of_completed_on() -> None:
    entry = {"food": "dairy", "onset_year": 2022, "previously_tolerated": True}
    result = score({"sensitivities.foods": [entry]}, completed_on="2025-01-01")
    assert result["domains"]["sensitivities"]["score"] == 17


# --- patterns -----------------------------------------------------------------------------------

# (pattern, the other answers that leave only `item` deciding, item, threshold, highest answer)
THRESHOLDS = [
    ("disproportionate_bloating", {"bloating.persistent": 2}, "bloating.after_small_meals", 3, 4),
    ("disproportionate_bloating", {"bloating.persistent": 2}, "bloating.after_water", 2, 4),
    ("disproportionate_bloating", {"bloating.after_water": 2}, "bloating.persistent", 2, 4),
    (
        "disproportionate_bloating",
        {"bloating.after_small_meals": 3},
        "bloating.unpredictable",
        2,
        4,
    ),
    ("unrefreshing_fatigue", {"fatigue.brain_fog": 2}, "fatigue.unrefreshed", 3, 4),
    (
        "unrefreshing_fatigue",
        {"fatigue.unrefreshed": 3, "fatigue.effort": 2},
        "fatigue.sleep_hours",
        7,
        16,
    ),
    ("unrefreshing_fatigue", {"fatigue.unrefreshed": 3}, "fatigue.brain_fog", 2, 4),
    ("unrefreshing_fatigue", {"fatigue.unrefreshed": 3}, "fatigue.effort", 2, 4),
    ("gut_skin", {"skin.eczema_flares": 2}, "skin.breakouts_with_gut", 2, 4),
    ("gut_skin", {"skin.rosacea": 2}, "skin.food_reactions", 2, 4),
    ("gut_skin", {"skin.food_reactions": 2}, "skin.eczema_flares", 2, 4),
    ("gut_skin", {"skin.breakouts_with_gut": 2}, "skin.rosacea", 2, 4),
    ("gut_brain", {"mood.food_anxiety": 2}, "mood.mood_tracks_gut", 2, 4),
    ("gut_brain", {"mood.mood_tracks_gut": 2}, "mood.food_anxiety", 2, 4),
    ("gut_brain", {"mood.mood_tracks_gut": 2}, "mood.life_contracted", 2, 4),
    ("immune_dysregulation", {"immune.allergies_worse": 2}, "immune.colds_per_year", 4, 52),
    ("immune_dysregulation", {"immune.new_reactions": 2}, "immune.slow_recovery", 3, 4),
    ("immune_dysregulation", {"immune.colds_per_year": 4}, "immune.allergies_worse", 2, 4),
    ("immune_dysregulation", {"immune.slow_recovery": 3}, "immune.new_reactions", 2, 4),
]


@pytest.mark.parametrize(("code", "others", "item", "threshold", "highest"), THRESHOLDS)
def test_each_pattern_threshold_at_under_and_over(
    code: str, others: dict[str, Any], item: str, threshold: int, highest: int
) -> None:
    def holds(value: int) -> bool:
        return code in pattern_codes(score({**others, item: value}))

    assert not holds(threshold - 1)
    assert holds(threshold)
    assert holds(min(threshold + 1, highest))
    assert holds(highest)


def test_the_sleep_threshold_holds_at_7_hours_and_fails_at_6() -> None:
    answers = {"fatigue.unrefreshed": 3, "fatigue.brain_fog": 2}
    assert "unrefreshing_fatigue" not in pattern_codes(score({**answers, "fatigue.sleep_hours": 6}))
    assert "unrefreshing_fatigue" in pattern_codes(score({**answers, "fatigue.sleep_hours": 7}))


@pytest.mark.parametrize(
    ("diagnosed", "holds"),
    [
        (["atopic_dermatitis"], True),
        (["psoriasis"], True),
        (["rosacea"], True),
        (["acne"], False),
        ([], False),
        (None, False),
    ],
)
def test_gut_skin_counts_a_diagnosed_skin_condition(
    diagnosed: list[str] | None, holds: bool
) -> None:
    answers: dict[str, Any] = {"skin.breakouts_with_gut": 2}
    if diagnosed is not None:
        answers["skin.diagnosed"] = diagnosed
    assert ("gut_skin" in pattern_codes(score(answers))) is holds


def test_pattern_evidence_names_the_answers_that_made_it() -> None:
    result = score({"bloating.after_water": 2, "bloating.persistent": 3})
    assert result["patterns"] == [
        {
            "code": "disproportionate_bloating",
            "domain": "bloating",
            "rule": INSTRUMENT.patterns[0].rule_text,
            "evidence": [
                {"item": "bloating.after_water", "answer": 2},
                {"item": "bloating.persistent", "answer": 3},
            ],
        }
    ]


@pytest.mark.parametrize(
    ("count", "recent", "holds"),
    [(3, 2, True), (2, 2, False), (4, 2, True), (3, 1, False), (3, 3, True), (6, 1, False)],
)
def test_progressive_sensitivities_needs_3_foods_and_2_recent(
    count: int, recent: int, holds: bool
) -> None:
    result = score({"sensitivities.foods": foods(count, recent=recent)})
    assert ("progressive_sensitivities" in pattern_codes(result)) is holds


def test_progressive_sensitivities_evidence_lists_recent_foods_and_temporary_relief() -> None:
    listed = foods(3, recent=2)
    result = score(
        {
            "sensitivities.foods": listed,
            "sensitivities.elimination_tried": True,
            "sensitivities.elimination_relief": "temporary",
        }
    )
    assert pattern(result, "progressive_sensitivities")["evidence"] == [
        {"item": "sensitivities.foods", "answer": listed[0]},
        {"item": "sensitivities.foods", "answer": listed[1]},
        {"item": "sensitivities.elimination_relief", "answer": "temporary"},
    ]


def test_lasting_relief_is_not_evidence_of_progressive_sensitivities() -> None:
    result = score(
        {
            "sensitivities.foods": foods(3, recent=2),
            "sensitivities.elimination_tried": True,
            "sensitivities.elimination_relief": "lasting",
        }
    )
    items = [entry["item"] for entry in pattern(result, "progressive_sensitivities")["evidence"]]
    assert items == ["sensitivities.foods", "sensitivities.foods"]


def test_patterns_come_in_table_order() -> None:
    result = score(
        {
            "bloating.after_water": 2,
            "bloating.persistent": 2,
            "sensitivities.foods": foods(3, recent=2),
            "fatigue.unrefreshed": 3,
            "fatigue.brain_fog": 2,
            "skin.breakouts_with_gut": 2,
            "skin.rosacea": 2,
            "mood.mood_tracks_gut": 2,
            "mood.food_anxiety": 2,
            "immune.colds_per_year": 4,
            "immune.allergies_worse": 2,
        }
    )
    assert pattern_codes(result) == [definition.code for definition in INSTRUMENT.patterns]
    assert [found["domain"] for found in result["patterns"]] == DOMAINS


# --- elevated domains and overall ---------------------------------------------------------------

ELEVATING = {
    "bloating": {
        "bloating.frequency": 4,
        "bloating.after_small_meals": 4,
        "bloating.persistent": 4,
    },
    "sensitivities": {"sensitivities.foods": foods(3, recent=2)},
    "fatigue": {"fatigue.energy_crash": 4, "fatigue.brain_fog": 4},
    "skin": {"skin.eczema_flares": 4, "skin.rosacea": 4},
    "mood": {"mood.eating_unreliable": 4, "mood.food_anxiety": 4},
    "immune": {"immune.slow_recovery": 4, "immune.allergies_worse": 4},
}


@pytest.mark.parametrize(
    ("count", "overall", "summary"),
    [
        (0, "none", "no possible barrier-related pattern"),
        (1, "isolated", "a possible barrier-related pattern in 1 domain"),
        (2, "isolated", "a possible barrier-related pattern in 2 domains"),
        (3, "multi_domain", "a possible barrier-related pattern across 3 domains"),
        (6, "multi_domain", "a possible barrier-related pattern across 6 domains"),
    ],
)
def test_overall_counts_elevated_domains(count: int, overall: str, summary: str) -> None:
    answers: dict[str, Any] = {}
    for domain in DOMAINS[:count]:
        answers.update(ELEVATING[domain])
    result = score(answers)
    assert result["elevated_domains"] == DOMAINS[:count]
    assert result["overall"] == overall
    assert result["summary"] == summary


def test_a_moderate_band_alone_elevates_a_domain() -> None:
    result = score({"mood.eating_unreliable": 4, "mood.life_contracted": 4})
    assert result["domains"]["mood"]["band"] == "moderate"
    assert result["patterns"] == []
    assert result["elevated_domains"] == ["mood"]


def test_a_pattern_alone_elevates_a_domain_in_a_mild_band() -> None:
    result = score({"mood.mood_tracks_gut": 2, "mood.food_anxiety": 2})
    assert result["domains"]["mood"] == {"score": 25, "band": "mild"}
    assert result["elevated_domains"] == ["mood"]


def test_a_mild_band_without_a_pattern_is_not_elevated() -> None:
    result = score({"mood.eating_unreliable": 4, "mood.life_contracted": 3})
    assert result["domains"]["mood"] == {"score": 44, "band": "mild"}
    assert result["elevated_domains"] == []


# --- red flags ----------------------------------------------------------------------------------

RED_FLAG_ITEMS = [item.id for item in INSTRUMENT.section("red_flags").items]


def test_every_red_flag_is_reported_by_its_code_in_item_order() -> None:
    result = score(dict.fromkeys(reversed(RED_FLAG_ITEMS), True), birth_date="1950-01-01")
    assert result["red_flags"] == [item_id.split(".", 1)[1] for item_id in RED_FLAG_ITEMS]
    assert result["refer_first"] is True
    assert result["referral"] == REFERRAL


@pytest.mark.parametrize("item_id", RED_FLAG_ITEMS)
def test_one_red_flag_refers_first(item_id: str) -> None:
    result = score({item_id: True})
    code = item_id.split(".", 1)[1]
    assert result["red_flags"] == [code]
    assert result["refer_first"] is True
    assert result["explanations"]["red_flags"] == [
        {
            "code": code,
            "rule": f"{INSTRUMENT.item(item_id).short_label}: reported.",
            "evidence": [{"item": item_id, "answer": True}],
        }
    ]


def test_no_red_flag_means_no_referral() -> None:
    result = score()
    assert (result["red_flags"], result["refer_first"], result["referral"]) == ([], False, None)


@pytest.mark.parametrize(("onset_year", "flagged"), [(2020, False), (2021, True), (2022, True)])
def test_onset_after_50_counts_from_age_50(onset_year: int, flagged: bool) -> None:
    # born 1971: 2020 is 49, 2021 is 50
    result = score({"history.symptom_onset_year": onset_year}, birth_date="1971-05-02")
    assert result["red_flags"] == (["onset_after_50"] if flagged else [])
    assert result["refer_first"] is flagged


def test_onset_after_50_needs_the_birth_date() -> None:
    result = score({"history.symptom_onset_year": 2026}, birth_date=None)
    assert result["red_flags"] == []


def test_onset_after_50_needs_the_onset_year() -> None:
    result = score(birth_date="1900-01-01")
    assert result["red_flags"] == []


def test_onset_after_50_comes_last_with_its_evidence() -> None:
    result = score(
        {"history.symptom_onset_year": 2021, "red_flags.anaemia": True}, birth_date="1971-05-02"
    )
    assert result["red_flags"] == ["anaemia", "onset_after_50"]
    onset = result["explanations"]["red_flags"][1]
    assert onset["code"] == "onset_after_50"
    assert onset["evidence"] == [
        {"item": "history.symptom_onset_year", "answer": 2021},
        {"item": "patient.birth_date", "answer": "1971-05-02"},
    ]


# --- PHQ-4 --------------------------------------------------------------------------------------

PHQ_ITEMS = ["mood.phq_interest", "mood.phq_down", "mood.gad_nervous", "mood.gad_worry"]


def phq4(interest: int, down: int, nervous: int, worry: int) -> dict[str, Any] | None:
    return score(dict(zip(PHQ_ITEMS, (interest, down, nervous, worry), strict=True)))["phq4"]


def test_phq4_is_null_when_not_answered() -> None:
    assert score()["phq4"] is None


def test_phq4_is_null_unless_all_four_are_answered() -> None:
    # Validation rejects a partial PHQ-4; scoring still never reports half a questionnaire.
    assert (
        score({"mood.phq_interest": 3, "mood.phq_down": 3, "mood.gad_nervous": 3})["phq4"] is None
    )


def test_phq4_all_zero_is_reported_not_null() -> None:
    assert phq4(0, 0, 0, 0) == {
        "phq2": 0,
        "gad2": 0,
        "total": 0,
        "band": "normal",
        "depression_screen_positive": False,
        "anxiety_screen_positive": False,
    }


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ((1, 1, 0, 0), "normal"),  # 2
        ((1, 1, 1, 0), "mild"),  # 3
        ((2, 1, 1, 1), "mild"),  # 5
        ((2, 1, 2, 1), "moderate"),  # 6
        ((2, 2, 2, 2), "moderate"),  # 8
        ((3, 2, 2, 2), "severe"),  # 9
        ((3, 3, 3, 3), "severe"),  # 12
    ],
)
def test_phq4_bands(answers: tuple[int, int, int, int], band: str) -> None:
    result = phq4(*answers)
    assert result is not None
    assert result["total"] == sum(answers)
    assert result["band"] == band


@pytest.mark.parametrize(
    ("answers", "depression", "anxiety"),
    [
        ((1, 1, 1, 1), False, False),
        ((2, 1, 1, 1), True, False),  # phq2 = 3
        ((1, 1, 2, 1), False, True),  # gad2 = 3
        ((3, 3, 3, 3), True, True),
    ],
)
def test_phq4_screens_positive_at_3(
    answers: tuple[int, int, int, int], depression: bool, anxiety: bool
) -> None:
    result = phq4(*answers)
    assert result is not None
    assert result["phq2"] == answers[0] + answers[1]
    assert result["gad2"] == answers[2] + answers[3]
    assert result["depression_screen_positive"] is depression
    assert result["anxiety_screen_positive"] is anxiety


def test_phq4_is_never_folded_into_the_mood_score() -> None:
    assert score(dict.fromkeys(PHQ_ITEMS, 3))["domains"]["mood"]["score"] == 0


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
