"""A patient's archive (the right of access): read back and compared with what is stored."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from audit.models import AuditEvent
from clinic.models import Patient, User
from reports.models import Report, reports_storage
from screening.documents import canonical_json
from screening.models import Intake, Screening
from screening.services import (
    intake_mark_entered_in_error,
    screening_acknowledge_alarm,
    screening_review,
)
from tests.api_callers import Tokens, bearer, staff_session
from tests.reports.builders import busy_result
from tests.reports.conftest import MakeScreening

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.7\n% synthetic report for the export test\n%%EOF\n"


def ready_report(screening: Screening) -> Report:
    """The screening's queued report, made ready with a stored (synthetic) PDF."""
    report = Report.objects.filter(screening=screening).latest("id")
    name = reports_storage().save(f"reports/test-{screening.pk}.pdf", ContentFile(FAKE_PDF))
    report.file.name = name
    report.status = Report.Status.READY
    report.sha256 = hashlib.sha256(FAKE_PDF).hexdigest()
    report.size = len(FAKE_PDF)
    report.save()
    return report


@pytest.fixture
def recorded(
    patient: Patient, practitioner: User, make_screening: MakeScreening, report_files: Path
) -> dict[str, Any]:
    """Two screenings of the patient: one acknowledged and reviewed with notes, one whose
    intake was entered in error; the first has a ready PDF."""
    reviewed = make_screening(result=busy_result(refer_first=True))
    screening_acknowledge_alarm(
        screening=reviewed, user=practitioner, action="referred", note="Sent to the GP."
    )
    screening_review(screening=reviewed, user=practitioner, notes="Diet diary next.", reviewed=True)
    mistaken = make_screening(result=busy_result(refer_first=False))
    intake_mark_entered_in_error(intake=mistaken.intake, user=practitioner, reason="Wrong patient")
    report = ready_report(reviewed)
    return {"reviewed": reviewed, "mistaken": mistaken, "report": report}


