"""Each audit event is chained to its clinic's previous one, and `audit_verify` finds a break."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from audit.chain import event_hash, first_broken_link
from audit.models import AuditEvent
from audit.services import audit_record
from clinic.models import Clinic, User

pytestmark = pytest.mark.django_db

FIELDS = {
    "clinic_id": 1,
    "user_id": 2,
    "api_client_id": None,
    "action": "read",
    "object_type": "patient",
    "object_id": "7",
    "at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    "detail": 'a "quoted" detail',
    "address": "203.0.113.9",
    "user_agent": "pytest",
}


def test_a_hash_covers_every_field_and_the_previous_hash() -> None:
    first = event_hash("", FIELDS)
    assert len(first) == 64
    assert event_hash("0" * 64, FIELDS) != first
    for name in FIELDS:
        assert event_hash("", {**FIELDS, name: "changed"}) != first, name


def test_a_chain_breaks_at_a_changed_row_and_after_a_removed_one() -> None:
    rows = []
    previous = ""
    for index in range(3):
        row = {**FIELDS, "object_id": str(index), "previous_hash": previous}
        row["hash"] = previous = event_hash(row["previous_hash"], row)
        rows.append(row)
    assert first_broken_link(rows) == (None, 3)
    assert first_broken_link([rows[0], {**rows[1], "detail": "x"}, rows[2]])[0]["object_id"] == "1"
    assert first_broken_link([rows[0], rows[2]])[0] is rows[2]


def record(clinic: Clinic, user: User, object_id: int) -> AuditEvent:
    event = audit_record(
        clinic=clinic, user=user, action="read", object_type="patient", object_id=object_id
    )
    assert event is not None
    return event


def test_each_event_links_to_the_previous_event_of_its_clinic(
    clinic_a: Clinic, clinic_b: Clinic, practitioner: User
) -> None:
    # when events of two clinics interleave
    a1 = record(clinic_a, practitioner, 1)
    b1 = record(clinic_b, practitioner, 2)
    a2 = record(clinic_a, practitioner, 3)
    # then each chain runs through its own clinic's events, as stored
    stored = {event.pk: event for event in AuditEvent.objects.all()}
    assert stored[a2.pk].previous_hash == stored[a1.pk].hash == a1.hash
    assert stored[b1.pk].previous_hash == ""
    assert stored[a1.pk].previous_hash == ""
    assert stored[a2.pk].hash == a2.hash == event_hash(a1.hash, stored[a2.pk].__dict__)


def test_a_second_successor_of_one_link_is_refused(clinic_a: Clinic, practitioner: User) -> None:
    # given a chain of one event
    event = record(clinic_a, practitioner, 1)
    # when another row names the same predecessor (a fork)
    fork = AuditEvent(clinic=clinic_a, action="read", object_type="patient", hash="f" * 64)
    # then the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.bulk_create([fork])
    assert event.previous_hash == ""


def test_audit_verify_reports_ok_and_the_rows_checked(
    clinic_a: Clinic, clinic_b: Clinic, practitioner: User, capsys: pytest.CaptureFixture[str]
) -> None:
    for object_id in range(3):
        record(clinic_a, practitioner, object_id)
    record(clinic_b, practitioner, 9)
    call_command("audit_verify")
    assert "ok: 4 audit events checked" in capsys.readouterr().out
    call_command("audit_verify", "--clinic", "clinic-b")
    assert "ok: 1 audit events checked" in capsys.readouterr().out


def test_audit_verify_refuses_an_unknown_clinic() -> None:
    with pytest.raises(CommandError, match="--clinic: no clinic with the slug 'nowhere'"):
        call_command("audit_verify", "--clinic", "nowhere")


@contextmanager
def behind_the_applications_back() -> Iterator[None]:
    """Raw changes to the trail; on PostgreSQL with its triggers off for the moment (superuser)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # The test's transaction holds deferred foreign-key checks: run them before the ALTER.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE clinic_auditevent DISABLE TRIGGER ALL")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE clinic_auditevent ENABLE TRIGGER ALL")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_audit_verify_names_a_row_changed_behind_the_applications_back(
    clinic_a: Clinic, practitioner: User
) -> None:
    # given a chain of three events, the middle one changed by hand
    events = [record(clinic_a, practitioner, object_id) for object_id in range(3)]
    with behind_the_applications_back(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clinic_auditevent SET object_id = '99' WHERE id = %s", [events[1].pk]
        )
    # when the chain is verified, then the changed row is named and the status is 1
    with pytest.raises(CommandError) as raised:
        call_command("audit_verify")
    assert f"audit event {events[1].pk} of clinic {clinic_a.pk}" in str(raised.value)
    assert raised.value.returncode == 1


def test_audit_verify_names_the_first_of_two_rows_changed_behind_the_applications_back(
    clinic_a: Clinic, practitioner: User
) -> None:
    # given a chain of five events, the second and the fourth changed by hand
    events = [record(clinic_a, practitioner, object_id) for object_id in range(5)]
    with behind_the_applications_back(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clinic_auditevent SET detail = 'edited' WHERE id IN (%s, %s)",
            [events[1].pk, events[3].pk],
        )
    # when the chain is verified, then the first broken link is the one named
    with pytest.raises(CommandError) as raised:
        call_command("audit_verify", "--clinic", clinic_a.slug)
    assert f"audit event {events[1].pk} of clinic {clinic_a.pk}" in str(raised.value)


def test_audit_verify_names_the_row_after_a_removed_one(
    clinic_a: Clinic, practitioner: User
) -> None:
    events = [record(clinic_a, practitioner, object_id) for object_id in range(3)]
    with behind_the_applications_back(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM clinic_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=f"audit event {events[2].pk} of clinic"):
        call_command("audit_verify", "--clinic", clinic_a.slug)


def test_a_row_saved_around_the_service_is_passed_over_and_named(
    clinic_a: Clinic, practitioner: User
) -> None:
    # given a chained event and a row saved without the service (no hash)
    first = record(clinic_a, practitioner, 1)
    stray = AuditEvent.objects.create(clinic=clinic_a, action="read", object_type="patient")
    # when the service records the next event, then it links to the last chained one
    assert record(clinic_a, practitioner, 2).previous_hash == first.hash
    # and the stray row is what audit_verify names
    with pytest.raises(CommandError, match=f"audit event {stray.pk} of clinic"):
        call_command("audit_verify")
