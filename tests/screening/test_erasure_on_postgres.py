"""On PostgreSQL: an erased patient leaves no identifying value in any row of any table or in
the media folder, the audit trail stays intact, the triggers still refuse every other DELETE,
and the retention sweep erases exactly the patients that are due."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, Invitation, Patient, User
from clinic.services import invitation_create
from reports.models import Report
from reports.services import report_render
from screening.erasure import ErasureReason, erasure_deletes_allowed, patient_erase, retention_sweep
from screening.models import AlarmAction, Intake, NoteRevision, Screening
from screening.samples import sample_document
from screening.services import screening_acknowledge_alarm, screening_review
from tests.api_callers import Tokens, bearer
from tests.factories import PatientFactory, screening_for
from tests.reports.pdfs import decoded_streams, reader_of, text_of
from tests.screening.erasure_world import Identity, clinic_admin, identity, webhook_endpoint
from tests.triggers import refused, statement

pytestmark = [pytest.mark.django_db, pytest.mark.services]

OnCommit = Callable[..., Any]


@pytest.fixture
def media(on_postgres: None, settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def every_row_as_text() -> Iterator[tuple[str, str]]:
    """Every row of every table in the database, as PostgreSQL writes a row as text.

    Hand-written: a row's text form holds every column of every type, of tables no model
    describes too (the search must not trust the models to know where data went); the ORM
    reads only the columns of the models it knows.
    """
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT t::text FROM {connection.ops.quote_name(table)} AS t")
            for (text,) in cursor.fetchall():
                yield table, text


def found_in_database(values: list[str]) -> set[tuple[str, str]]:
    """(table, value) for each value some row holds, sessions decoded (case-insensitive)."""
    rows = list(every_row_as_text())
    rows += [
        ("django_session (decoded)", str(session.get_decoded()))
        for session in Session.objects.all()
    ]
    return {
        (table, value)
        for table, text in rows
        for value in values
        if value.casefold() in text.casefold()
    }


def file_texts(path: Path) -> list[str]:
    """A file's bytes as text, and for a PDF its text, metadata and every decoded stream."""
    content = path.read_bytes()
    texts = [content.decode("latin-1")]
    if content.startswith(b"%PDF"):
        texts.append(text_of(content))
        texts.append(str(reader_of(content).metadata))
        texts += [stream.decode("latin-1") for stream in decoded_streams(content)]
    return texts


def found_in_media(folder: Path, values: list[str]) -> set[tuple[str, str]]:
    return {
        (str(path), value)
        for path in folder.rglob("*")
        if path.is_file()
        for text in file_texts(path)
        for value in values
        if value.casefold() in text.casefold()
    }


