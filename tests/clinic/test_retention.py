"""Retention: the patients past their clinic's retention period (from the latest of the last
intake, the last invitation and their creation, to the start of the following day; never
shorter than RETENTION_MIN_DAYS), and only those, are erased by the daily sweep (audited,
counts in the log), and the drafts of expired invitations, and only those, are emptied."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Clinic, Invitation, Patient
from clinic.retention import expired_drafts_purge, patients_past_retention
from clinic.services import invitation_create
from screening.erasure import clinic_retention_erase, erasure_refusal, retention_sweep
from screening.models import Intake
from screening.samples import sample_document
from screening.tasks import retention_sweep_task
from tests.factories import PatientFactory, screening_for
from tests.screening.erasure_world import added, intake_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("thirty_day_retention_minimum")]

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
DRAFT = {"bloating.frequency": 3, "notes.free_text": "synthetic draft"}


def test_it_reports_exactly_the_patients_whose_period_ended_before_today(
    clinic_a: Clinic, clinic_b: Clinic
) -> None:
    # given: clinic A keeps 30 days, clinic B keeps everything
    clinic_a.retention_days = 30
    clinic_a.save()
    old = added(clinic_a)
    intake_at(old, "2026-01-01T09:00:00Z")
    returned = added(clinic_a)  # an old intake, and a recent one
    intake_at(returned, "2026-01-01T09:00:00Z")
    intake_at(returned, "2026-01-20T09:00:00Z")
    ended_yesterday = added(clinic_a)
    intake_at(ended_yesterday, "2026-01-02T09:00:00Z")
    ends_today = added(clinic_a)
    intake_at(ends_today, "2026-01-03T09:00:00Z")
    with time_machine.travel("2025-12-01T09:00:00Z", tick=False):
        added_long_ago = PatientFactory(clinic=clinic_a)  # no intake: counted from its creation
        invited_lately = PatientFactory(clinic=clinic_a)
    with time_machine.travel("2026-01-25T09:00:00Z", tick=False):
        invitation_create(patient=invited_lately)  # no intake: counted from the invitation
    kept = added(clinic_b)
    intake_at(kept, "2025-01-01T09:00:00Z")

    # when
    with time_machine.travel("2026-02-02T09:00:00Z", tick=False):
        due = patients_past_retention()

    # then: periods that ended before today are due; one ending today, 12 days ago, not
    assert [(c.clinic_id, c.retention_days) for c in due] == [(clinic_a.pk, 30)]
    assert due[0].patient_ids == sorted([old.pk, ended_yesterday.pk, added_long_ago.pk])


def test_a_patient_is_due_from_the_start_of_the_day_after_the_period_ends(
    clinic_a: Clinic,
) -> None:
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = added(clinic_a)
    intake_at(patient, "2026-01-02T09:00:00Z")  # 30 days end at 2026-02-01 09:00

    with time_machine.travel("2026-02-01T23:59:59Z", tick=False):
        assert patients_past_retention()[0].patient_ids == []
    with time_machine.travel("2026-02-02T00:00:00Z", tick=False):
        assert patients_past_retention()[0].patient_ids == [patient.pk]


def test_a_patient_invited_but_never_screened_is_erased_once_the_period_ends(
    clinic_a: Clinic,
) -> None:
    # given: added and invited on 2026-01-01, never screened
    clinic_a.retention_days = 30
    clinic_a.save()
    with time_machine.travel("2026-01-01T09:00:00Z", tick=False):
        patient = PatientFactory(clinic=clinic_a)
        invitation_create(patient=patient)

    # when: held through 2026-01-31, swept on 2026-02-01
    with time_machine.travel("2026-01-31T23:59:59Z", tick=False):
        held = retention_sweep()
    with time_machine.travel("2026-02-01T00:00:00Z", tick=False):
        swept = retention_sweep()

    # then: its name, email and birth date go with it
    assert held.patients_erased == 0
    assert swept.patients_erased == 1
    assert not Patient.objects.filter(pk=patient.pk).exists()
    assert not Invitation.objects.filter(patient_id=patient.pk).exists()


def test_the_sweep_erases_exactly_the_due_patients_and_logs_counts_only(
    clinic_a: Clinic, clinic_b: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    # given: A keeps 30 days, B keeps everything
    clinic_a.retention_days = 30
    clinic_a.save()
    due_today = added(clinic_a, family_name="Syntheticname")
    intake_at(due_today, "2026-01-02T09:00:00Z")
    due_a_day_ago = added(clinic_a)
    intake_at(due_a_day_ago, "2026-01-01T09:00:00Z")
    due_tomorrow = added(clinic_a)
    intake_at(due_tomorrow, "2026-01-03T09:00:00Z")
    with time_machine.travel("2026-01-10T09:00:00Z", tick=False):
        never_screened = PatientFactory(clinic=clinic_a)  # held from its creation
    kept_by_b = added(clinic_b)
    intake_at(kept_by_b, "2025-01-01T09:00:00Z")

    # when: on 2026-02-02 (held through the day the 30 days end, erased the day after)
    with time_machine.travel("2026-02-02T09:00:00Z", tick=False), caplog.at_level(logging.INFO):
        sweep = retention_sweep()

    # then: exactly the two due are erased, each audited as the system's erasure
    erased = sorted([due_today.pk, due_a_day_ago.pk])
    assert [(c.clinic_id, c.retention_days, c.erased_ids) for c in sweep.clinics] == [
        (clinic_a.pk, 30, erased)
    ]
    assert sweep.patients_erased == 2
    assert set(Patient.objects.values_list("pk", flat=True)) == {
        due_tomorrow.pk,
        never_screened.pk,
        kept_by_b.pk,
    }
    assert not Intake.objects.filter(patient_id__in=erased).exists()
    events = AuditEvent.objects.filter(action=AuditEvent.Action.ERASE).order_by("object_id")
    assert [(e.object_id, e.user_id) for e in events] == [(str(pk), None) for pk in erased]
    assert "2 patients erased past it" in caplog.text
    assert "RETENTION_MIN_DAYS" not in caplog.text  # the stored period was kept as it is
    assert "Syntheticname" not in caplog.text and due_today.external_id not in caplog.text


def test_a_due_patient_whose_intake_arrives_before_their_turn_is_not_erased(
    clinic_a: Clinic,
) -> None:
    # given: due when the sweep read the list; a new intake arrives before their turn
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = added(clinic_a)
    intake_at(patient, "2026-01-01T09:00:00Z")
    with time_machine.travel("2026-02-01T09:00:00Z", tick=False):
        (due,) = patients_past_retention()
        assert due.patient_ids == [patient.pk]
        screening_for(patient, sample_document(completed_on="2026-02-01"))

        # when
        outcome = clinic_retention_erase(due, timezone.now())

    # then: held again by the new intake, and left for the next sweep
    assert (outcome.erased_ids, outcome.not_erased_ids) == ([], [patient.pk])
    assert Intake.objects.filter(patient=patient).count() == 2


def held(patient: Patient, moment: str) -> bool:
    """Whether the patient's records are held at `moment`; the refusal and the sweep agree."""
    now = datetime.fromisoformat(moment)
    due = {pk for clinic in patients_past_retention(now=now) for pk in clinic.patient_ids}
    refused = erasure_refusal(patient=patient, now=now) is not None
    assert refused is (patient.pk not in due), "the refusal and the sweep disagree"
    return refused


