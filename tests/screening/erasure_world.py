"""A synthetic patient recorded everywhere a patient leaves a trace, for the erasure tests.

Every identifying value is distinctive, so that a search of the whole database and the media
folder for it finds exactly what is left of the patient.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import time_machine
from django.contrib.admin.models import CHANGE, LogEntry

from clinic.models import Clinic, Invitation, Patient, User
from clinic.services import invitation_create
from screening.models import AlarmAction, Screening
from screening.samples import sample_document
from screening.services import screening_acknowledge_alarm, screening_review
from tests.factories import PatientFactory, UserFactory, screening_for
from webhooks.models import WebhookEndpoint


@dataclass(frozen=True)
class Identity:
    """A synthetic patient's identifying values, and the free text they and the staff wrote."""

    given_name: str
    family_name: str
    external_id: str
    email: str
    birth_date: datetime.date
    concern: str
    draft_text: str
    notes: str
    acknowledgement: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def searched(self) -> list[str]:
        """What no row or file may hold after the erasure (case-insensitive)."""
        return [
            self.given_name,
            self.family_name,
            self.external_id,
            self.email,
            self.birth_date.isoformat(),
            self.concern,
            self.draft_text,
            self.notes,
            self.acknowledgement,
        ]


def identity(tag: str) -> Identity:
    return Identity(
        given_name=f"Quillonia{tag}",
        family_name=f"Zebrowskaya{tag}",
        external_id=f"ERASE-7Q4X-{tag}",
        email=f"quillonia.{tag.lower()}@example.org",
        birth_date=datetime.date(1953, 7, 19),
        concern=f"Xylophage cramps {tag} since the move",
        draft_text=f"Half-typed answer {tag} about oatcakes",
        notes=f"Discussed the Vantablack diary {tag}",
        acknowledgement=f"Referred to Dr Orbison {tag}",
    )


@dataclass
class Recorded:
    patient: Patient
    identity: Identity
    screening: Screening
    invitation: Invitation
    extra: dict[str, int] = field(default_factory=dict)


def clinic_admin(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, role=User.Role.CLINIC_ADMIN)


def webhook_endpoint(clinic: Clinic) -> WebhookEndpoint:
    """An endpoint of the clinic subscribed to every event (deliveries are recorded for it)."""
    return WebhookEndpoint.objects.create(
        clinic=clinic, url="https://hooks.example.org/erasure", secret="whsec_synthetic", events=[]
    )


def recorded_patient(clinic: Clinic, practitioner: User, who: Identity) -> Recorded:
    """The patient, an invitation with a draft, an intake with alarm features and free text,
    acknowledged and reviewed with notes, and the admin's history of a change."""
    patient = PatientFactory(
        clinic=clinic,
        given_name=who.given_name,
        family_name=who.family_name,
        external_id=who.external_id,
        email=who.email,
        birth_date=who.birth_date,
    )
    invitation, _ = invitation_create(patient=patient, created_by=practitioner)
    Invitation.objects.filter(pk=invitation.pk).update(
        draft_answers={"history.main_concern": who.draft_text}, draft_step=3
    )
    screening = screening_for(
        patient,
        sample_document(
            birth_date=who.birth_date.isoformat(),
            answers={"red_flags.anaemia": True, "history.main_concern": who.concern},
        ),
    )
    screening_acknowledge_alarm(
        screening=screening, user=practitioner, action=AlarmAction.OTHER, note=who.acknowledgement
    )
    screening_review(screening=screening, user=practitioner, notes=who.notes, reviewed=True)
    # What the admin records of a change (its history names the row as str() shows it).
    LogEntry.objects.log_actions(
        user_id=practitioner.pk, queryset=[patient], action_flag=CHANGE, change_message="[]"
    )
    return Recorded(patient=patient, identity=who, screening=screening, invitation=invitation)


# Retention examples: a patient added before the examples' intakes and invitations, so that the
# latest of those (not the record's creation) starts the period.
ADDED_BEFORE_THE_EXAMPLES = datetime.datetime(2024, 12, 1, 9, 0, tzinfo=datetime.UTC)


def added(clinic: Clinic, **fields: Any) -> Patient:
    """A patient added before the retention examples' intakes and invitations."""
    return PatientFactory(clinic=clinic, created_at=ADDED_BEFORE_THE_EXAMPLES, **fields)


def intake_at(patient: Patient, moment: str) -> None:
    """An intake (and its screening) received at `moment`, an ISO 8601 time."""
    with time_machine.travel(moment, tick=False):
        screening_for(patient, sample_document(completed_on=moment[:10]))
