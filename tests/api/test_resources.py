"""The v1 resources: patients (search), invitations (the private link), intakes, screenings
(the stored document verbatim, filters, cursor pages), reports, instruments; reads audited."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic.models import Clinic, Invitation, Patient
from clinic.services import invitation_by_token
from reports.models import Report, reports_storage
from screening.instruments import get_instrument
from screening.models import Screening
from screening.samples import sample_document
from tests.factories import PatientFactory, screening_for

pytestmark = pytest.mark.django_db


def test_patients_are_found_by_external_id_and_by_name(clinic_a: Clinic, writer: APIClient) -> None:
    PatientFactory(clinic=clinic_a, external_id="EHR-1", given_name="Mara", family_name="Quist")
    PatientFactory(clinic=clinic_a, external_id="EHR-2", given_name="Olav", family_name="Marsh")
    PatientFactory(clinic=clinic_a, external_id="EHR-3", given_name="Ines", family_name="Bell")

    def external_ids(query: str) -> list[str]:
        response = writer.get(f"/api/v1/patients/?{query}")
        assert response.status_code == 200
        return sorted(row["external_id"] for row in response.json()["results"])

    assert external_ids("external_id=EHR-2") == ["EHR-2"]
    assert external_ids("name=mar") == ["EHR-1", "EHR-2"]
    assert external_ids("name=mara quist") == ["EHR-1"]
    assert external_ids("external_id=EHR") == []


def test_a_patient_is_created_in_the_callers_clinic_and_updated(
    clinic_a: Clinic, writer: APIClient
) -> None:
    created = writer.post(
        "/api/v1/patients/",
        {
            "external_id": "EHR-7",
            "given_name": "Tove",
            "family_name": "Lind",
            "birth_date": "1980-02-03",
            "clinic": 999,  # not a field: the clinic is always the caller's
            "id": 12345,
        },
        format="json",
    )
    assert created.status_code == 201
    patient = Patient.objects.get(external_id="EHR-7")
    assert patient.clinic == clinic_a and patient.pk != 12345
    changed = writer.patch(
        f"/api/v1/patients/{patient.pk}/", {"email": "t@example.org"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["email"] == "t@example.org"
    actions = set(AuditEvent.objects.filter(object_type="patient").values_list("action", flat=True))
    assert actions == {"create", "update"}


def test_an_invitation_returns_the_private_link_once(writer: APIClient, patient: Patient) -> None:
    response = writer.post(
        "/api/v1/invitations/", {"patient": patient.pk, "ttl_days": 3}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["url"].startswith("http://testserver/intake/")
    token = body["url"].rstrip("/").rsplit("/", 1)[1]
    invitation = invitation_by_token(token)
    assert invitation is not None and invitation.patient == patient
    expires = Invitation.objects.get().expires_at
    assert abs(expires - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    assert token not in json.dumps(list(Invitation.objects.values()), default=str)


def test_an_intake_answers_with_its_screening(writer: APIClient, patient: Patient) -> None:
    response = writer.post(
        "/api/v1/intakes/",
        {"patient": patient.pk, "document": sample_document(answers={"bloating.after_water": 3})},
        format="json",
    )
    assert response.status_code == 201
    screening = Screening.objects.get()
    body = response.json()
    assert body["id"] == screening.pk and body["result"] == screening.result
    assert response["Location"] == body["links"]["self"]
    assert writer.get(body["links"]["intake"]).json()["document"] == screening.intake.document
    assert Report.objects.filter(screening=screening).exists()


def test_a_screening_is_served_as_its_stored_document(writer: APIClient, patient: Patient) -> None:
    screening = screening_for(patient)
    response = writer.get(f"/api/v1/screenings/{screening.pk}/")
    assert response.status_code == 200
    # the stored canonical text, byte for byte (keys in SCREENING.md order)
    assert f',"result":{screening.result_json}}}'.encode() in response.content
    assert list(response.json()["result"])[:4] == ["instrument", "version", "engine", "domains"]
    links = response.json()["links"]
    for name in ("self", "patient", "intake", "report", "fhir"):
        assert writer.get(links[name]).status_code == 200, name
    assert AuditEvent.objects.filter(
        action="read", object_type="screening", object_id=str(screening.pk)
    ).exists()


@pytest.fixture
def varied_screenings(clinic_a: Clinic) -> dict[str, Screening]:
    first, second = PatientFactory(clinic=clinic_a), PatientFactory(clinic=clinic_a)
    return {
        "plain": screening_for(first, sample_document(completed_on="2026-01-10")),
        "bloating": screening_for(
            first,
            sample_document(
                completed_on="2026-03-01",
                answers={"bloating.after_water": 3, "bloating.persistent": 2},
            ),
        ),
        "alarm": screening_for(
            second,
            sample_document(completed_on="2026-06-15", answers={"red_flags.weight_loss": True}),
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"plain", "bloating", "alarm"}),
        ("pattern=disproportionate_bloating", {"bloating"}),
        ("refer_first=true", {"alarm"}),
        ("refer_first=false", {"plain", "bloating"}),
        ("overall=none", {"plain", "alarm"}),
        ("overall=isolated", {"bloating"}),
        ("completed_after=2026-02-01", {"bloating", "alarm"}),
        ("completed_before=2026-03-01", {"plain", "bloating"}),
        ("completed_after=2026-02-01&completed_before=2026-05-01", {"bloating"}),
    ],
)
def test_screenings_are_filtered(
    query: str, expected: set[str], varied_screenings: dict[str, Screening], writer: APIClient
) -> None:
    response = writer.get(f"/api/v1/screenings/?{query}")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {varied_screenings[name].pk for name in expected}


def test_screenings_of_one_patient(
    varied_screenings: dict[str, Screening], writer: APIClient
) -> None:
    patient_id = varied_screenings["alarm"].patient_id
    rows = writer.get(f"/api/v1/screenings/?patient={patient_id}").json()["results"]
    assert [row["id"] for row in rows] == [varied_screenings["alarm"].pk]


@pytest.mark.parametrize(
    "query",
    ["overall=bad", "pattern=nope", "patient=abc", "completed_after=yesterday", "page_size=0"],
)
def test_bad_filters_are_400_naming_the_parameter(query: str, writer: APIClient) -> None:
    response = writer.get(f"/api/v1/screenings/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_pages_follow_the_cursor_to_the_end(clinic_a: Clinic, writer: APIClient) -> None:
    patient = PatientFactory(clinic=clinic_a)
    made = [screening_for(patient).pk for _ in range(7)]
    seen: list[int] = []
    url: str | None = "/api/v1/screenings/?page_size=3"
    while url:
        page = writer.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(made, reverse=True)
    assert writer.get("/api/v1/screenings/?page_size=101").status_code == 400


def test_the_report_state_download_and_regeneration(
    writer: APIClient, patient: Patient, clinic_a: Clinic
) -> None:
    screening = screening_for(patient)
    base = f"/api/v1/screenings/{screening.pk}/report"
    assert writer.get(f"{base}/").json()["status"] == "queued"
    not_ready = writer.get(f"{base}/pdf/", HTTP_ACCEPT="application/pdf")
    assert not_ready.status_code == 409
    assert not_ready["Content-Type"] == "application/json"
    # when the report is rendered
    name = reports_storage().save(f"reports/{clinic_a.pk}/t.pdf", ContentFile(b"%PDF-1.7 test"))
    Report.objects.filter(screening=screening).update(status="ready", file=name, size=13)
    status = writer.get(f"{base}/").json()
    assert status["links"]["pdf"].endswith(f"{base}/pdf/")
    download = writer.get(f"{base}/pdf/", HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == b"%PDF-1.7 test"
    assert "attachment" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(action="download", object_type="report").count() == 1
    # regeneration queues it again
    again = writer.post(f"{base}/regenerate/")
    assert again.status_code == 202 and again.json()["status"] == "queued"


def test_the_instrument_definition_is_served_by_id_and_version(writer: APIClient) -> None:
    response = writer.get("/api/v1/instruments/barrier-intake/1/")
    assert response.status_code == 200
    definition = response.json()
    instrument = get_instrument("barrier-intake", 1)
    items = [item["id"] for section in definition["sections"] for item in section["items"]]
    assert items == [item.id for item in instrument.iter_items()]
    assert [p["code"] for p in definition["patterns"]] == [p.code for p in instrument.patterns]
    assert writer.get("/api/v1/instruments/barrier-intake/2/").status_code == 404
    listed = writer.get("/api/v1/instruments/").json()
    assert listed[0]["links"]["self"].endswith("/api/v1/instruments/barrier-intake/1/")


def test_every_read_of_patient_data_is_audited_with_the_client(
    writer: APIClient, patient: Patient, tokens: Any
) -> None:
    screening = screening_for(patient)
    for path in (
        f"/api/v1/patients/{patient.pk}/",
        f"/api/v1/intakes/{screening.intake_id}/",
        f"/api/v1/screenings/{screening.pk}/",
        f"/api/fhir/QuestionnaireResponse/{screening.intake_id}",
        f"/api/fhir/RiskAssessment/{screening.pk}",
        "/api/v1/screenings/",
        "/api/v1/intakes/",
        "/api/v1/patients/",
    ):
        before = AuditEvent.objects.count()
        assert writer.get(path).status_code == 200
        events = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
        assert events, path
        assert all(
            event.api_client is not None and event.api_client.name == "practice-system"
            for event in events
        ), path


def test_a_list_read_is_one_audit_event_naming_its_rows(
    clinic_a: Clinic, writer: APIClient
) -> None:
    patient = PatientFactory(clinic=clinic_a)
    made = [screening_for(patient).pk for _ in range(4)]
    before = AuditEvent.objects.count()
    writer.get("/api/v1/screenings/")
    [event] = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert (event.action, event.object_type) == ("list", "screening")
    assert event.detail == f"4 rows: ids {made[-1]}-{made[0]}"


def test_list_details_stay_within_the_audit_field() -> None:
    from audit.services import ids_in_words

    assert ids_in_words([9, 8, 7, 3, 1]) == "5 rows: ids 9-7,3,1"
    scattered = list(range(10_000_000, 9_999_000, -3))
    assert len(ids_in_words(scattered)) <= 200
    assert ids_in_words(scattered).endswith("(not all listed)")
