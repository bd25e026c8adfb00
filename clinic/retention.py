"""Retention: how long a clinic keeps a patient's records, which patients are past it, and the
purge of the drafts of expired invitations.

A clinic keeps a patient's records `Clinic.retention_days` days; empty keeps them until the
practice erases them. The period counts from the patient's last intake (received) or, for a
patient who never submitted one, from the later of the patient's creation and their last
invitation (`retention_start`). It ends at a day boundary: the start of the day after the
period ran out, in the site's time zone (`settings.TIME_ZONE`), so that a refusal can name the
first day erasure is allowed and be right all of that day. While the period runs, the records
are held: an erasure on request is refused (`retention_held_until`). From that day on, the
daily sweep erases them (`screening.erasure.retention_sweep`: erasure reaches up into the
screening domain, so the sweep lives there). The drafts of invitations that expired without
being submitted are not part of the record: the sweep empties them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from clinic.models import Clinic, Invitation, Patient


@dataclass(frozen=True)
class ClinicRetentionDue:
    """The patients of one clinic whose retention period has ended."""

    clinic_id: int
    retention_days: int
    patient_ids: list[int]


def retention_start() -> Coalesce:
    """When a patient's retention period starts counting (an annotation of `Patient`): the
    last intake's arrival; without an intake, the later of the patient's creation and their
    last invitation (a patient invited but never screened is not kept for ever)."""
    last_invited = Subquery(
        Invitation.objects.filter(patient=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Coalesce(
        Max("intakes__received_at"),
        Greatest("created_at", Coalesce(last_invited, "created_at")),
    )


def day_start(moment: datetime) -> datetime:
    """The start of `moment`'s day in the site's time zone (the latest boundary not after it)."""
    zone = timezone.get_default_timezone()
    return datetime.combine(timezone.localtime(moment, zone).date(), time.min, tzinfo=zone)


def hold_end(*, retention_start: datetime, retention_days: int) -> datetime:
    """The first moment the records are no longer held: the period's end rounded up to a day
    boundary (the period's end itself when it falls on one)."""
    zone = timezone.get_default_timezone()
    end = timezone.localtime(retention_start + timedelta(days=retention_days), zone)
    if end.time() == time.min:
        return end
    return datetime.combine(end.date() + timedelta(days=1), time.min, tzinfo=zone)


def patients_past_retention(*, now: datetime | None = None) -> list[ClinicRetentionDue]:
    """Per clinic with a retention period, the patients no longer held at `now`.

    `hold_end(start) <= now` holds exactly when `start + days <= day_start(now)` (the hold
    ends at a day boundary, and the latest boundary not after `now` is `day_start(now)`): the
    same rule as `retention_held_until`, compared in the database.
    """
    now = now or timezone.now()
    today = day_start(now)
    due = []
    for clinic in Clinic.objects.filter(retention_days__isnull=False).order_by("pk"):
        assert clinic.retention_days is not None
        cutoff = today - timedelta(days=clinic.retention_days)
        patient_ids = list(
            Patient.objects.filter(clinic=clinic)
            .annotate(retention_start=retention_start())
            .filter(retention_start__lte=cutoff)
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
    """The first moment the clinic's retention period no longer holds the patient's records
    (`hold_end`: a day boundary); None when nothing holds them (no period, or no patient any
    more). Held before it, due for the sweep from it on."""
    retention_days = Clinic.objects.values_list("retention_days", flat=True).get(
        pk=patient.clinic_id
    )
    if retention_days is None:
        return None
    start = (
        Patient.objects.filter(pk=patient.pk)
        .annotate(retention_start=retention_start())
        .values_list("retention_start", flat=True)
        .first()
    )
    if start is None:
        return None
    return hold_end(retention_start=start, retention_days=retention_days)
