"""The API reacts to a patient's erasure: stored responses of idempotent POSTs (kept 24 hours
for replays) that are about the patient's records go."""

from __future__ import annotations

import json
from typing import Any

from django.dispatch import receiver

from api.models import IdempotencyKey
from screening.erasure import ErasedRecords
from screening.signals import patient_erasing


@receiver(patient_erasing, dispatch_uid="api.idempotency_keys_of_erased_patient")
def idempotency_keys_of_erased_patient(*, records: ErasedRecords, **kwargs: Any) -> dict[str, int]:
    """Every stored response of the clinic is read (a day's POSTs at most: keys are purged
    after 24 hours): its Location or its body naming the records (`mentioned_in`) sends it.
    A retry with such a key afterwards is answered as a new request."""
    rows = IdempotencyKey.objects.filter(clinic_id=records.clinic_id).values_list(
        "pk", "location", "response_body"
    )
    ids = [
        pk
        for pk, location, body in rows.iterator()
        if records.mentioned_in([location, response_data(body)])
    ]
    deleted = IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
    return {"stored API responses": deleted}


def response_data(body: str) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
