"""Writes for patients, invitations and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.models import ApiClient, AuditEvent, Clinic, Invitation, Patient, User, new_token, token_hash


def audit_record(
    *,
    clinic: Clinic | int,
    action: str,
    object_type: str,
    object_id: Any = "",
    user: User | None = None,
    api_client: ApiClient | None = None,
    detail: str = "",
) -> AuditEvent:
    """Record one read or write of patient data. Callers pass ids, never patient data."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    return AuditEvent.objects.create(
        clinic_id=clinic_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        user=user if user is not None and user.is_authenticated else None,
        api_client=api_client,
        detail=detail[:200],
    )


def patient_create(*, clinic: Clinic, **fields: Any) -> Patient:
    patient = Patient(clinic=clinic, **fields)
    patient.full_clean()
    patient.save()
    return patient


def patient_update(*, patient: Patient, **fields: Any) -> Patient:
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def invitation_create(
    *, patient: Patient, created_by: User | None = None, ttl_days: int | None = None
) -> tuple[Invitation, str]:
    """A new private intake link for `patient`: the invitation and its token (shown once)."""
    token = new_token()
    days = settings.INVITATION_TTL_DAYS if ttl_days is None else ttl_days
    invitation = Invitation.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        token_sha256=token_hash(token),
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return invitation, token


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("patient", "clinic")
        .filter(token_sha256=token_hash(token))
        .first()
    )
