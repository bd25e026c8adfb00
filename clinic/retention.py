"""Retention: which patients are past their clinic's retention period, and the purge of the
drafts of expired invitations.

A clinic keeps a patient's records `Clinic.retention_days` days after the patient's last
intake (received); empty keeps them. Erasure is not built yet and stored intakes and screenings
are protected by triggers, so the sweep only REPORTS the patients that are due (counts and ids,
never names). The drafts of invitations that expired without being submitted are not part of
the record: the sweep empties them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from clinic.models import Clinic, Invitation, Patient

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClinicRetentionDue:
    """The patients of one clinic whose last intake is older than the clinic keeps records."""

    clinic_id: int
    retention_days: int
    patient_ids: list[int]


@dataclass(frozen=True)
class RetentionSweep:
    due: list[ClinicRetentionDue]
    drafts_purged: int

    @property
    def patients_due(self) -> int:
        return sum(len(clinic.patient_ids) for clinic in self.due)


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


def retention_sweep(*, now: datetime | None = None) -> RetentionSweep:
    """The periodic task's work: report what is due, purge expired drafts; log counts only."""
    now = now or timezone.now()
    sweep = RetentionSweep(
        due=patients_past_retention(now=now), drafts_purged=expired_drafts_purge(now=now)
    )
    for clinic in sweep.due:
        if clinic.patient_ids:
            logger.warning(
                "retention: clinic %s has %d patients past its %d days (not erased: erasure "
                "is not available yet)",
                clinic.clinic_id,
                len(clinic.patient_ids),
                clinic.retention_days,
            )
    logger.info(
        "retention sweep: %d clinics with a retention period, %d patients past it, %d drafts "
        "of expired invitations purged",
        len(sweep.due),
        sweep.patients_due,
        sweep.drafts_purged,
    )
    return sweep
