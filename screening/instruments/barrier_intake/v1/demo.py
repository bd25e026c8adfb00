"""Barrier-intake version 1: the answer profiles of the demo data (`manage.py seed_demo`).

Each profile takes the year the intake was completed and returns the answers that differ from
the unremarkable baseline of a sample document. Every answer is invented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Answers = dict[str, Any]


def unremarkable(year: int) -> Answers:
    return {}


def mild_bloating(year: int) -> Answers:
    return {
        "bloating.frequency": 2,
        "bloating.after_small_meals": 2,
        "bloating.persistent": 1,
        "factors.stress": 2,
        "support.fibre_servings_day": 4,
    }


def disproportionate_bloating(year: int) -> Answers:
    return {
        "bloating.frequency": 3,
        "bloating.after_small_meals": 3,
        "bloating.after_tolerated_foods": 2,
        "bloating.after_water": 2,
        "bloating.persistent": 3,
        "bloating.unpredictable": 2,
        "factors.nsaid_use": 3,
        "support.fibre_servings_day": 2,
        "support.polyphenol_foods": 1,
    }


def multi_domain(year: int) -> Answers:
    return {
        **disproportionate_bloating(year),
        "sensitivities.foods": [
            {"food": "dairy", "onset_year": year - 1, "previously_tolerated": True},
            {"food": "gluten", "onset_year": year - 2, "previously_tolerated": True},
            {
                "food": "other",
                "name": "buckwheat",
                "onset_year": year - 8,
                "previously_tolerated": False,
            },
        ],
        "sensitivities.list_growing": 3,
        "sensitivities.elimination_tried": True,
        "sensitivities.elimination_relief": "temporary",
        "fatigue.unrefreshed": 3,
        "fatigue.brain_fog": 3,
        "fatigue.effort": 2,
        "fatigue.energy_crash": 3,
        "skin.eczema_flares": 2,
        "skin.breakouts_with_gut": 2,
        "skin.diagnosed": ["atopic_dermatitis"],
        "factors.antibiotic_courses_12m": 2,
        "support.fermented_or_probiotic": False,
        "support.glutamine_or_zinc": False,
    }


def gut_brain_with_phq4(year: int) -> Answers:
    return {
        "mood.food_anxiety": 3,
        "mood.eating_unreliable": 2,
        "mood.mood_tracks_gut": 3,
        "mood.life_contracted": 2,
        "mood.phq_interest": 1,
        "mood.phq_down": 1,
        "mood.gad_nervous": 2,
        "mood.gad_worry": 2,
        "factors.stress": 3,
        "fatigue.sleep_hours": 6,
    }


def immune_dysregulation(year: int) -> Answers:
    return {
        "immune.colds_per_year": 6,
        "immune.slow_recovery": 3,
        "immune.allergies_worse": 2,
        "immune.new_reactions": 3,
        "immune.autoimmune": False,
        "factors.gi_infection_12m": True,
    }


def red_flags(year: int) -> Answers:
    return {
        **mild_bloating(year),
        "red_flags.weight_loss": True,
        "red_flags.blood_in_stool": True,
        "history.main_concern": "Losing weight without trying, and <b>dark</b> stools.",
    }


def late_onset(year: int) -> Answers:
    return {
        **mild_bloating(year),
        "history.symptom_onset_year": year - 1,
        "factors.acid_suppressants": True,
        "factors.alcohol_units_week": 18,
    }


DEMO_PROFILES: dict[str, Callable[[int], Answers]] = {
    profile.__name__: profile
    for profile in (
        unremarkable,
        mild_bloating,
        disproportionate_bloating,
        multi_domain,
        gut_brain_with_phq4,
        immune_dysregulation,
        red_flags,
        late_onset,
    )
}
