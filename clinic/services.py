"""Writes of the tenants: patients, invitations and API clients."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.models import (
    TOKEN_PREFIX,
    ApiClient,
    Clinic,
    Invitation,
    Patient,
    User,
    new_token,
    token_hash,
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


@transaction.atomic
def invitation_draft_save(*, invitation: Invitation, answers: dict[str, Any], step: int) -> bool:
    """Save the patient's answers so far and the step to resume at; False once submitted."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.submitted_at is not None:
        return False
    locked.draft_answers = answers
    locked.draft_step = step
    locked.draft_saved_at = timezone.now()
    locked.save(update_fields=["draft_answers", "draft_step", "draft_saved_at"])
    invitation.draft_answers, invitation.draft_step = answers, step
    invitation.draft_saved_at = locked.draft_saved_at
    return True


def api_client_create(
    *, clinic: Clinic, name: str, scope: str = ApiClient.Scope.READ
) -> tuple[ApiClient, str]:
    """A new machine client and its bearer token; the token is not stored and never shown again."""
    token = new_token(TOKEN_PREFIX)
    client = ApiClient(
        clinic=clinic,
        name=name,
        scope=scope,
        token_prefix=token[:12],
        token_sha256=token_hash(token),
    )
    client.full_clean()
    client.save()
    return client, token


def api_client_revoke(*, client: ApiClient) -> ApiClient:
    """From now on its token is refused (401), like an unknown one."""
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client
