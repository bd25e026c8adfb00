"""A sample audit trail for the tests of its page and API: two clinics, a patient and its
records, events by staff and an API client, one with a formula-like detail (all synthetic)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import time_machine

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.models import ApiClient, Clinic, Invitation, Patient, User
from clinic.services import api_client_create, invitation_create
from screening.models import Screening
from tests.factories import PatientFactory, UserFactory, screening_for


@dataclass
class Trail:
    admin: User
    practitioner: User
    client: ApiClient
    patient: Patient
    other_patient: Patient
    screening: Screening
    invitation: Invitation
    patient_events: list[AuditEvent]
    other_events: list[AuditEvent]
    foreign_event: AuditEvent


DAY_ONE = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
DAY_TWO = datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.UTC)


def trail_of(clinic: Clinic, other_clinic: Clinic, practitioner: User) -> Trail:
    admin = UserFactory(clinic=clinic, role=User.Role.CLINIC_ADMIN)
    client = api_client_create(clinic=clinic, name="=practice-system", scope=ApiClient.Scope.READ)[
        0
    ]
    patient = PatientFactory(clinic=clinic, external_id="EXT-AUDIT-1")
    other_patient = PatientFactory(clinic=clinic, external_id="EXT-AUDIT-2")
    screening = screening_for(patient)
    invitation, _ = invitation_create(patient=patient)
    with time_machine.travel(DAY_ONE, tick=False):
        patient_events = [
            record(clinic, "read", "patient", patient.pk, user=practitioner),
            record(clinic, "read", "intake", screening.intake_id, user=practitioner),
            record(clinic, "read", "invitation", invitation.pk, user=practitioner),
        ]
    with time_machine.travel(DAY_TWO, tick=False):
        patient_events.append(record(clinic, "read", "screening", screening.pk, api_client=client))
        other_events = [
            record(clinic, "read", "patient", other_patient.pk, user=admin),
            record(
                clinic,
                "update",
                "patient",
                other_patient.pk,
                user=practitioner,
                detail='=HYPERLINK("http://example.org")',
            ),
        ]
    foreign_event = record(other_clinic, "read", "patient", patient.pk + 1000)
    return Trail(
        admin,
        practitioner,
        client,
        patient,
        other_patient,
        screening,
        invitation,
        patient_events,
        other_events,
        foreign_event,
    )


def record(
    clinic: Clinic,
    action: str,
    object_type: str,
    object_id: int,
    *,
    user: User | None = None,
    api_client: ApiClient | None = None,
    detail: str = "",
) -> AuditEvent:
    event = audit_record(
        clinic=clinic,
        action=action,
        object_type=object_type,
        object_id=object_id,
        user=user,
        api_client=api_client,
        detail=detail,
    )
    assert event is not None
    return event
