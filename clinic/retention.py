"""Retention: how long a clinic keeps a patient's records, which patients are past it, and the
purge of the drafts of expired invitations.

A clinic keeps a patient's records `Clinic.retention_days` days, never fewer than
`RETENTION_MIN_DAYS` (a clinic may have stored a shorter period before the minimum was checked:
`retention_periods`, the one place the period is read); empty keeps them until the practice
erases them. The period counts from the latest of the patient's last intake (received), their
last invitation and their creation (`retention_start`): a patient re-invited after an intake
keeps their records, and their link, while they answer. The days are the site's calendar days
(`settings.TIME_ZONE`: 23 or 25 hours across a DST change) and the period ends at a day
boundary, the start of the day after it ran out (`hold_end`), so that a refusal can name the
first day erasure is allowed and be right all of that day. While the period runs, the records
are held: an erasure on request is refused (`retention_refusal`). From that day on, the
daily sweep erases them (`screening.erasure.retention_sweep`: erasure reaches up into the
screening domain, so the sweep lives there). The drafts of invitations that expired without
being submitted are not part of the record: the sweep empties them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from clinic.models import Clinic, Invitation, Patient

# A day on the site's clock lasts 23 to 25 hours: the database narrows the patients due with
# this much room, and `hold_end` decides (a zone's offset has never changed by a day or more).
NARROWING_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class RetentionPeriod:
    """A clinic's retention period: as stored, and as kept (`days`, at least the minimum)."""

    clinic_id: int
    stored_days: int
    days: int


@dataclass(frozen=True)
class ClinicRetentionDue:
    """The patients of one clinic whose retention period has ended."""

    clinic_id: int
    retention_days: int
    patient_ids: list[int]
    stored_days: int  # under `retention_days` when the minimum raised the clinic's period


def retention_periods(*, clinic_id: int | None = None) -> list[RetentionPeriod]:
    """The clinics with a retention period (or the one asked for, if it has one), by id: the
    stored period raised to `RETENTION_MIN_DAYS`, which the refusal and the sweep both keep."""
    clinics = Clinic.objects.filter(retention_days__isnull=False)
    if clinic_id is not None:
        clinics = clinics.filter(pk=clinic_id)
    minimum = settings.RETENTION_MIN_DAYS
    periods = []
    for pk, stored in clinics.order_by("pk").values_list("pk", "retention_days"):
        assert stored is not None  # filtered above
        periods.append(RetentionPeriod(pk, stored, max(stored, minimum)))
    return periods


def retention_start() -> Greatest:
    """When a patient's retention period starts counting (an annotation of `Patient`): the
    latest of the last intake's arrival, the last invitation and the patient's creation (a
    patient invited but never screened is not kept for ever; one re-invited is kept while
    they answer). Each is the creation when missing: SQLite's greatest of a NULL is NULL."""
    last_invited = Subquery(
        Invitation.objects.filter(patient=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Greatest(
        "created_at",
        Coalesce(Max("intakes__received_at"), "created_at"),
        Coalesce(last_invited, "created_at"),
    )


def day_start(moment: datetime) -> datetime:
    """The start of `moment`'s day in the site's time zone (the latest boundary not after it)."""
    zone = timezone.get_default_timezone()
    return datetime.combine(timezone.localtime(moment, zone).date(), time.min, tzinfo=zone)


def hold_end(*, retention_start: datetime, retention_days: int) -> datetime:
    """The first moment the records are no longer held, the one definition of the refusal and
    the sweep: the days added on the site's clock, rounded up to the start of the next day
    there (the end itself when it falls on one)."""
    zone = timezone.get_default_timezone()
    local_start = timezone.localtime(retention_start, zone).replace(tzinfo=None)
    end = local_start + timedelta(days=retention_days)
    day = end.date() if end.time() == time.min else end.date() + timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=zone)


def patients_past_retention(*, now: datetime | None = None) -> list[ClinicRetentionDue]:
    """Per clinic with a retention period, the patients no longer held at `now`
    (`hold_end(start) <= now`, as `retention_held_until`). The database lists the patients
    whose period started early enough for it to have ended, give or take `NARROWING_MARGIN`;
    `hold_end` decides."""
    now = now or timezone.now()
    due = []
    for period in retention_periods():
        starts = (
            Patient.objects.filter(clinic_id=period.clinic_id)
            .annotate(retention_start=retention_start())
            .filter(retention_start__lte=now - timedelta(days=period.days) + NARROWING_MARGIN)
            .order_by("pk")
            .values_list("pk", "retention_start")
        )
        patient_ids = [
            pk
            for pk, start in starts
            if hold_end(retention_start=start, retention_days=period.days) <= now
        ]
        due.append(
            ClinicRetentionDue(period.clinic_id, period.days, patient_ids, period.stored_days)
        )
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
    periods = retention_periods(clinic_id=patient.clinic_id)
    if not periods:
        return None
    start = (
        Patient.objects.filter(pk=patient.pk)
        .annotate(retention_start=retention_start())
        .values_list("retention_start", flat=True)
        .first()
    )
    if start is None:
        return None
    return hold_end(retention_start=start, retention_days=periods[0].days)


def retention_refusal(*, patient: Patient, now: datetime | None = None) -> str | None:
    """Why the retention period holds the patient's records at `now`, naming the last day held
    and the first day erasure is allowed (the hold ends at the start of that day, in the
    site's time zone), or None."""
    held_until = retention_held_until(patient=patient)
    if held_until is None or (now or timezone.now()) >= held_until:
        return None
    zone = timezone.get_default_timezone()
    first_day = timezone.localtime(held_until, zone).date()
    last_day = first_day - timedelta(days=1)
    return (
        "The clinic keeps a patient's records for its retention period, counted from the last "
        "intake, the last invitation or when the patient was added, whichever came last: this "
        f"patient's records are held until {last_day.isoformat()} and can be erased from "
        f"{first_day.isoformat()} on ({zone.key} time)."
    )
