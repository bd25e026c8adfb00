"""Alarm notices react to the screening domain: a stored screening with alarm features gets
its notice, in the same transaction (the outbox); a patient's erasure deletes their notices."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from notifications.models import AlarmNotice
from notifications.services import alarm_notices_queue
from screening.erasure import ErasedRecords
from screening.models import Screening
from screening.signals import patient_erasing, screening_stored


@receiver(screening_stored, dispatch_uid="notifications.alarm_notice_of_stored_screening")
def alarm_notice_of_stored_screening(*, screening: Screening, **kwargs: Any) -> None:
    alarm_notices_queue(screening=screening)


@receiver(patient_erasing, dispatch_uid="notifications.alarm_notices_of_erased_patient")
def alarm_notices_of_erased_patient(*, records: ErasedRecords, **kwargs: Any) -> dict[str, int]:
    """Delete the notices of the erased screenings: a pending one is never sent (its task finds
    no row)."""
    deleted = AlarmNotice.objects.filter(
        clinic_id=records.clinic_id, screening_id__in=records.screening_ids
    ).delete()[0]
    return {"alarm notices": deleted}
