"""How the audit events of reads and writes commit on PostgreSQL.

A read's event is a transaction of its own and commits before the response leaves, without
waiting for the disk flush; a write's event commits with the write and waits for it.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from pytest_django import Settings
from rest_framework.test import APIClient

from clinic.models import AuditEvent, Clinic, Patient
from clinic.services import audit_record
from screening.models import Screening
from screening.samples import sample_document
from tests.api.conftest import intake_body
from tests.factories import screening_for

# Committed rows only: each request runs outside a test transaction, as in production.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]

ASYNCHRONOUS = "set_config('synchronous_commit', 'off', true)"


def audit_inserts(captured: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('INSERT INTO "clinic_auditevent"')
    ]


def committed_events(clinic: Clinic) -> list[tuple[str, str]]:
    """The clinic's audit events as another connection sees them: committed ones only."""
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=connection.settings_dict["HOST"] or None,
        port=connection.settings_dict["PORT"] or None,
        user=connection.settings_dict["USER"] or None,
        autocommit=True,
    ) as other:
        return other.execute(
            "SELECT action, object_type FROM clinic_auditevent WHERE clinic_id = %s ORDER BY id",
            [clinic.pk],
        ).fetchall()


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


def test_a_read_is_audited_before_the_response_without_waiting_for_the_flush(
    patient: Patient, writer: APIClient, clinic_a: Clinic
) -> None:
    # given
    screening = screening_for(patient, sample_document())
    # when the list and a screening are read
    with CaptureQueriesContext(connection) as captured:
        assert writer.get("/api/v1/screenings/").status_code == 200
        assert writer.get(f"/api/v1/screenings/{screening.pk}/").status_code == 200
    # then each event went in with asynchronous commit, for its own transaction only
    inserts = audit_inserts(captured)
    assert len(inserts) == 2 and all(ASYNCHRONOUS in sql for sql in inserts)
    assert synchronous_commit() == "on"
    # and both are committed: another connection sees them
    assert committed_events(clinic_a) == [("list", "screening"), ("read", "screening")]


def test_a_write_and_its_audit_event_commit_together_and_wait_for_the_flush(
    patient: Patient, writer: APIClient, clinic_a: Clinic
) -> None:
    # when an intake is submitted
    with CaptureQueriesContext(connection) as captured:
        response = writer.post("/api/v1/intakes/", intake_body(patient), format="json")
    # then its event is written in the intake's transaction, with the usual commit
    assert response.status_code == 201
    inserts = audit_inserts(captured)
    assert len(inserts) == 1 and ASYNCHRONOUS not in inserts[0]
    assert Screening.objects.filter(clinic=clinic_a).count() == 1
    assert committed_events(clinic_a) == [("create", "intake")]


def test_a_read_recorded_inside_a_transaction_does_not_change_how_it_commits(
    clinic_a: Clinic,
) -> None:
    # when a read is recorded inside an atomic block (the setting would cover all of it)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        audit_record(clinic=clinic_a, action=AuditEvent.Action.READ, object_type="patient")
        assert synchronous_commit() == "on"
    # then its event waits for the flush like the rest of the transaction
    inserts = audit_inserts(captured)
    assert len(inserts) == 1 and ASYNCHRONOUS not in inserts[0]


def test_reads_can_be_made_to_wait_for_the_flush(
    patient: Patient, writer: APIClient, settings: Settings
) -> None:
    # given
    settings.AUDIT_READS_ASYNCHRONOUS_COMMIT = False
    screening_for(patient, sample_document())
    # when
    with CaptureQueriesContext(connection) as captured:
        assert writer.get("/api/v1/screenings/").status_code == 200
    # then
    inserts = audit_inserts(captured)
    assert len(inserts) == 1 and ASYNCHRONOUS not in inserts[0]
