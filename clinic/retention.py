"""Retention: how long a clinic keeps a patient's records, which patients are past it, and the
purge of the drafts of expired invitations.

A clinic keeps a patient's records `Clinic.retention_days` days after the patient's last
intake (received); empty keeps them until the practice erases them. While the period runs, the
records are held: an erasure on request is refused (`retention_held_until`). Once it has run,
the daily sweep erases them (`screening.erasure.retention_sweep`: erasure reaches up into the
screening domain, so the sweep lives there). The drafts of invitations that expired without
being submitted are not part of the record: the sweep empties them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from clinic.models import Clinic, Invitation, Patient


@dataclass(frozen=True)
class ClinicRetentionDue:
    """The patients of one clinic whose last intake is older than the clinic keeps records."""

    clinic_id: int
    retention_days: int
    patient_ids: list[int]


def patients_past_retention(*, now: datetime | None = None) -> list[ClinicRetentionDue]:
    """Per clinic with a retention period, the patients whose last intake was received at least
    that many days ago. Patients without an intake are not due (there is no last intake)."""
    now = now or timezone.now()
    due = []
    for clinic in Clinic.objects.filter(retention_days__isnull=False).order_by("pk"):
        assert clinic.retention_days is not None
        cutoff = now - timedelta(days=clinic.retention_days)
        patient_ids = list(
            Patient.objects.filter(clinic=clinic)
            .annotate(last_intake_at=Max("intakes__received_at"))
            .filter(last_intake_at__lte=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        due.append(ClinicRetentionDue(clinic.pk, clinic.retention_days, patient_ids))
    return due


def expired_drafts_purge(*, now: datetime | None = None) -> int:
    """Empty the saved answers of invitations expired and never submitted; how many."""
    now = now or timezone.now()
    return (
        Invitation.objects.filter(expires_at__lte=now, submitted_at__isnull=True)
        .exclude(draft_answers={})
        .update(draft_answers={}, draft_step=0)
    )


def retention_held_until(*, patient: Patient) -> datetime | None:
    """Until when the clinic's retention period holds the patient's records: the last intake's
    arrival plus `retention_days`. None when nothing holds them (no period, or no intake).

    The same moment `patients_past_retention` counts from: held before it, due from it on.
    """
    retention_days = Clinic.objects.values_list("retention_days", flat=True).get(
        pk=patient.clinic_id
    )
    if retention_days is None:
        return None
    last_intake_at = Patient.objects.filter(pk=patient.pk).aggregate(
        last=Max("intakes__received_at")
    )["last"]
    if last_intake_at is None:
        return None
    return last_intake_at + timedelta(days=retention_days)
