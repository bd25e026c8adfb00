"""Domain scores of the scoring engine: rounding, bands, the sensitivities formula and
which domains are elevated, at and around each threshold of SCREENING.md.

Pure tests: no database. Documents come from `tests.screening.scoring_support.score`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from screening.instruments.arithmetic import round_half_up
from screening.instruments.definition import band_of
from tests.screening.scoring_support import DOMAINS, ELEVATING, INSTRUMENT, foods, score

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


# --- elevated domains and overall ---------------------------------------------------------------


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
