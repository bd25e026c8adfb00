"""The API reacts to a patient's erasure: stored responses of idempotent POSTs (kept 24 hours
for replays) that are about the patient's records go."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from api.idempotency import RETENTION
from api.models import IdempotencyKey
from screening.erasure import ErasedRecords
from screening.signals import patient_erasing


@receiver(patient_erasing, dispatch_uid="api.idempotency_keys_of_erased_patient")
def idempotency_keys_of_erased_patient(*, records: ErasedRecords, **kwargs: Any) -> dict[str, int]:
    """The stored responses whose Location or body names the records (`mentioned_in`) go. A
    retry with such a key afterwards is answered as a new request.

    The database narrows the candidates to the clinic's keys still replayed (younger than
    `RETENTION`) whose Location or body holds one of the records' search texts; only those are
    read and parsed. The clinic's older keys are never replayed: they go unread, as the hourly
    purge would take them (not counted: they need not be about the patient).
    """
    cutoff = timezone.now() - RETENTION
    IdempotencyKey.objects.filter(clinic_id=records.clinic_id, created_at__lt=cutoff).delete()
    texts = records.search_texts()
    mentions = reduce(
        or_, (Q(location__contains=text) | Q(response_body__contains=text) for text in texts)
    )
    rows = IdempotencyKey.objects.filter(
        mentions, clinic_id=records.clinic_id, created_at__gte=cutoff
    ).values_list("pk", "location", "response_body")
    ids = [
        pk
        for pk, location, body in rows.iterator()
        if records.mentioned_in(location) or records.mentioned_in_json(body)
    ]
    deleted = IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
    return {"stored API responses": deleted}
