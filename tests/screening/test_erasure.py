"""A patient's erasure: everything about the patient goes, nothing of anyone else, in one
audited transaction; refused while the retention period holds the records, and to anyone but
a clinic admin or a read-write client of the clinic allowed to erase."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile

from api.models import IdempotencyKey
from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, Invitation, Patient, User
from clinic.services import api_client_create
from notifications.models import AlarmNotice
from reports.models import Report, reports_storage
from reports.services import report_claim, report_finish, report_store
from screening.erasure import (
    ErasedRecords,
    ErasureReason,
    patient_erase,
)
from screening.models import Intake, NoteRevision, Screening
from tests.factories import UserFactory, screening_for
from tests.screening.erasure_world import (
    Recorded,
    clinic_admin,
    identity,
    recorded_patient,
    webhook_endpoint,
)
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.7\n% synthetic report\n%%EOF\n"
OnCommit = Callable[..., Any]


@pytest.fixture
def admin(clinic_a: Clinic) -> User:
    return clinic_admin(clinic_a)


@pytest.fixture
def world(
    clinic_a: Clinic, clinic_b: Clinic, practitioner: User, settings: Any, tmp_path: Path
) -> dict[str, Recorded]:
    """Two patients of clinic A recorded everywhere (one to erase, one to keep) and one of B,
    with ready reports stored in a fresh media folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    webhook_endpoint(clinic_a)
    webhook_endpoint(clinic_b)
    recorded = {
        "erased": recorded_patient(clinic_a, practitioner, identity("A")),
        "kept": recorded_patient(clinic_a, practitioner, identity("B")),
        "other_clinic": recorded_patient(clinic_b, UserFactory(clinic=clinic_b), identity("C")),
    }
    for each in recorded.values():
        report = Report.objects.filter(screening=each.screening).latest("id")
        report.file.name = reports_storage().save(
            f"reports/{report.clinic_id}/report-{report.pk}-test.pdf", ContentFile(FAKE_PDF)
        )
        report.status = Report.Status.READY
        report.sha256 = hashlib.sha256(FAKE_PDF).hexdigest()
        report.save()
        IdempotencyKey.objects.create(
            clinic_id=report.clinic_id,
            principal="client:1",
            key=f"intake-of-{each.patient.pk}",
            request_sha256="0" * 64,
            status_code=201,
            response_body=json.dumps({"id": each.screening.pk, "patient": each.patient.pk}),
        )
    return recorded


def rows_of(recorded: Recorded) -> dict[str, int]:
    patient = recorded.patient
    screenings = Screening.objects.filter(patient_id=patient.pk)
    return {
        "patients": Patient.objects.filter(pk=patient.pk).count(),
        "invitations": Invitation.objects.filter(patient_id=patient.pk).count(),
        "intakes": Intake.objects.filter(patient_id=patient.pk).count(),
        "screenings": screenings.count(),
        "note revisions": NoteRevision.objects.filter(screening__in=screenings).count(),
        "reports": Report.objects.filter(screening__in=screenings).count(),
        "alarm notices": AlarmNotice.objects.filter(screening__in=screenings).count(),
        "webhook deliveries": sum(
            json.loads(payload)["data"].get("screening") == recorded.screening.pk
            for payload in WebhookDelivery.objects.values_list("payload", flat=True)
        ),
        "stored API responses": IdempotencyKey.objects.filter(
            key=f"intake-of-{patient.pk}"
        ).count(),
        "admin history entries": LogEntry.objects.filter(object_id=str(patient.pk)).count(),
    }


