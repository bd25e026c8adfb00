"""Submitting the patient's draft: the form's one write of an intake, through the intake service."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.intake_form.steps import draft_document
from clinic.models import Invitation
from screening.instruments import get_instrument
from screening.models import Intake
from screening.services import intake_submit


@transaction.atomic
def invitation_submit(*, invitation: Invitation) -> Intake:
    """Submit the draft through the one intake service; the stored Intake.

    The row lock makes a second submission (a double click, two tabs) wait and then return
    the first intake instead of storing another. Raises IntakeInvalid when the draft is not a
    valid intake; nothing is stored then.
    """
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
