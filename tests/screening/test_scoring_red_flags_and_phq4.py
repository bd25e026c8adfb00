"""Red flags (referral first, onset after 50) and the PHQ-4 block of the scoring engine.

Pure tests: no database. Documents come from `tests.screening.scoring_support.score`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.screening.scoring_support import INSTRUMENT, PHQ_ITEMS, score

REFERRAL = INSTRUMENT.texts["referral"]


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