def read_archive(content: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    return archive


def test_the_api_export_holds_every_stored_document_byte_for_byte(
    patient: Patient, tokens: Tokens, recorded: dict[str, Any]
) -> None:
    # when
    response = bearer(tokens.a_read).get(f"/api/v1/patients/{patient.pk}/export/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = read_archive(response.content)
    record = json.loads(archive.read("patient.json"))
    assert record["patient"]["external_id"] == patient.external_id
    assert record["patient"]["given_name"] == patient.given_name
    intakes = Intake.objects.filter(patient=patient)
    assert sorted(i["id"] for i in record["intakes"]) == sorted(i.pk for i in intakes)
    for intake in intakes:
        stored = archive.read(f"intakes/{intake.pk}.json")
        assert stored == canonical_json(intake.document).encode()
        assert hashlib.sha256(stored).hexdigest() == intake.document_sha256
    screenings = Screening.objects.filter(patient=patient)
    assert sorted(s["id"] for s in record["screenings"]) == sorted(s.pk for s in screenings)
    for screening in screenings:
        assert archive.read(f"screenings/{screening.pk}-result.json") == (
            screening.result_json.encode()
        )


def test_the_export_keeps_reviews_acknowledgements_and_entered_in_error_marks(
    patient: Patient, tokens: Tokens, recorded: dict[str, Any]
) -> None:
    response = bearer(tokens.a_read).get(f"/api/v1/patients/{patient.pk}/export/")

    record = json.loads(read_archive(response.content).read("patient.json"))
    screenings = {s["id"]: s for s in record["screenings"]}
    reviewed = screenings[recorded["reviewed"].pk]
    assert reviewed["practitioner_notes"] == "Diet diary next."
    assert reviewed["review"]["reviewed_at"]
    assert [r["notes"] for r in reviewed["note_revisions"]] == ["Diet diary next."]
    assert reviewed["alarm_acknowledgement"]["action"] == "referred"
    assert reviewed["alarm_acknowledgement"]["note"] == "Sent to the GP."
    assert screenings[recorded["mistaken"].pk]["entered_in_error"] is True
    intakes = {i["id"]: i for i in record["intakes"]}
    assert intakes[recorded["mistaken"].intake_id]["entered_in_error"]["reason"] == (
        "Wrong patient"
    )
    assert intakes[recorded["reviewed"].intake_id]["entered_in_error"] is None


def test_the_export_holds_the_ready_pdfs_as_stored(
    patient: Patient, tokens: Tokens, recorded: dict[str, Any]
) -> None:
    report: Report = recorded["report"]

    response = bearer(tokens.a_read).get(f"/api/v1/patients/{patient.pk}/export/")

    archive = read_archive(response.content)
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert len(pdfs) == 1  # the other screening's report is still queued
    content = archive.read(pdfs[0])
    assert hashlib.sha256(content).hexdigest() == report.sha256
    with reports_storage().open(report.file.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == report.sha256
    record = json.loads(archive.read("patient.json"))
    assert [r["file"] for r in record["reports"]] == pdfs


def test_the_fhir_bundle_is_valid_r4_with_every_resource_of_the_patient(
    patient: Patient, tokens: Tokens, recorded: dict[str, Any]
) -> None:
    response = bearer(tokens.a_read).get(f"/api/v1/patients/{patient.pk}/export/")

    bundle = json.loads(read_archive(response.content).read("fhir-bundle.json"))
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    resources = [entry["resource"] for entry in bundle["entry"]]
    kinds = [resource["resourceType"] for resource in resources]
    assert kinds.count("QuestionnaireResponse") == 2
    assert kinds.count("RiskAssessment") == 2
    assert "Observation" in kinds
    statuses = {
        r["id"]: r["status"] for r in resources if r["resourceType"] == "QuestionnaireResponse"
    }
    assert statuses[str(recorded["mistaken"].intake_id)] == "entered-in-error"


def test_the_api_export_is_audited_as_an_export_of_the_patient(
    patient: Patient, tokens: Tokens, recorded: dict[str, Any]
) -> None:
    bearer(tokens.a_read).get(f"/api/v1/patients/{patient.pk}/export/")

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.object_type == "patient"
    assert event.object_id == str(patient.pk)
    assert event.clinic_id == patient.clinic_id
    assert event.api_client is not None
    assert event.detail == "2 intakes, 2 screenings, 1 PDFs"


def test_another_clinics_patient_is_not_found_and_nothing_is_exported(
    patient: Patient, tokens: Tokens
) -> None:
    response = bearer(tokens.b_client).get(f"/api/v1/patients/{patient.pk}/export/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_a_patient_without_records_exports_an_archive_of_the_patient_alone(
    patient: Patient, practitioner: User
) -> None:
    response = staff_session(practitioner).get(f"/api/v1/patients/{patient.pk}/export/")

    archive = read_archive(response.content)
    assert sorted(archive.namelist()) == ["fhir-bundle.json", "patient.json"]
    Bundle.model_validate(json.loads(archive.read("fhir-bundle.json")))


def test_the_dashboard_button_exports_the_archive_and_audits_it(
    patient: Patient, practitioner: User, recorded: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(practitioner)
    url = reverse("dashboard:patient_export", args=[patient.pk])
    assert url in client.get(reverse("dashboard:patient", args=[patient.pk])).content.decode()

    response = client.post(url)

    assert response.status_code == 200
    assert "patient.json" in read_archive(response.content).namelist()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.object_type, event.object_id, event.user_id) == (
        "patient",
        str(patient.pk),
        practitioner.pk,
    )


def test_the_dashboard_export_is_post_only_and_of_the_staffs_clinic(
    patient: Patient, practitioner_b: User
) -> None:
    client = Client()
    client.force_login(practitioner_b)
    url = reverse("dashboard:patient_export", args=[patient.pk])

    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
