"""Webhooks react to a patient's erasure: the deliveries about the patient's records go, sent
or not (a pending one is never sent: its task finds no row)."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from screening.erasure import ErasedRecords
from screening.signals import patient_erasing
from webhooks.models import WebhookDelivery


@receiver(patient_erasing, dispatch_uid="webhooks.deliveries_of_erased_patient")
def deliveries_of_erased_patient(*, records: ErasedRecords, **kwargs: Any) -> dict[str, int]:
    ids = webhook_deliveries_about(records)
    deleted = WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
    return {"webhook deliveries": deleted}


def webhook_deliveries_about(records: ErasedRecords) -> list[int]:
    """The clinic's deliveries whose payload is about the records (`mentioned_in`).

    The database narrows the candidates to payloads holding one of the ids as a `patient`,
    `intake` or `screening` member (payloads are compact JSON: `"screening":12`, which also
    finds 120); each candidate's JSON then decides.
    """
    members = [("patient", records.patient_id)]
    members += [("intake", pk) for pk in records.intake_ids]
    members += [("screening", pk) for pk in records.screening_ids]
    candidates = Q()
    for name, pk in members:
        candidates |= Q(payload__contains=f'"{name}":{pk}') | Q(payload__contains=f'"{name}": {pk}')
    rows = WebhookDelivery.objects.filter(candidates, clinic_id=records.clinic_id)
    return [
        pk
        for pk, payload in rows.values_list("pk", "payload").iterator()
        if records.mentioned_in(payload_data(payload))
    ]


def payload_data(payload: str) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return None
