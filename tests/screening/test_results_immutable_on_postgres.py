"""On PostgreSQL the database itself keeps stored intakes and results as they were stored.

Whatever path a statement comes from (the ORM, a shell, a hand-written UPDATE), the triggers of
`screening.models.results_immutable` refuse a change of a stored column and every DELETE; only
the review, acknowledgement and entered-in-error columns change, through their services.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from clinic.models import Patient, User
from screening.models import (
    INTAKE_MUTABLE_FIELDS,
    SCREENING_MUTABLE_FIELDS,
    AlarmAction,
    Intake,
    NoteRevision,
    Screening,
)
from screening.samples import sample_document
from screening.services import screening_acknowledge_alarm, screening_review
from tests.factories import screening_for
from tests.triggers import refused, statement

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture
def alarm(on_postgres: None, patient: Patient) -> Screening:
    return screening_for(patient, sample_document(answers={"red_flags.anaemia": True}))


SCREENING_CHANGES: dict[str, Any] = {
    "refer_first": False,
    "overall": "changed",
    "pattern_codes": ",changed,",
    "result": {"refer_first": False},
    "result_json": "{}",
    "completed_on": "2020-01-01",
    "engine": "0.0.0",
    "intake_sha256": "0" * 64,
    "created_at": timezone.now(),
}
INTAKE_CHANGES: dict[str, Any] = {
    "document": {"answers": {}},
    "document_sha256": "0" * 64,
    "completed_on": "2020-01-01",
    "instrument": "other",
    "version": 2,
    "source": Intake.Source.CLI,
    "birth_date_source": Intake.BirthDateSource.NONE,
}


@pytest.mark.parametrize(("field", "value"), SCREENING_CHANGES.items())
def test_a_stored_result_column_cannot_be_updated(alarm: Screening, field: str, value: Any) -> None:
    assert refused(lambda: Screening.objects.filter(pk=alarm.pk).update(**{field: value}))


@pytest.mark.parametrize(("field", "value"), INTAKE_CHANGES.items())
def test_a_stored_intake_column_cannot_be_updated(alarm: Screening, field: str, value: Any) -> None:
    assert refused(lambda: Intake.objects.filter(pk=alarm.intake_id).update(**{field: value}))


def test_a_hand_written_update_or_delete_is_refused_too(alarm: Screening) -> None:
    update = "UPDATE screening_screening SET refer_first = false WHERE id = %s"
    assert refused(statement(update, alarm.pk))
    assert refused(statement("DELETE FROM screening_screening WHERE id = %s", alarm.pk))
    assert Screening.objects.get(pk=alarm.pk).refer_first is True


def test_stored_rows_cannot_be_deleted(alarm: Screening, practitioner: User) -> None:
    screening_review(screening=alarm, user=practitioner, notes="draft", reviewed=False)

    assert refused(lambda: NoteRevision.objects.all().delete())
    assert refused(lambda: Screening.objects.filter(pk=alarm.pk)._raw_delete(connection.alias))
    assert refused(lambda: Intake.objects.filter(pk=alarm.intake_id)._raw_delete(connection.alias))
    assert Screening.objects.filter(pk=alarm.pk).exists()


def test_a_saved_note_revision_cannot_be_rewritten(alarm: Screening, practitioner: User) -> None:
    screening_review(screening=alarm, user=practitioner, notes="first", reviewed=False)

    assert refused(lambda: NoteRevision.objects.update(notes="rewritten"))


def test_the_review_acknowledgement_and_error_columns_still_change(
    alarm: Screening, practitioner: User
) -> None:
    # when every service that may change a stored record runs
    screening_acknowledge_alarm(screening=alarm, user=practitioner, action=AlarmAction.REFERRED)
    screening_review(screening=alarm, user=practitioner, notes="Referred.", reviewed=True)

    # then their columns changed, and those are exactly the ones the trigger leaves open
    alarm.refresh_from_db()
    assert alarm.reviewed_at is not None and alarm.alarm_ack_at is not None
    assert not refused(lambda: Screening.objects.filter(pk=alarm.pk).update(entered_in_error=True))
    assert not refused(
        lambda: Intake.objects.filter(pk=alarm.intake_id).update(entered_in_error_reason="test")
    )
    assert set(SCREENING_MUTABLE_FIELDS) == {
        "reviewed_at",
        "reviewed_by",
        "practitioner_notes",
        *(name for name in SCREENING_MUTABLE_FIELDS if name.startswith("alarm_ack_")),
        "entered_in_error",
    }
    assert all(name.startswith("entered_in_error_") for name in INTAKE_MUTABLE_FIELDS)
