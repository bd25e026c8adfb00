"""Writes of intakes and screenings: one path for the API, the form, FHIR and the CLI."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from clinic.db import row_insert
from clinic.models import Patient
from clinic.webhooks import screening_created_emit
from reports.services import report_queue
from screening.documents import document_sha256, result_json
from screening.instruments.definition import Instrument
from screening.models import Intake, Screening
from screening.scoring import score_intake
from screening.validation import ensure_valid

# Relations copied from rows already loaded from the database (the clinic-scoped patient, the
# stored intake): model validation would query each one's existence again, and the database's
# foreign keys refuse a missing row anyway.
STORED_RELATIONS = ["clinic", "patient", "intake"]


def intake_submit(
    *, patient: Patient, document: dict[str, Any], source: str = Intake.Source.API
) -> Screening:
    """Validate, store and score one intake document; the report is queued after commit.

    Raises IntakeInvalid (naming every problem) and stores nothing when the document is bad.
    """
    # Validated before the transaction: it reads no rows, and an invalid document then leaves
    # a caller's transaction untouched.
    instrument = ensure_valid(document, today=timezone.localdate())
    # Within a caller's transaction (the API's, which adds the audit row), no savepoint: any
    # failure here fails the caller's transaction as a whole, and a savepoint costs two round
    # trips.
    with transaction.atomic(savepoint=False):
        intake = intake_build(patient=patient, document=document, source=source)
        intake.full_clean(exclude=STORED_RELATIONS)
        row_insert(intake)
        screening = screening_create(intake=intake, instrument=instrument, intake_is_new=True)
        # The report row commits with the screening (the outbox); its task is published after.
        report_queue(screening=screening, screening_is_new=True)
    return screening


def intake_build(
    *, patient: Patient, document: dict[str, Any], source: str = Intake.Source.API
) -> Intake:
    """The unsaved row of a (validated) intake document."""
    return Intake(
        clinic_id=patient.clinic_id,
        patient=patient,
        instrument=document["instrument"],
        version=document["version"],
        document=document,
        document_sha256=document_sha256(document),
        completed_on=document["completed_on"],
        source=source,
    )


def screening_build(*, intake: Intake, result: dict[str, Any]) -> Screening:
    """The unsaved row of a result document, with the columns lists filter on copied from it."""
    codes = [pattern["code"] for pattern in result["patterns"]]
    return Screening(
        clinic_id=intake.clinic_id,
        patient_id=intake.patient_id,
        intake=intake,
        engine=result["engine"],
        intake_sha256=intake.document_sha256,
        result=result,
        result_json=result_json(result),
        completed_on=intake.completed_on,
        overall=result["overall"],
        refer_first=result["refer_first"],
        pattern_codes=f",{','.join(codes)}," if codes else "",
    )


def screening_create(
    *, intake: Intake, instrument: Instrument, intake_is_new: bool = False
) -> Screening:
    """Score a stored intake with its instrument's engine and store the result.

    Refused (ValidationError) when this engine scored the intake already. `intake_is_new`: the
    intake was stored in this transaction, so no screening of it can exist yet and that check
    is skipped (the unique constraint in the database still stands).
    """
    screening = screening_build(intake=intake, result=score_intake(intake.document, instrument))
    screening.full_clean(exclude=STORED_RELATIONS, validate_constraints=False)
    if not intake_is_new:
        screening.validate_constraints()
    row_insert(screening)
    # Recorded in this transaction (the outbox), delivered by the worker after the commit.
    screening_created_emit(screening=screening)
    return screening


def screening_review(
    *, screening: Screening, user: Any, notes: str, reviewed: bool = True
) -> Screening:
    """Save the practitioner's notes; mark the screening reviewed (or not yet)."""
    screening.practitioner_notes = notes
    screening.reviewed_at = timezone.now() if reviewed else None
    screening.reviewed_by = user if reviewed else None
    screening.full_clean()
    screening.save(update_fields=["practitioner_notes", "reviewed_at", "reviewed_by"])
    return screening
