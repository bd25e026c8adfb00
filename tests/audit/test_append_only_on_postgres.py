"""On PostgreSQL the database refuses to change or delete an audit event, whatever the path."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.models import Clinic, User
from tests.triggers import refused, statement

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture
def event(on_postgres: None, clinic_a: Clinic, practitioner: User) -> AuditEvent:
    recorded = audit_record(
        clinic=clinic_a, user=practitioner, action="read", object_type="patient", object_id=1
    )
    assert recorded is not None
    return recorded


def test_an_audit_event_cannot_be_changed_through_the_orm(event: AuditEvent) -> None:
    event.detail = "changed"
    assert refused(event.save)
    assert refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(object_id="2"))
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_an_audit_event_cannot_be_deleted_through_the_orm(event: AuditEvent) -> None:
    assert refused(event.delete)
    assert refused(lambda: AuditEvent.objects.all().delete())
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_audit_event_cannot_be_changed_or_deleted_in_sql(event: AuditEvent) -> None:
    assert refused(statement("UPDATE clinic_auditevent SET hash = '' WHERE id = %s", event.pk))
    assert refused(statement("DELETE FROM clinic_auditevent WHERE id = %s", event.pk))
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash


def test_new_audit_events_are_still_added(event: AuditEvent, clinic_a: Clinic) -> None:
    audit_record(clinic=clinic_a, action="list", object_type="patient", object_ids=[1, 2])
    assert AuditEvent.objects.count() == 2
