"""Answers for the intake form tests, the form posts that give them (derived from the
instrument, like the form itself), and the steps of sending them through Django's test client."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from screening.instruments import get_instrument
from screening.instruments.definition import ItemType, Section

INSTRUMENT = get_instrument("barrier-intake", 1)

FOODS = [
    {"food": "dairy", "onset_year": 2024, "previously_tolerated": True},
    {"food": "other", "name": "Buckwheat", "onset_year": 2019, "previously_tolerated": False},
    {"food": "gluten", "onset_year": 2025, "previously_tolerated": True},
]

# Every kind of question answered; free text with markup to prove it is escaped.
ANSWERS: dict[str, Any] = {
    "bloating.frequency": 3,
    "bloating.after_small_meals": 3,
    "bloating.after_tolerated_foods": 2,
    "bloating.after_water": 2,
    "bloating.persistent": 3,
    "bloating.unpredictable": 2,
    "sensitivities.foods": FOODS,
    "sensitivities.list_growing": 2,
    "sensitivities.elimination_tried": True,
    "sensitivities.elimination_relief": "temporary",
    "fatigue.unrefreshed": 3,
    "fatigue.brain_fog": 3,
    "fatigue.effort": 2,
    "fatigue.energy_crash": 2,
    "fatigue.sleep_hours": 8,
    "skin.eczema_flares": 1,
    "skin.rosacea": 2,
    "skin.breakouts_with_gut": 2,
    "skin.food_reactions": 1,
    "skin.diagnosed": ["atopic_dermatitis", "acne"],
    "mood.food_anxiety": 2,
    "mood.eating_unreliable": 1,
    "mood.mood_tracks_gut": 2,
    "mood.life_contracted": 1,
    "mood.phq_interest": 1,
    "mood.phq_down": 1,
    "mood.gad_nervous": 2,
    "mood.gad_worry": 2,
    "immune.colds_per_year": 4,
    "immune.slow_recovery": 1,
    "immune.allergies_worse": 2,
    "immune.new_reactions": 1,
    "immune.autoimmune": False,
    "red_flags.weight_loss": False,
    "red_flags.blood_in_stool": False,
    "red_flags.nocturnal_symptoms": True,
    "red_flags.persistent_vomiting": False,
    "red_flags.dysphagia": False,
    "red_flags.fever_night_sweats": False,
    "red_flags.family_history": False,
    "red_flags.anaemia": False,
    "factors.antibiotic_courses_12m": 1,
    "factors.nsaid_use": 1,
    "factors.alcohol_units_week": 4,
    "factors.high_fat_processed_diet": 2,
    "factors.stress": 3,
    "factors.gi_infection_12m": False,
    "factors.acid_suppressants": False,
    "factors.smoking": False,
    "support.fibre_servings_day": 2,
    "support.polyphenol_foods": 1,
    "support.fermented_or_probiotic": False,
    "history.main_concern": "Bloating <b>after</b> meals & always tired",
    "history.symptom_onset_year": 2019,
    "history.medications": "Vitamin D",
}

SECTION_SLUGS = [section.id.replace("_", "-") for section in INSTRUMENT.sections]
STEP_SLUGS = ["welcome", *SECTION_SLUGS, "review"]


def posted_value(item_type: ItemType, value: Any) -> Any:
    if item_type is ItemType.BOOLEAN:
        return "yes" if value else "no"
    if item_type is ItemType.MULTI_CHOICE:
        return list(value)
    return str(value)


def food_post(foods: list[dict[str, Any]]) -> dict[str, str]:
    data = {}
    for row, entry in enumerate(foods):
        data[f"food-{row}-food"] = entry["food"]
        data[f"food-{row}-name"] = entry.get("name", "")
        data[f"food-{row}-onset_year"] = str(entry["onset_year"])
        data[f"food-{row}-previously_tolerated"] = "yes" if entry["previously_tolerated"] else "no"
    return data


def section_post(section: Section, answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The post of a step as a browser without JavaScript sends it."""
    data: dict[str, Any] = {"action": "continue"}
    for item in section.items:
        if item.id not in answers:
            continue
        if item.type is ItemType.FOOD_LIST:
            data.update(food_post(answers[item.id]))
        else:
            data[item.id] = posted_value(item.type, answers[item.id])
    data.update(extra)
    return data


def url(token: str, step: str | None = None) -> str:
    return f"/intake/{token}/" + (f"{step}/" if step else "")


def start(client: Client, token: str) -> None:
    response = client.post(url(token, "welcome"), {"consent": "on"})
    assert response.status_code == 302


def fill_sections(client: Client, token: str, answers: dict[str, Any], *, until: str) -> None:
    """Post every section step before `until` with the answers; each moves on."""
    for section, slug in zip(INSTRUMENT.sections, STEP_SLUGS[1:-1], strict=True):
        if slug == until:
            return
        response = client.post(url(token, slug), section_post(section, answers))
        assert response.status_code == 302, (slug, response.content.decode()[:3000])


def summary_links(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert block, "no error summary"
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', block.group(0))
