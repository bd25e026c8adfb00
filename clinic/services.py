"""Writes for patients, invitations and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from clinic.models import (
    ApiClient,
    AuditEvent,
    Clinic,
    Invitation,
    Patient,
    User,
    new_token,
    token_hash,
)


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
    """Record one read or write of patient data. Callers pass ids, never patient data.

    A write's event commits with the write. A read's event is a transaction of its own,
    committed before the response leaves (see `read_event_save`).
    """
    event = AuditEvent(
        clinic_id=clinic if isinstance(clinic, int) else clinic.pk,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        user=user if user is not None and user.is_authenticated else None,
        api_client=api_client,
        at=timezone.now(),
        detail=detail[:200],
    )
    if action in READ_ACTIONS and settings.AUDIT_READS_ASYNCHRONOUS_COMMIT:
        read_event_save(event)
    else:
        event.save()
    return event


READ_ACTIONS = frozenset(
    {AuditEvent.Action.READ, AuditEvent.Action.LIST, AuditEvent.Action.DOWNLOAD}
)


def read_event_save(event: AuditEvent) -> None:
    """Save a read's audit event without waiting for PostgreSQL's disk flush.

    When the event is a transaction of its own (autocommit, no atomic block open), it commits
    with `synchronous_commit` off for that transaction alone: committed and visible at once,
    on disk within 600 ms (3 x wal_writer_delay); only a crash of the database server in that
    time (or a failover to a synchronous standby) could lose it. Elsewhere it is saved as usual.
    """
    connection = connections[router.db_for_write(AuditEvent)]
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or not connection.get_autocommit()
    ):
        event.save()
        return
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        event.save(using=connection.alias)


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


if TYPE_CHECKING:
    from screening.models import Intake


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


@transaction.atomic
def invitation_submit(*, invitation: Invitation) -> Intake:
    """Submit the draft through the one intake service; the stored Intake.

    The row lock makes a second submission (a double click, two tabs) wait and then return
    the first intake instead of storing another. Raises IntakeInvalid when the draft is not a
    valid intake; nothing is stored then.
    """
    # Imported here: screening's services may come to use this module's audit_record.
    from clinic.intake_form import draft_document
    from screening.instruments import get_instrument
    from screening.models import Intake
    from screening.services import intake_submit

    locked = (
        Invitation.objects.select_for_update()
        .select_related("patient", "clinic")
        .get(pk=invitation.pk)
    )
    if locked.submitted_at is not None:
        if locked.intake is None:
            raise ValueError("the invitation was submitted, but its intake is gone")
        return locked.intake
    document = draft_document(
        instrument=get_instrument(locked.instrument, locked.version),
        answers=locked.draft_answers,
        today=timezone.localdate(),
    )
    screening = intake_submit(patient=locked.patient, document=document, source=Intake.Source.FORM)
    locked.submitted_at = timezone.now()
    locked.intake = screening.intake
    locked.draft_answers = {}  # the intake holds the answers now; keep one copy only
    locked.save(update_fields=["submitted_at", "intake", "draft_answers"])
    audit_record(
        clinic=locked.clinic,
        action=AuditEvent.Action.CREATE,
        object_type="intake",
        object_id=screening.intake_id,
        detail="submitted through the patient form",
    )
    invitation.submitted_at, invitation.intake = locked.submitted_at, screening.intake
    return screening.intake
