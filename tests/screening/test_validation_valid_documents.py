"""Intake validation of valid documents: the sample, a fully answered document, random
documents, and validation leaving the document untouched.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from screening.samples import random_document, sample_document
from screening.validation import ensure_valid, validate_intake
from tests.screening.validation_support import FOODS, INSTRUMENT, TODAY, food


def fully_answered() -> dict[str, Any]:
    return sample_document(
        answers={
            "bloating.frequency": 3,
            FOODS: [
                food("dairy", onset_year=2024),
                food("other", name="buckwheat", onset_year=2019, tolerated=False),
            ],
            "sensitivities.list_growing": 2,
            "sensitivities.elimination_tried": True,
            "sensitivities.elimination_relief": "temporary",
            "skin.diagnosed": ["atopic_dermatitis", "rosacea"],
            "mood.phq_interest": 1,
            "mood.phq_down": 2,
            "mood.gad_nervous": 3,
            "mood.gad_worry": 0,
            "immune.autoimmune": False,
            "support.fibre_servings_day": 2,
            "support.polyphenol_foods": 1,
            "support.fermented_or_probiotic": True,
            "support.glutamine_or_zinc": False,
            "history.main_concern": "Bloating after <b>every</b> meal & tired.",
            "history.symptom_onset_year": 2015,
            "history.diagnoses": "",
            "history.medications": "Omeprazole",
        }
    )


# --- valid documents ------------------------------------------------------------------------


def test_the_sample_document_is_valid() -> None:
    assert validate_intake(sample_document(), today=TODAY) == []


def test_a_fully_answered_document_is_valid_and_answers_every_item() -> None:
    document = fully_answered()

    assert set(document["answers"]) == set(INSTRUMENT.items)
    assert validate_intake(document, today=TODAY) == []


def test_a_document_without_patient_is_valid() -> None:
    assert validate_intake(sample_document(birth_date=None), today=TODAY) == []


@pytest.mark.parametrize("seed", range(200))
def test_random_documents_are_always_valid(seed: int) -> None:
    document = random_document(random.Random(seed))

    assert validate_intake(document, today=TODAY) == []


def test_ensure_valid_returns_the_documents_instrument() -> None:
    assert ensure_valid(sample_document(), today=TODAY) is INSTRUMENT


def test_validation_leaves_the_document_untouched() -> None:
    document = fully_answered()
    document["answers"]["bloating.frequency"] = "3"
    before = copy.deepcopy(document)

    validate_intake(document, today=TODAY)

    assert document == before
