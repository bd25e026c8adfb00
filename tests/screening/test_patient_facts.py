"""One rule for the patient's facts: a missing birth date comes from the patient record.

The same answers give the same red flags through the JSON API and the patient form (FHIR in
tests/api/test_fhir_subject_and_time.py); a birth date that differs from the record's is refused.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from clinic.intake_form.submission import invitation_submit
from clinic.models import ApiClient, Clinic, Patient
from clinic.services import api_client_create, invitation_create, invitation_draft_save
from screening.models import Intake, Screening
from screening.samples import sample_document
from screening.services import intake_submit
from screening.validation import IntakeInvalid
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

# Gut symptoms since 2021 in a patient born in 1970: onset at 51, an alarm feature.
ONSET_2021 = {"history.symptom_onset_year": 2021}


@pytest.fixture
def born_1970(clinic_a: Clinic) -> Patient:
    return PatientFactory(clinic=clinic_a, birth_date=datetime.date(1970, 3, 1))


@pytest.fixture
def api(clinic_a: Clinic) -> APIClient:
    token = api_client_create(clinic=clinic_a, name="ehr", scope=ApiClient.Scope.READ_WRITE)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def without_birth_date() -> dict[str, Any]:
    return sample_document(completed_on="2026-11-24", birth_date=None, answers=ONSET_2021)


def test_the_json_api_takes_the_birth_date_from_the_record(
    api: APIClient, born_1970: Patient
) -> None:
    response = api.post(
        "/api/v1/intakes/", {"patient": born_1970.pk, "document": without_birth_date()}, "json"
    )

    assert response.status_code == 201, response.content
    result = response.json()["result"]
    assert result["red_flags"] == ["onset_after_50"]
    assert result["refer_first"] is True
    intake = Intake.objects.get()
    assert intake.birth_date_source == Intake.BirthDateSource.PATIENT_RECORD
    assert intake.document["patient"] == {"birth_date": "1970-03-01"}
    stored = api.get(f"/api/v1/intakes/{intake.pk}/").json()
    assert stored["birth_date_source"] == "patient_record"


def test_the_form_takes_the_birth_date_from_the_record_too(born_1970: Patient) -> None:
    invitation, _ = invitation_create(patient=born_1970)
    invitation_draft_save(invitation=invitation, answers=without_birth_date()["answers"], step=9)

    intake = invitation_submit(invitation=invitation)

    result = Screening.objects.get(intake=intake).result
    assert result["red_flags"] == ["onset_after_50"] and result["refer_first"] is True
    assert intake.birth_date_source == Intake.BirthDateSource.PATIENT_RECORD


def test_the_api_and_the_form_give_the_same_result_for_the_same_answers(
    api: APIClient, born_1970: Patient
) -> None:
    by_api = api.post(
        "/api/v1/intakes/", {"patient": born_1970.pk, "document": without_birth_date()}, "json"
    ).json()["result"]
    invitation, _ = invitation_create(patient=born_1970)
    answers = without_birth_date()["answers"]
    invitation_draft_save(invitation=invitation, answers=answers, step=9)
    by_form = Screening.objects.get(intake=invitation_submit(invitation=invitation)).result

    # The form's completion date is today's; everything age-related is the same.
    assert by_form["red_flags"] == by_api["red_flags"] == ["onset_after_50"]
    assert by_form["refer_first"] == by_api["refer_first"] is True


def test_a_birth_date_that_differs_from_the_record_is_refused_naming_it(
    api: APIClient, born_1970: Patient
) -> None:
    document = sample_document(birth_date="1980-03-01", answers=ONSET_2021)

    response = api.post("/api/v1/intakes/", {"patient": born_1970.pk, "document": document}, "json")

    assert response.status_code == 400
    assert "patient.birth_date" in response.content.decode()
    assert "differs from the birth date in the patient's record" in response.content.decode()
    assert not Intake.objects.exists() and not Screening.objects.exists()


def test_a_birth_date_equal_to_the_record_is_kept_as_sent(born_1970: Patient) -> None:
    document = sample_document(birth_date="1970-03-01", answers=ONSET_2021)

    screening = intake_submit(patient=born_1970, document=document)

    assert screening.intake.birth_date_source == Intake.BirthDateSource.DOCUMENT
    assert screening.refer_first is True


def test_a_document_birth_date_is_used_when_the_record_has_none(clinic_a: Clinic) -> None:
    unknown = PatientFactory(clinic=clinic_a, birth_date=None)

    sent = intake_submit(patient=unknown, document=sample_document(birth_date="1970-03-01"))
    neither = intake_submit(patient=unknown, document=sample_document(birth_date=None))

    assert sent.intake.birth_date_source == Intake.BirthDateSource.DOCUMENT
    assert neither.intake.birth_date_source == Intake.BirthDateSource.NONE
    assert "patient" not in neither.intake.document


def test_a_malformed_birth_date_is_named_as_malformed_not_as_differing(
    born_1970: Patient,
) -> None:
    with pytest.raises(IntakeInvalid) as refused:
        intake_submit(patient=born_1970, document=sample_document(birth_date="1970-3-1"))

    assert [(p.item, p.code) for p in refused.value.problems] == [
        ("patient.birth_date", "invalid_date")
    ]


def test_a_record_birth_date_after_completion_is_a_problem_of_the_document(
    clinic_a: Clinic,
) -> None:
    mistyped = PatientFactory(clinic=clinic_a, birth_date=datetime.date(2026, 12, 31))

    with pytest.raises(IntakeInvalid) as refused:
        intake_submit(
            patient=mistyped, document=sample_document(completed_on="2026-11-24", birth_date=None)
        )

    assert refused.value.problems[0].item == "patient.birth_date"
