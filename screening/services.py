"""Writes of intakes and screenings: one path for the API, the form, FHIR and the CLI."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.models import Patient, User
from screening.documents import document_sha256, result_json
from screening.instruments.definition import Instrument
from screening.models import AlarmAction, Intake, NoteRevision, Screening
from screening.scoring import score_intake
from screening.signals import screening_changed, screening_stored
from screening.validation import IntakeInvalid, Problem, ensure_valid, latest_possible_date

# Relations copied from rows already loaded from the database (the clinic-scoped patient, the
# stored intake): model validation would query each one's existence again, and the database's
# foreign keys refuse a missing row anyway.
STORED_RELATIONS = ["clinic", "patient", "intake"]


def intake_submit(
    *, patient: Patient, document: dict[str, Any], source: str = Intake.Source.API
) -> Screening:
    """Validate, store and score one intake document; its side effects follow the commit.

    Raises IntakeInvalid (naming every problem) and stores nothing when the document is bad.
    """
    document, birth_date_source = document_with_patient_facts(patient=patient, document=document)
    # Validated before the transaction: it reads no rows, and an invalid document then leaves
    # a caller's transaction untouched.
    instrument = ensure_valid(document, today=latest_possible_date(timezone.now()))
    if birth_date_source == Intake.BirthDateSource.DOCUMENT:
        ensure_birth_date_matches_record(patient=patient, document=document)
    # Within a caller's transaction (the API's, which adds the audit row), no savepoint: any
    # failure here fails the caller's transaction as a whole, and a savepoint costs two round
    # trips.
    with transaction.atomic(savepoint=False):
        intake = intake_build(patient=patient, document=document, source=source)
        intake.birth_date_source = birth_date_source
        intake.full_clean(exclude=STORED_RELATIONS)
        intake.save(force_insert=True)
        return screening_create(intake=intake, instrument=instrument, intake_is_new=True)


def document_with_patient_facts(
    *, patient: Patient, document: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """The document to validate, score and store, and where its birth date came from.

    One rule for every entry point (API, FHIR, the form, demo data): a document without
    `patient.birth_date` takes the patient record's, so an alarm feature that depends on age
    (onset after 50) is never lost because a sender left it out. A document whose birth date
    differs from the record's is refused afterwards (`ensure_birth_date_matches_record`).
    Anything malformed is left as it is, for validation to name.
    """
    facts = document.get("patient", {}) if isinstance(document, dict) else None
    if not isinstance(facts, dict):
        return document, Intake.BirthDateSource.NONE
    if "birth_date" in facts:
        return document, Intake.BirthDateSource.DOCUMENT
    if patient.birth_date is None:
        return document, Intake.BirthDateSource.NONE
    filled = {**facts, "birth_date": patient.birth_date.isoformat()}
    return {**document, "patient": filled}, Intake.BirthDateSource.PATIENT_RECORD


def ensure_birth_date_matches_record(*, patient: Patient, document: dict[str, Any]) -> None:
    """IntakeInvalid naming `patient.birth_date` when a (valid) document's birth date is not
    the patient record's: one of the two is wrong, and age decides an alarm feature."""
    if patient.birth_date is None or document["patient"]["birth_date"] == (
        patient.birth_date.isoformat()
    ):
        return
    message = (
        "differs from the birth date in the patient's record; omit it to use the record's, "
        "or correct the record first"
    )
    raise IntakeInvalid([Problem("patient.birth_date", "differs_from_record", message)])


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
    screening.save(force_insert=True)
    # In this transaction, the side effects record their outbox rows (the report, webhook
    # events, the alarm notice); the worker acts on them after the commit.
    screening_stored.send(sender=Screening, screening=screening)
    return screening


@transaction.atomic
def screening_review(*, screening: Screening, user: User, notes: str, reviewed: bool) -> Screening:
    """Save the practitioner's notes and mark the screening reviewed (or not yet).

    A screening with alarm features cannot be marked reviewed before the alarm is
    acknowledged. Every save keeps a NoteRevision (earlier notes stay readable, with who and
    when), is audited, and queues a new PDF so that the report shows what was saved.
    """
    if reviewed and screening.refer_first and screening.alarm_ack_at is None:
        raise ValidationError(
            {
                "reviewed": "This screening reports alarm features: record what was done about "
                "them before marking it reviewed."
            }
        )
    screening.practitioner_notes = notes
    # Whoever saves the notes as reviewed signs them off: the PDF names them.
    screening.reviewed_at = timezone.now() if reviewed else None
    screening.reviewed_by = user if reviewed else None
    screening.full_clean(exclude=STORED_RELATIONS, validate_constraints=False)
    screening.save(update_fields=["practitioner_notes", "reviewed_at", "reviewed_by"])
    NoteRevision.objects.create(
        clinic_id=screening.clinic_id,
        screening=screening,
        notes=notes,
        saved_by=user,
        saved_by_name=user.display_name,
        reviewed=reviewed,
    )
    audit_record(
        clinic=screening.clinic_id,
        user=user,
        action=AuditEvent.Action.UPDATE,
        object_type="screening",
        object_id=screening.pk,
        detail="review saved" + (", marked reviewed" if reviewed else ""),
    )
    screening_changed.send(sender=Screening, screening=screening)
    return screening