def files_in(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_erasure_removes_the_patient_and_every_record_about_them_and_nothing_else(
    world: dict[str, Recorded],
    admin: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    # given
    erased, kept, other = world["erased"], world["kept"], world["other_clinic"]
    assert all(rows_of(erased).values())
    kept_before, other_before = rows_of(kept), rows_of(other)
    assert len(files_in(tmp_path)) == 3

    # when
    with django_capture_on_commit_callbacks(execute=True):
        erasure = patient_erase(
            patient=erased.patient, reason=ErasureReason.PATIENT_REQUEST, by_user=admin
        )

    # then
    assert not any(rows_of(erased).values()), rows_of(erased)
    assert rows_of(kept) == kept_before
    assert rows_of(other) == other_before
    assert len(files_in(tmp_path)) == 2
    assert erasure.counts["intakes"] == 1 and erasure.counts["PDF files"] == 1


def test_the_erasure_is_one_audit_event_with_counts_and_no_name(
    world: dict[str, Recorded], admin: User
) -> None:
    # given
    erased = world["erased"]
    earlier = list(AuditEvent.objects.order_by("id").values())

    # when
    patient_erase(patient=erased.patient, reason=ErasureReason.PATIENT_REQUEST, by_user=admin)

    # then: the trail as it was, and one event more
    after = list(AuditEvent.objects.order_by("id").values())
    assert after[: len(earlier)] == earlier
    (event,) = after[len(earlier) :]
    assert (event["action"], event["object_type"], event["object_id"]) == (
        "erase",
        "patient",
        str(erased.patient.pk),
    )
    assert event["user_id"] == admin.pk and event["clinic_id"] == erased.patient.clinic_id
    assert event["detail"].startswith("patient_request: ")
    assert "1 intakes" in event["detail"] and "1 screenings" in event["detail"]
    text = json.dumps(after, default=str).casefold()
    for value in erased.identity.searched:
        assert value.casefold() not in text, value


def client_allowed_to_erase(clinic: Clinic, name: str, scope: str) -> ApiClient:
    client = api_client_create(clinic=clinic, name=name, scope=scope)[0]
    client.can_erase = True
    client.save()
    return client


@pytest.mark.parametrize(
    "who", ["practitioner", "admin_of_b", "read_client", "client_of_b", "writer_not_allowed"]
)
def test_only_a_clinic_admin_or_an_allowed_read_write_client_of_the_clinic_erases(
    who: str, patient: Patient, practitioner: User, clinic_b: Clinic
) -> None:
    # given
    screening_for(patient)
    clinic_a = patient.clinic
    by: dict[str, Any] = {
        "practitioner": {"by_user": practitioner},
        "admin_of_b": {"by_user": clinic_admin(clinic_b)},
        "read_client": {"by_client": client_allowed_to_erase(clinic_a, "r", ApiClient.Scope.READ)},
        "client_of_b": {
            "by_client": client_allowed_to_erase(clinic_b, "w", ApiClient.Scope.READ_WRITE)
        },
        "writer_not_allowed": {
            "by_client": api_client_create(
                clinic=clinic_a, name="w", scope=ApiClient.Scope.READ_WRITE
            )[0]
        },
    }[who]

    # when / then
    with pytest.raises(PermissionDenied):
        patient_erase(patient=patient, reason=ErasureReason.PATIENT_REQUEST, **by)
    assert Intake.objects.filter(patient=patient).exists()


def test_a_read_write_client_of_the_clinic_allowed_to_erase_erases(patient: Patient) -> None:
    client = client_allowed_to_erase(patient.clinic, "system", ApiClient.Scope.READ_WRITE)
    screening_for(patient)

    patient_erase(patient=patient, reason=ErasureReason.RECORDED_IN_ERROR, by_client=client)

    assert not Patient.objects.filter(pk=patient.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    assert event.api_client_id == client.pk


def test_deliveries_naming_ids_that_only_share_digits_stay(
    clinic_a: Clinic, patient: Patient, admin: User
) -> None:
    # given: a delivery about screening 10x the erased one's id (its text contains the id)
    endpoint = webhook_endpoint(clinic_a)
    screening = screening_for(patient)
    lookalike = WebhookDelivery.objects.create(
        clinic=clinic_a,
        endpoint=endpoint,
        event_id="00000000-0000-0000-0000-000000000001",
        event_type="screening.created",
        payload=json.dumps(
            {"data": {"screening": screening.pk * 10, "patient": patient.pk * 10}},
            separators=(",", ":"),
        ),
    )
    assert WebhookDelivery.objects.filter(payload__contains=f'"screening":{screening.pk}').count()

    # when
    patient_erase(patient=patient, reason=ErasureReason.PATIENT_REQUEST, by_user=admin)

    # then (beside the patient.erased event)
    assert list(WebhookDelivery.objects.exclude(event_type="patient.erased")) == [lookalike]


def test_a_render_that_finishes_after_the_erasure_leaves_no_file(
    patient: Patient, admin: User, settings: Any, tmp_path: Path
) -> None:
    # given: a render under way
    settings.MEDIA_ROOT = str(tmp_path)
    screening = screening_for(patient)
    report = Report.objects.get(screening=screening)
    attempt = report_claim(report_id=report.pk)
    assert attempt is not None

    # when: the patient is erased, then the render stores its PDF and finishes
    patient_erase(patient=patient, reason=ErasureReason.PATIENT_REQUEST, by_user=admin)
    name = report_store(report=report, content=FAKE_PDF)
    report_finish(report=report, attempt=attempt, name=name, content=FAKE_PDF, page_count=1)

    # then
    assert files_in(tmp_path) == []


def test_a_stored_response_or_payload_is_about_the_records_by_id_body_or_link() -> None:
    records = ErasedRecords(
        patient_id=7,
        clinic_id=1,
        intake_ids=frozenset({11}),
        screening_ids=frozenset({21}),
        invitation_ids=frozenset(),
    )

    assert records.mentioned_in({"data": {"screening": 21}})
    assert records.mentioned_in({"results": [{"id": 3, "intake": 11}]})
    assert records.mentioned_in({"id": 7, "external_id": "P-1", "given_name": "x"})
    assert records.mentioned_in(["https://api.example.org/api/v1/patients/7/", None])
    assert records.mentioned_in("/api/fhir/QuestionnaireResponse/11")
    # neither other ids, nor an invitation's own id, nor a flag that equals 1
    assert not records.mentioned_in({"id": 7, "patient": 70, "screening": 210})
    assert not records.mentioned_in({"patient": True, "links": {"self": "/api/v1/patients/70/"}})
    assert not records.mentioned_in(None)