def test_a_patient_re_invited_after_an_intake_is_held_from_the_invitation(
    clinic_a: Clinic,
) -> None:
    # given: an intake on 2026-01-01, then a new invitation on 2026-01-25 (the yearly one)
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = added(clinic_a)
    intake_at(patient, "2026-01-01T09:00:00Z")
    with time_machine.travel("2026-01-25T09:00:00Z", tick=False):
        invitation, _token = invitation_create(patient=patient)

    # when / then: held past the intake's 30 days, through the invitation's (to 2026-02-24)
    assert held(patient, "2026-02-02T00:00:00+00:00")
    assert held(patient, "2026-02-24T23:59:59+00:00")
    assert not held(patient, "2026-02-25T00:00:00+00:00")
    with time_machine.travel("2026-02-25T00:00:00Z", tick=False):
        assert retention_sweep().patients_erased == 1
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_an_intake_after_the_last_invitation_counts_from_the_intake(clinic_a: Clinic) -> None:
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = added(clinic_a)
    with time_machine.travel("2026-01-01T09:00:00Z", tick=False):
        invitation_create(patient=patient)
    intake_at(patient, "2026-01-05T09:00:00Z")

    assert held(patient, "2026-02-04T23:59:59+00:00")
    assert not held(patient, "2026-02-05T00:00:00+00:00")


