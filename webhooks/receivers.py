"""Webhooks react to a patient's erasure: the deliveries about the patient's records go, sent
or not (a pending one is never sent: its task finds no row), and then the `patient.erased`
event is recorded, so that the practice's other systems erase their copies too."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from screening.erasure import ErasedRecords
from screening.signals import patient_erasing
from webhooks.models import WebhookDelivery
from webhooks.services import (
    PATIENT_ERASED,
    SCREENING_CREATED,
    event_id_for,
    timestamp_text,
    webhook_event_emit,
)


@receiver(patient_erasing, dispatch_uid="webhooks.deliveries_of_erased_patient")
def deliveries_of_erased_patient(
    *, records: ErasedRecords, reason: str, **kwargs: Any
) -> dict[str, int]:
    ids = webhook_deliveries_about(records)
    deleted = WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
    # After the delete, which would take the new event for one about the patient.
    patient_erased_emit(records=records, reason=reason)
    return {"webhook deliveries": deleted}


def patient_erased_emit(*, records: ErasedRecords, reason: str) -> list[int]:
    """The patient.erased event, in the erasure's transaction: the patient's id (as the API
    gives it), when and why (the reason code), nothing that could identify the person."""
    return webhook_event_emit(
        clinic_id=records.clinic_id,
        event_type=PATIENT_ERASED,
        subject_id=records.patient_id,
        data={
            "patient": records.patient_id,
            "erased_at": timestamp_text(timezone.now()),
            "reason": reason,
        },
    )


def webhook_deliveries_about(records: ErasedRecords) -> list[int]:
    """The clinic's deliveries about the records.

    A `screening.created` delivery is about them exactly when its event id is one of their
    screenings' (`event_id_for`): found by id, not read. Any other event's id says nothing
    of its subject: the database narrows those to payloads holding one of the records'
    search texts, and each candidate's JSON then decides (`mentioned_in`).
    """
    created_events = [event_id_for(SCREENING_CREATED, pk) for pk in records.screening_ids]
    other_events = Q(
        reduce(or_, (Q(payload__contains=text) for text in records.search_texts()))
    ) & ~Q(event_type=SCREENING_CREATED)
    clinic_deliveries = WebhookDelivery.objects.filter(clinic_id=records.clinic_id)
    created = list(
        clinic_deliveries.filter(
            event_type=SCREENING_CREATED, event_id__in=created_events
        ).values_list("pk", flat=True)
    )
    others = [
        pk
        for pk, payload in clinic_deliveries.filter(other_events)
        .values_list("pk", "payload")
        .iterator()
        if records.mentioned_in_json(payload)
    ]
    return created + others
