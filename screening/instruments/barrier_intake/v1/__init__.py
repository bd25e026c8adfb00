"""Barrier-intake version 1 (SCREENING.md), everything of the version in this folder.

`items` declares the questions, `findings` the patterns, red flags, factors and discussion
points, `formulas` the scores and PHQ-4, `demo` the demo answer profiles; `golden/` holds
input documents with the result this version must give, byte for byte. The roles tell the
generic code which item plays which part. Released: nothing here changes; a new version is a
new folder beside this one.
"""

from __future__ import annotations

from screening.instruments.barrier_intake.v1.demo import DEMO_PROFILES
from screening.instruments.barrier_intake.v1.findings import (
    DISCUSSION_POINTS,
    FACTORS,
    FINDINGS,
    PATTERNS,
    RED_FLAGS,
)
from screening.instruments.barrier_intake.v1.formulas import FORMULAS, PHQ_ITEMS
from screening.instruments.barrier_intake.v1.items import SECTIONS
from screening.instruments.definition import AllOrNone, Band, FoodList, Instrument, Roles

INSTRUMENT = Instrument(
    id="barrier-intake",
    version=1,
    title="Gut barrier intake",
    url="https://barrier-intake.example.org/fhir/Questionnaire/barrier-intake",
    engine="1.0.0",
    sections=SECTIONS,
    roles=Roles(
        food_list="sensitivities.foods",
        phq4="PHQ-4",
        phq4_domain="mood",
        red_flags="red_flags",
        onset_flag="onset_after_50",
        onset_year="history.symptom_onset_year",
        history="history",
        # A full night's sleep is the unremarkable answer.
        sample_answers={"fatigue.sleep_hours": 8},
    ),
    bands=(
        Band("minimal", 0, "Minimal"),
        Band("mild", 25, "Mild"),
        Band("moderate", 50, "Moderate", elevated=True),
        Band("marked", 75, "Marked", elevated=True),
    ),
    formulas=FORMULAS,
    all_or_none=(AllOrNone(name="PHQ-4", items=PHQ_ITEMS),),
    patterns=PATTERNS,
    red_flags=RED_FLAGS,
    factors=FACTORS,
    discussion_points=DISCUSSION_POINTS,
    food_list=FoodList(other_code="other", name_max_length=100, onset_minimum=1900),
    texts={
        "referral": (
            "alarm features reported — medical evaluation is recommended before symptoms are "
            "attributed to a barrier-related pattern"
        ),
        "disclaimer": "A screening, not a diagnosis.",
    },
    findings=FINDINGS,
    demo_profiles=DEMO_PROFILES,
)