def test_a_period_stored_under_the_minimum_is_kept_as_the_minimum_and_logged(
    clinic_a: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    # given: one day, stored before the minimum (30 here) was checked
    Clinic.objects.filter(pk=clinic_a.pk).update(retention_days=1)
    patient = added(clinic_a, family_name="Syntheticname")
    intake_at(patient, "2026-01-02T09:00:00Z")

    # when: two days later, and 30 days later
    with time_machine.travel("2026-01-04T09:00:00Z", tick=False), caplog.at_level(logging.INFO):
        early = retention_sweep()
    refusal = erasure_refusal(
        patient=patient, now=datetime.fromisoformat("2026-02-01T23:59:59+00:00")
    )
    with time_machine.travel("2026-02-02T00:00:00Z", tick=False):
        late = retention_sweep()

    # then: held for the minimum, by the refusal and the sweep; the raise is logged, ids only
    assert [(c.retention_days, c.erased_ids) for c in early.clinics] == [(30, [])]
    assert refusal is not None and "can be erased from 2026-02-02 on" in refusal
    assert [(c.retention_days, c.erased_ids) for c in late.clinics] == [(30, [patient.pk])]
    assert (
        f"retention: clinic {clinic_a.pk} stores 1 days, under RETENTION_MIN_DAYS: kept 30 days"
        in caplog.text
    )
    assert "Syntheticname" not in caplog.text


def test_the_task_keeps_the_name_the_beat_schedule_publishes() -> None:
    assert retention_sweep_task.name == "clinic.tasks.retention_sweep_task"
    assert settings.CELERY_BEAT_SCHEDULE["retention-sweep"]["task"] == retention_sweep_task.name


def draft_invitation(patient: Patient, *, ttl_days: int) -> Invitation:
    with time_machine.travel(START, tick=False):
        invitation, _ = invitation_create(patient=patient, ttl_days=ttl_days)
    Invitation.objects.filter(pk=invitation.pk).update(
        draft_answers=DRAFT, draft_step=2, draft_saved_at=START
    )
    return Invitation.objects.get(pk=invitation.pk)


def test_it_purges_the_drafts_of_expired_invitations_and_nothing_else(patient: Patient) -> None:
    # given
    expired = draft_invitation(patient, ttl_days=7)
    current = draft_invitation(patient, ttl_days=60)
    submitted = draft_invitation(patient, ttl_days=7)
    Invitation.objects.filter(pk=submitted.pk).update(submitted_at=START)

    # when: 30 days later
    with time_machine.travel("2026-01-31T09:00:00Z", tick=False):
        purged = expired_drafts_purge()

    # then
    assert purged == 1
    expired.refresh_from_db()
    assert (expired.draft_answers, expired.draft_step) == ({}, 0)
    assert expired.draft_saved_at == START  # when it was saved stays; what was saved goes
    for untouched in (current, submitted):
        untouched.refresh_from_db()
        assert (untouched.draft_answers, untouched.draft_step) == (DRAFT, 2)


def test_the_task_purges_and_logs_counts_only(
    patient: Patient, caplog: pytest.LogCaptureFixture
) -> None:
    draft_invitation(patient, ttl_days=1)

    with time_machine.travel("2026-01-31T09:00:00Z", tick=False), caplog.at_level(logging.INFO):
        retention_sweep_task()
        again = expired_drafts_purge()

    assert "1 drafts of expired invitations purged" in caplog.text
    assert "synthetic draft" not in caplog.text
    assert again == 0  # already empty: not counted again
