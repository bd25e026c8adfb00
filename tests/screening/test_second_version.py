"""A second instrument version is one more folder: nothing outside it names version 1.

The test registers a throwaway version 2 (version 1 with the onset-year item renamed and
engine 2.0.0) and shows that validation, scoring, the form's steps, the FHIR Questionnaire,
the report context, samples and the dashboard's trend all work for it. A version 2 declares
its roles, so the generic code follows the renamed item without a change.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from clinic.intake_form.steps import intake_steps, review_sections
from reports.context import report_context
from screening.fhir.questionnaire import questionnaire_resource
from screening.instruments import INSTRUMENTS, get_instrument
from screening.instruments.definition import Instrument, Section
from screening.models import Screening
from screening.rules import AgeAtLeast
from screening.samples import random_document, sample_document
from screening.scoring import score_intake
from screening.selectors import patient_trend
from screening.summary import result_summary_text
from screening.validation import validate_intake

V1 = get_instrument("barrier-intake", 1)
ONSET = "history.first_symptoms_year"
TODAY = date(2026, 12, 31)
REPOSITORY = Path(__file__).resolve().parents[2]


def with_onset_item_renamed(section: Section) -> Section:
    items = tuple(
        replace(item, id=ONSET, label="In which year did your first gut symptoms appear?")
        if item.id == V1.roles.onset_year
        else item
        for item in section.items
    )
    return replace(section, items=items)


def version_2() -> Instrument:
    """Version 1 with one item changed, as its own folder would declare it."""
    return replace(
        V1,
        version=2,
        engine="2.0.0",
        sections=tuple(
            with_onset_item_renamed(section) if section.id == V1.roles.history else section
            for section in V1.sections
        ),
        roles=replace(V1.roles, onset_year=ONSET),
        red_flags=tuple(
            replace(flag, rule=AgeAtLeast(ONSET, 50)) if flag.code == V1.roles.onset_flag else flag
            for flag in V1.red_flags
        ),
    )


@pytest.fixture
def v2(monkeypatch: pytest.MonkeyPatch) -> Instrument:
    instrument = version_2()
    monkeypatch.setitem(INSTRUMENTS, (instrument.id, instrument.version), instrument)
    return instrument


def late_onset_document(instrument: Instrument) -> dict[str, object]:
    return sample_document(instrument=instrument, birth_date="1950-03-01", answers={ONSET: 2001})


def test_a_version_2_document_validates_and_a_version_1_item_does_not(v2: Instrument) -> None:
    assert validate_intake(late_onset_document(v2), today=TODAY) == []
    stale = sample_document(instrument=v2, answers={V1.roles.onset_year: 2001})
    assert [problem.item for problem in validate_intake(stale, today=TODAY)] == [
        V1.roles.onset_year
    ]


def test_version_2_is_scored_by_its_engine_with_its_renamed_item(v2: Instrument) -> None:
    result = score_intake(late_onset_document(v2), v2)
    assert (result["version"], result["engine"]) == (2, "2.0.0")
    assert result["red_flags"] == ["onset_after_50"]
    assert result["explanations"]["red_flags"][0]["evidence"] == [
        {"item": ONSET, "answer": 2001},
        {"item": "patient.birth_date", "answer": "1950-03-01"},
    ]


def test_random_version_2_documents_are_valid_and_score(v2: Instrument) -> None:
    rng = random.Random(2)
    for _ in range(20):
        document = random_document(rng, instrument=v2)
        assert validate_intake(document, today=TODAY) == []
        assert score_intake(document, v2)["version"] == 2


def test_the_form_steps_ask_the_version_2_item(v2: Instrument) -> None:
    steps = intake_steps(v2)
    assert any(ONSET in step.item_ids for step in steps)
    answers = late_onset_document(v2)["answers"]
    assert isinstance(answers, dict)
    reviewed = review_sections(v2, steps, answers, "/intake/x/")
    assert "In which year did your first gut symptoms appear?" in str(reviewed)


def test_the_fhir_questionnaire_is_version_2(v2: Instrument) -> None:
    resource = questionnaire_resource(v2)
    assert resource["version"] == "2"
    assert ONSET in str(resource)
    assert V1.roles.onset_year not in str(resource)


def test_the_report_context_and_text_word_version_2(v2: Instrument) -> None:
    document = late_onset_document(v2)
    result = score_intake(document, v2)
    context = report_context(document=document, result=result)
    assert context["instrument"] == "Gut barrier intake, version 2"
    assert context["alarm"]["features"] == [
        "Gut symptoms that began at age 50 or later (in 2001, born 1950)"
    ]
    assert {"label": "Year the symptoms started", "text": "2001"} in context["history"]
    assert "engine 2.0.0" in result_summary_text(result, v2)


def test_the_patients_trend_follows_the_version_of_the_newest_screening(v2: Instrument) -> None:
    result = score_intake(late_onset_document(v2), v2)
    screening = Screening(result=result, completed_on=date(2026, 11, 24))
    trend = patient_trend(screenings=[screening])
    assert trend["titles"] == [section.title for section in v2.domains]


V1_ITEM_IDS = sorted(V1.items)
APP_FOLDERS = ("clinic", "screening", "reports", "notifications")
V1_FOLDER = REPOSITORY / "screening" / "instruments" / "barrier_intake" / "v1"


def test_no_module_outside_the_version_folder_names_a_version_1_item_or_the_version() -> None:
    ids = "|".join(map(re.escape, V1_ITEM_IDS))
    quoted_ids = re.compile(rf"""["'](?:{ids})["']|\("barrier-intake", 1\)""")
    naming = [
        f"{path.relative_to(REPOSITORY)}:{number}"
        for folder in APP_FOLDERS
        for path in (REPOSITORY / folder).rglob("*.py")
        if V1_FOLDER not in path.parents and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if quoted_ids.search(line)
    ]
    assert naming == []
