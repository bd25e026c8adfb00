"""Retention: the patients past their clinic's retention period are reported (nothing erased),
and the drafts of expired invitations, and only those, are emptied."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import time_machine

from clinic.models import Clinic, Invitation, Patient
from clinic.retention import expired_drafts_purge, patients_past_retention, retention_sweep
from clinic.services import invitation_create
from clinic.tasks import retention_sweep_task
from screening.models import Intake
from screening.samples import sample_document
from tests.factories import PatientFactory, screening_for

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
DRAFT = {"bloating.frequency": 3, "notes.free_text": "synthetic draft"}


def intake_at(patient: Patient, moment: str) -> None:
    with time_machine.travel(moment, tick=False):
        screening_for(patient, sample_document(completed_on=moment[:10]))


def test_it_reports_exactly_the_patients_whose_last_intake_is_older_than_the_period(
    clinic_a: Clinic, clinic_b: Clinic
) -> None:
    # given: clinic A keeps 30 days, clinic B keeps everything
    clinic_a.retention_days = 30
    clinic_a.save()
    old = PatientFactory(clinic=clinic_a)
    intake_at(old, "2026-01-01T09:00:00Z")
    returned = PatientFactory(clinic=clinic_a)  # an old intake, and a recent one
    intake_at(returned, "2026-01-01T09:00:00Z")
    intake_at(returned, "2026-01-20T09:00:00Z")
    on_the_day = PatientFactory(clinic=clinic_a)
    intake_at(on_the_day, "2026-01-02T09:00:00Z")
    PatientFactory(clinic=clinic_a)  # no intake: nothing to count from
    kept = PatientFactory(clinic=clinic_b)
    intake_at(kept, "2025-01-01T09:00:00Z")

    # when
    with time_machine.travel("2026-02-01T09:00:00Z", tick=False):
        due = patients_past_retention()

    # then: 31 days and exactly 30 days after the last intake are due, 12 days are not
    assert [(c.clinic_id, c.retention_days) for c in due] == [(clinic_a.pk, 30)]
    assert due[0].patient_ids == sorted([old.pk, on_the_day.pk])


def test_a_patient_is_not_due_one_second_before_the_period_ends(clinic_a: Clinic) -> None:
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = PatientFactory(clinic=clinic_a)
    intake_at(patient, "2026-01-02T09:00:00Z")

    with time_machine.travel("2026-02-01T08:59:59Z", tick=False):
        assert patients_past_retention()[0].patient_ids == []
    with time_machine.travel("2026-02-01T09:00:00Z", tick=False):
        assert patients_past_retention()[0].patient_ids == [patient.pk]


def test_the_sweep_reports_but_erases_nothing(
    clinic_a: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    clinic_a.retention_days = 1
    clinic_a.save()
    patient = PatientFactory(clinic=clinic_a, family_name="Syntheticname")
    intake_at(patient, "2026-01-01T09:00:00Z")

    with time_machine.travel("2026-03-01T09:00:00Z", tick=False), caplog.at_level(logging.INFO):
        sweep = retention_sweep()

    assert sweep.patients_due == 1
    assert Patient.objects.filter(pk=patient.pk).exists()
    assert Intake.objects.filter(patient=patient).count() == 1
    assert "1 patients past it" in caplog.text
    assert "Syntheticname" not in caplog.text and patient.external_id not in caplog.text


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
