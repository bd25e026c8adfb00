"""Intakes entered in error in the API: out of the lists unless asked for, readable by id,
`entered-in-error` in FHIR, and documented as a filter of both lists."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.riskassessment import RiskAssessment
from rest_framework.test import APIClient

from clinic.models import Patient, User
from screening.models import Intake, Screening
from screening.samples import sample_document
from screening.serializers import timestamp
from screening.services import intake_mark_entered_in_error
from tests.factories import screening_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(patient: Patient) -> Screening:
    return screening_for(patient, sample_document(completed_on="2026-01-10"))


@pytest.fixture
def marked(patient: Patient, practitioner: User, kept: Screening) -> Screening:
    """A later screening whose intake was marked entered in error."""
    screening = screening_for(patient, sample_document(completed_on="2026-06-10"))
    intake_mark_entered_in_error(
        intake=screening.intake, user=practitioner, reason="Test submission"
    )
    return screening


def ids(writer: APIClient, path: str) -> list[int]:
    response = writer.get(path)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_unfiltered_screening_list_leaves_marked_screenings_out(
    writer: APIClient, kept: Screening, marked: Screening
) -> None:
    # the list's own statement, first page and a page after a cursor
    assert ids(writer, "/api/v1/screenings/") == [kept.pk]
    first = writer.get("/api/v1/screenings/?page_size=1").json()
    assert [row["id"] for row in first["results"]] == [kept.pk]
    assert first["next"] is None


def test_filtered_screening_lists_leave_them_out_unless_asked_for(
    writer: APIClient, patient: Patient, kept: Screening, marked: Screening
) -> None:
    assert ids(writer, f"/api/v1/screenings/?patient={patient.pk}") == [kept.pk]
    assert ids(writer, "/api/v1/screenings/?entered_in_error=false") == [kept.pk]
    assert ids(writer, "/api/v1/screenings/?entered_in_error=true") == [marked.pk]
    assert ids(writer, f"/api/v1/screenings/?entered_in_error=true&patient={patient.pk}") == [
        marked.pk
    ]
    assert writer.get("/api/v1/screenings/?entered_in_error=maybe").status_code == 400


def test_intake_lists_leave_marked_intakes_out_unless_asked_for(
    writer: APIClient, patient: Patient, kept: Screening, marked: Screening
) -> None:
    assert ids(writer, "/api/v1/intakes/") == [kept.intake_id]
    assert ids(writer, f"/api/v1/intakes/?patient={patient.pk}") == [kept.intake_id]
    assert ids(writer, "/api/v1/intakes/?entered_in_error=false") == [kept.intake_id]
    assert ids(writer, "/api/v1/intakes/?entered_in_error=true") == [marked.intake_id]


def test_detail_reads_still_work_and_show_the_mark(
    writer: APIClient, kept: Screening, marked: Screening
) -> None:
    intake = Intake.objects.get(pk=marked.intake_id)
    body = writer.get(f"/api/v1/intakes/{marked.intake_id}/").json()
    assert body["entered_in_error"] == {
        "at": timestamp(intake.entered_in_error_at),
        "reason": "Test submission",
    }
    assert body["document"] == intake.document
    assert writer.get(f"/api/v1/intakes/{kept.intake_id}/").json()["entered_in_error"] is None
    assert writer.get(f"/api/v1/screenings/{marked.pk}/").json()["id"] == marked.pk


def test_fhir_says_entered_in_error(writer: APIClient, kept: Screening, marked: Screening) -> None:
    def read(path: str) -> dict[str, Any]:
        response = writer.get(path)
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]

    response = read(f"/api/fhir/QuestionnaireResponse/{marked.intake_id}")
    assessment = read(f"/api/fhir/RiskAssessment/{marked.pk}")
    assert QuestionnaireResponse.model_validate(response).status == "entered-in-error"
    assert RiskAssessment.model_validate(assessment).status == "entered-in-error"
    assert read(f"/api/fhir/QuestionnaireResponse/{kept.intake_id}")["status"] == "completed"
    assert read(f"/api/fhir/RiskAssessment/{kept.pk}")["status"] == "final"
    assert read(f"/api/fhir/Observation/{marked.pk}-bloating")["status"] == "entered-in-error"
    assert read(f"/api/fhir/Observation/{kept.pk}-bloating")["status"] == "final"


def test_the_schema_documents_the_filter_and_the_mark(writer: APIClient) -> None:
    schema = writer.get("/api/schema/?format=json").json()
    for path in ("/api/v1/intakes/", "/api/v1/screenings/"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["entered_in_error"]["schema"] == {"type": "boolean"}
        assert "entered in error" in parameters["entered_in_error"]["description"]
    intake = schema["components"]["schemas"]["Intake"]["properties"]["entered_in_error"]
    assert "null" in str(intake)


def test_nothing_is_deleted(patient: Patient, practitioner: User) -> None:
    screening = screening_for(patient)
    before = Intake.objects.count(), Screening.objects.count()
    intake_mark_entered_in_error(intake=screening.intake, user=practitioner, reason="Wrong one")
    assert (Intake.objects.count(), Screening.objects.count()) == before