def patient_recorded_through_every_path(
    writer: APIClient, practitioner: User, admin: User, who: Identity
) -> Patient:
    """Created and submitted through the API with Idempotency-Keys (stored responses), a
    draft, an acknowledgement and notes, a rendered PDF, webhook deliveries, an alarm notice,
    the admin's history, the audit trail filtered by the external id, dashboard sessions."""
    created = writer.post(
        "/api/v1/patients/",
        {
            "external_id": who.external_id,
            "given_name": who.given_name,
            "family_name": who.family_name,
            "email": who.email,
            "birth_date": who.birth_date.isoformat(),
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="create-the-patient",
    )
    assert created.status_code == 201, created.content
    patient = Patient.objects.get(pk=created.json()["id"])
    invitation, _ = invitation_create(patient=patient, created_by=practitioner)
    Invitation.objects.filter(pk=invitation.pk).update(
        draft_answers={"history.main_concern": who.draft_text}, draft_step=3
    )
    document = sample_document(
        birth_date=who.birth_date.isoformat(),
        answers={"red_flags.anaemia": True, "history.main_concern": who.concern},
    )
    submitted = writer.post(
        "/api/v1/intakes/",
        {"patient": patient.pk, "document": document},
        format="json",
        HTTP_IDEMPOTENCY_KEY="submit-the-intake",
    )
    assert submitted.status_code == 201, submitted.content
    screening = Screening.objects.get(pk=submitted.json()["id"])
    screening_acknowledge_alarm(
        screening=screening, user=practitioner, action=AlarmAction.OTHER, note=who.acknowledgement
    )
    screening_review(screening=screening, user=practitioner, notes=who.notes, reviewed=True)
    report_render(report=Report.objects.filter(screening=screening).latest("id"))
    LogEntry.objects.log_actions(
        user_id=admin.pk, queryset=[patient], action_flag=CHANGE, change_message="[]"
    )
    assert writer.get(f"/api/v1/audit-events/?patient={who.external_id}").status_code == 200
    staff = Client()
    staff.force_login(admin)
    assert staff.get(f"/dashboard/patients/?q={who.family_name}").status_code == 200
    assert staff.get(f"/dashboard/patients/{patient.pk}/").status_code == 200
    return patient


def test_erasure_leaves_no_identifying_value_anywhere_and_the_audit_trail_intact(
    media: Path,
    clinic_a: Clinic,
    practitioner: User,
    tokens: Tokens,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    # given: a patient recorded through every path, found everywhere by the search
    webhook_endpoint(clinic_a)
    admin = clinic_admin(clinic_a)
    who = identity("PG")
    writer = bearer(tokens.a_write)
    patient = patient_recorded_through_every_path(writer, practitioner, admin, who)
    before = found_in_database(who.searched)
    assert {value for _, value in before} == set(who.searched)
    assert {table for table, _ in before} >= {
        "clinic_patient",
        "clinic_invitation",
        "screening_intake",
        "screening_screening",
        "screening_noterevision",
        "clinic_idempotencykey",
        "django_admin_log",
    }
    pdfs = list(media.rglob("*.pdf"))
    assert len(pdfs) == 1 and (str(pdfs[0]), who.family_name) in found_in_media(
        media, [who.family_name]
    )
    assert Screening.objects.get(patient=patient).alarm_notice is not None
    trail = list(AuditEvent.objects.order_by("id").values())

    # when: the practice's system, allowed to erase, erases
    ApiClient.objects.filter(name="practice-system").update(can_erase=True)
    with django_capture_on_commit_callbacks(execute=True):
        erased = writer.delete(f"/api/v1/patients/{patient.pk}/")

    # then: no value is found in any row or file, and no file is left
    assert erased.status_code == 204, erased.content
    assert found_in_database(who.searched) == set()
    assert found_in_media(media, who.searched) == set()
    assert [path for path in media.rglob("*") if path.is_file()] == []
    # the trail as it was, and one event more; every chain intact
    after = list(AuditEvent.objects.order_by("id").values())
    assert after[: len(trail)] == trail
    (event,) = after[len(trail) :]
    assert (event["action"], event["object_id"]) == ("erase", str(patient.pk))
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("ok:")


class Undo(Exception):
    """Rolls back what a block did, once its checks have run."""


def test_a_delete_outside_an_erasure_is_still_refused_before_and_after_one(
    media: Path, patient: Patient, practitioner: User
) -> None:
    # given: a screening with two note revisions
    screening = screening_for(patient)
    screening_review(screening=screening, user=practitioner, notes="first", reviewed=False)
    screening_review(screening=screening, user=practitioner, notes="second", reviewed=False)
    first, second = NoteRevision.objects.filter(screening=screening).order_by("id")
    checks = [
        lambda: NoteRevision.objects.filter(pk=second.pk).delete(),
        lambda: Screening.objects.filter(pk=screening.pk)._raw_delete(connection.alias),
        lambda: Intake.objects.filter(pk=screening.intake_id)._raw_delete(connection.alias),
        statement("DELETE FROM screening_intake WHERE id = %s", screening.intake_id),
    ]
    assert all(refused(check) for check in checks)

    # when: inside an erasure's block a DELETE goes through; after it, in the same transaction
    with pytest.raises(Undo), transaction.atomic():
        with erasure_deletes_allowed():
            deleted = NoteRevision.objects.filter(pk=first.pk).delete()[0]
        after_the_block = [refused(check) for check in checks]
        raise Undo

    # then
    assert deleted == 1
    assert after_the_block == [True] * len(checks)
    assert NoteRevision.objects.filter(screening=screening).count() == 2


@pytest.mark.usefixtures("thirty_day_retention_minimum")
def test_the_retention_sweep_erases_exactly_the_patients_due(
    media: Path,
    clinic_a: Clinic,
    clinic_b: Clinic,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    # given: A keeps 30 days (the minimum here); B keeps everything
    clinic_a.retention_days = 30
    clinic_a.save()
    added = datetime(2024, 12, 1, 9, tzinfo=UTC)  # before every intake: the latest counts

    def intake_at(patient: Patient, moment: str) -> None:
        with time_machine.travel(moment, tick=False):
            screening_for(patient, sample_document(completed_on=moment[:10]))

    due_today = PatientFactory(clinic=clinic_a, created_at=added)
    intake_at(due_today, "2026-01-02T09:00:00Z")
    due_a_day_ago = PatientFactory(clinic=clinic_a, created_at=added)
    intake_at(due_a_day_ago, "2026-01-01T09:00:00Z")
    due_tomorrow = PatientFactory(clinic=clinic_a, created_at=added)
    intake_at(due_tomorrow, "2026-01-03T09:00:00Z")
    with time_machine.travel("2026-01-03T09:00:00Z", tick=False):
        never_screened = PatientFactory(clinic=clinic_a)  # held from its creation: to 02-02
    reinvited = PatientFactory(clinic=clinic_a, created_at=added)
    intake_at(reinvited, "2026-01-01T09:00:00Z")
    with time_machine.travel("2026-01-20T09:00:00Z", tick=False):
        invitation_create(patient=reinvited)  # held from the invitation: to 02-19
    kept_by_b = PatientFactory(clinic=clinic_b, created_at=added)
    intake_at(kept_by_b, "2025-01-01T09:00:00Z")

    # when: on 2026-02-02 (held through the day the 30 days end, erased the day after)
    with (
        time_machine.travel("2026-02-02T09:00:00Z", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sweep = retention_sweep()

    # then
    assert [(c.clinic_id, c.erased_ids) for c in sweep.clinics] == [
        (clinic_a.pk, sorted([due_today.pk, due_a_day_ago.pk]))
    ]
    remaining = set(Patient.objects.values_list("pk", flat=True))
    assert remaining == {due_tomorrow.pk, never_screened.pk, reinvited.pk, kept_by_b.pk}
    assert set(Intake.objects.values_list("patient_id", flat=True)) == {
        due_tomorrow.pk,
        reinvited.pk,
        kept_by_b.pk,
    }
    events = AuditEvent.objects.filter(action=AuditEvent.Action.ERASE)
    assert sorted(int(e.object_id) for e in events) == sorted([due_today.pk, due_a_day_ago.pk])
    assert all(e.detail.startswith("retention: ") and e.user_id is None for e in events)


def test_the_report_rows_are_locked_before_their_file_names_are_read(
    media: Path, patient: Patient
) -> None:
    # given: a report that a render could be finishing
    screening_for(patient)

    # when
    with CaptureQueriesContext(connection) as queries:
        patient_erase(patient=patient, reason=ErasureReason.RETENTION)

    # then: the first read of the rows (their file names) locks them, so a render finishing
    # waits for the erasure and then finds its row gone (and drops its own file)
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "reports_report"')]
    assert reads and reads[0].endswith("FOR UPDATE"), reads