@transaction.atomic
def screening_acknowledge_alarm(
    *, screening: Screening, user: User, action: str, note: str = ""
) -> Screening:
    """Record what a practitioner did about a screening's alarm features; once, audited.

    The acknowledgement is part of the clinical record: it cannot be changed afterwards (a
    later note goes into the review notes), and the PDF is rendered again to show it.
    """
    note = note.strip()
    if not screening.refer_first:
        raise ValidationError({"action": "This screening reports no alarm features."})
    if screening.alarm_ack_at is not None:
        raise ValidationError({"action": "The alarm features were acknowledged already."})
    if action not in AlarmAction.values:
        raise ValidationError({"action": "Choose what was done about the alarm features."})
    if action == AlarmAction.OTHER and not note:
        raise ValidationError({"note": "Describe what was done."})
    screening.alarm_ack_action = action
    screening.alarm_ack_note = note
    screening.alarm_ack_at = timezone.now()
    screening.alarm_ack_by = user
    screening.alarm_ack_by_name = user.display_name
    screening.full_clean(exclude=STORED_RELATIONS, validate_constraints=False)
    screening.save(update_fields=ALARM_ACK_FIELDS)
    audit_record(
        clinic=screening.clinic_id,
        user=user,
        action=AuditEvent.Action.UPDATE,
        object_type="screening",
        object_id=screening.pk,
        detail=f"alarm features acknowledged: {action}",
    )
    screening_changed.send(sender=Screening, screening=screening)
    return screening


ALARM_ACK_FIELDS = [
    "alarm_ack_action",
    "alarm_ack_note",
    "alarm_ack_at",
    "alarm_ack_by",
    "alarm_ack_by_name",
]


@transaction.atomic
def intake_mark_entered_in_error(*, intake: Intake, user: User, reason: str) -> Intake:
    """Mark an intake entered in error (wrong patient, a test submission): once, with a reason.

    Nothing is deleted: the intake and its screenings stay readable by id, showing the mark,
    and leave the lists, the review queue, the trend and the comparison with the previous
    screening. The mark is copied onto the intake's screenings so lists filter without a join;
    their reports are rendered again to show the mark, and so are the next intake's, since
    they compared with this one.
    Refused (ValidationError naming `reason`) without a reason or when marked already.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the intake was entered in error."})
    limit = Intake._meta.get_field("entered_in_error_reason").max_length or 500
    if len(reason) > limit:
        raise ValidationError({"reason": f"Keep the reason within {limit} characters."})
    # Locked, and read again: of two practitioners marking at once, the second is refused.
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    if intake.entered_in_error_at is not None:
        raise ValidationError(
            {"reason": "This intake was marked entered in error already; the mark is final."}
        )
    intake.entered_in_error_at = timezone.now()
    intake.entered_in_error_by = user
    intake.entered_in_error_reason = reason
    intake.save(
        update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"]
    )
    Screening.objects.filter(intake_id=intake.pk).update(entered_in_error=True)
    # Ids only: the reason may carry health data.
    audit_record(
        clinic=intake.clinic_id,
        user=user,
        action=AuditEvent.Action.UPDATE,
        object_type="intake",
        object_id=intake.pk,
        detail="marked entered in error",
    )
    # Their own reports now say so; the next intake's compare with another screening.
    marked = Screening.objects.filter(intake_id=intake.pk).only("id", "clinic_id")
    for screening in [*marked, *screenings_of_next_intake(intake=intake)]:
        screening_changed.send(sender=Screening, screening=screening)
    return intake


def screenings_of_next_intake(*, intake: Intake) -> list[Screening]:
    """The screenings of the patient's next intake (not entered in error) after this one: the
    ones whose comparison with the previous screening was with this intake."""
    later = sorted(
        (completed_on, intake_id)
        for completed_on, intake_id in Screening.objects.filter(
            clinic_id=intake.clinic_id,
            patient_id=intake.patient_id,
            entered_in_error=False,
            completed_on__gte=intake.completed_on,
        ).values_list("completed_on", "intake_id")
        if (completed_on, intake_id) > (intake.completed_on, intake.pk)
    )
    if not later:
        return []
    return list(Screening.objects.filter(intake_id=later[0][1]).only("id", "clinic_id"))
