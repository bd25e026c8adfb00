"""How the audit events of reads and writes commit on PostgreSQL.

A read's event is a transaction of its own and commits before the response leaves, without
waiting for the disk flush; a write's event commits with the write and waits for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from pytest_django import Settings
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.models import Clinic, Patient
from screening.models import Screening
from screening.samples import sample_document
from tests.api_callers import intake_body
from tests.factories import screening_for

# Committed rows only: each request runs outside a test transaction, as in production.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]

CommitModes = Callable[[Clinic], list[tuple[str, str]]]
ASYNCHRONOUS = "set_config('synchronous_commit', 'off', true)"


@pytest.fixture
def commit_modes() -> Iterator[CommitModes]:
    """Each audit event's action and the `synchronous_commit` in force when it was inserted.

    A trigger writes the setting into the event's detail, so what is checked is the setting
    PostgreSQL applied to the INSERT's own transaction, not the text of the statement.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "NEW.detail := 'commit ' || current_setting('synchronous_commit'); RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_commit_mode BEFORE INSERT ON clinic_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION test_commit_mode()"
        )

    def modes(clinic: Clinic) -> list[tuple[str, str]]:
        return [(action, detail.split()[-1]) for action, _, detail in committed_events(clinic)]

    try:
        yield modes
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_commit_mode ON clinic_auditevent")
            cursor.execute("DROP FUNCTION test_commit_mode()")


def audit_inserts(captured: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('INSERT INTO "clinic_auditevent"')
    ]


def asynchronous_commits(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if ASYNCHRONOUS in query["sql"]]


def committed_events(clinic: Clinic) -> list[tuple[str, str, str]]:
    """The clinic's audit events as another connection sees them: committed ones only."""
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=connection.settings_dict["HOST"] or None,
        port=connection.settings_dict["PORT"] or None,
        user=connection.settings_dict["USER"] or None,
        autocommit=True,
    ) as other:
        return other.execute(
            "SELECT action, object_type, detail FROM clinic_auditevent WHERE clinic_id = %s "
            "ORDER BY id",
            [clinic.pk],
        ).fetchall()


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


def test_a_read_is_audited_before_the_response_without_waiting_for_the_flush(
    patient: Patient, writer: APIClient, clinic_a: Clinic, commit_modes: CommitModes
) -> None:
    # given
    screening = screening_for(patient, sample_document())
    # when the list is read seven times (its audit INSERT is prepared from the sixth) and one
    # screening once
    for _ in range(7):
        assert writer.get("/api/v1/screenings/").status_code == 200
    assert writer.get(f"/api/v1/screenings/{screening.pk}/").status_code == 200
    # then every event was committed, with asynchronous commit for its own transaction only
    assert commit_modes(clinic_a) == [("list", "off")] * 7 + [("read", "off")]
    assert synchronous_commit() == "on"
    assert [event[:2] for event in committed_events(clinic_a)][-1] == ("read", "screening")


def test_a_write_and_its_audit_event_wait_for_the_flush(
    patient: Patient, writer: APIClient, clinic_a: Clinic, commit_modes: CommitModes
) -> None:
    # when an intake is submitted
    with CaptureQueriesContext(connection) as captured:
        response = writer.post("/api/v1/intakes/", intake_body(patient), format="json")
    # then its event is written in the intake's transaction, with the usual commit
    assert response.status_code == 201
    assert len(audit_inserts(captured)) == 1 and not asynchronous_commits(captured)
    assert Screening.objects.filter(clinic=clinic_a).count() == 1
    assert commit_modes(clinic_a) == [("create", "on")]


def test_a_read_recorded_inside_a_transaction_does_not_change_how_it_commits(
    clinic_a: Clinic, commit_modes: CommitModes
) -> None:
    # when a read is recorded inside an atomic block (the setting would cover all of it)
    with transaction.atomic():
        audit_record(clinic=clinic_a, action=AuditEvent.Action.READ, object_type="patient")
        in_atomic_block = synchronous_commit()
    # or while autocommit is off
    transaction.set_autocommit(False)
    try:
        audit_record(clinic=clinic_a, action=AuditEvent.Action.READ, object_type="patient")
        without_autocommit = synchronous_commit()
    finally:
        transaction.commit()
        transaction.set_autocommit(True)
    # then each event waits for the flush like the rest of its transaction
    assert (in_atomic_block, without_autocommit) == ("on", "on")
    assert commit_modes(clinic_a) == [("read", "on"), ("read", "on")]


def test_reads_can_be_made_to_wait_for_the_flush(
    patient: Patient,
    writer: APIClient,
    clinic_a: Clinic,
    settings: Settings,
    commit_modes: CommitModes,
) -> None:
    # given
    settings.AUDIT_READS_ASYNCHRONOUS_COMMIT = False
    screening_for(patient, sample_document())
    # when
    with CaptureQueriesContext(connection) as captured:
        assert writer.get("/api/v1/screenings/").status_code == 200
    # then
    assert len(audit_inserts(captured)) == 1 and not asynchronous_commits(captured)
    assert commit_modes(clinic_a) == [("list", "on")]
