"""Erasure and the clinic's retention period: refused while the period holds the records,
allowed from the first day after it (in the site's time zone, across DST changes), a patient
without intakes held from their record or last invitation, and the sweep erasing as the system."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from clinic.models import Clinic, Patient, User
from clinic.retention import patients_past_retention
from clinic.services import invitation_create
from screening.erasure import ErasureReason, ErasureRefused, erasure_refusal, patient_erase
from screening.models import Intake
from tests.factories import PatientFactory, screening_for
from tests.screening.erasure_world import added, clinic_admin, intake_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(clinic_a: Clinic) -> User:
    return clinic_admin(clinic_a)


@pytest.mark.usefixtures("thirty_day_retention_minimum")
def test_it_is_refused_while_the_retention_period_holds_the_records(
    clinic_a: Clinic, admin: User
) -> None:
    # given: kept 30 days after the last intake, which came 10 days ago
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = added(clinic_a)
    intake_at(patient, "2026-03-01T09:00:00Z")
    events = AuditEvent.objects.count()

    # when
    with (
        time_machine.travel("2026-03-11T09:00:00Z", tick=False),
        pytest.raises(ErasureRefused) as refused,
    ):
        patient_erase(patient=patient, reason=ErasureReason.PATIENT_REQUEST, by_user=admin)

    # then: the reason names the last day held and the first day allowed; nothing is gone
    assert "held until 2026-03-31 and can be erased from 2026-04-01 on" in refused.value.reason
    assert Intake.objects.filter(patient=patient).count() == 1
    assert Patient.objects.filter(pk=patient.pk).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.usefixtures("thirty_day_retention_minimum")
def test_the_hold_ends_at_the_start_of_the_day_after_the_period_as_the_sweep_counts(
    clinic_a: Clinic,
) -> None:
    # given: 30 days from an intake at 09:00 end at 09:00 on 2026-03-31 (UTC, the site's zone)
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = added(clinic_a)
    intake_at(patient, "2026-03-01T09:00:00Z")
    end_of_period = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
    first_day = datetime(2026, 4, 1, tzinfo=UTC)

    # when / then: held all of 2026-03-31, as the refusal says, and erased from 2026-04-01 on
    for now in (end_of_period, first_day - timedelta(seconds=1)):
        refusal = erasure_refusal(patient=patient, now=now)
        assert refusal is not None and "can be erased from 2026-04-01 on" in refusal
        assert patients_past_retention(now=now)[0].patient_ids == []
    assert erasure_refusal(patient=patient, now=first_day) is None
    assert patients_past_retention(now=first_day)[0].patient_ids == [patient.pk]


@pytest.mark.usefixtures("thirty_day_retention_minimum")
def test_the_day_boundary_is_the_sites_time_zone(clinic_a: Clinic, settings: Any) -> None:
    # given: the site in Berlin (UTC+2 in April); the period ends 2026-03-31 11:00 there
    settings.TIME_ZONE = "Europe/Berlin"
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = added(clinic_a)
    intake_at(patient, "2026-03-01T09:00:00Z")
    berlin_midnight = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)

    # when / then: held until midnight in Berlin, and the text names Berlin's days
    refusal = erasure_refusal(patient=patient, now=berlin_midnight - timedelta(seconds=1))
    assert refusal is not None
    assert "held until 2026-03-31 and can be erased from 2026-04-01 on (Europe/Berlin" in refusal
    assert patients_past_retention(now=berlin_midnight - timedelta(seconds=1))[0].patient_ids == []
    assert erasure_refusal(patient=patient, now=berlin_midnight) is None
    assert patients_past_retention(now=berlin_midnight)[0].patient_ids == [patient.pk]


@pytest.mark.parametrize(
    ("intake", "first_day"),
    [
        # 23:30 CET the night before summer time: 365 days later the hold ends at midnight CEST
        ("2025-03-29T22:30:00Z", "2026-03-30"),
        # 00:30 CEST the night summer time ends: 365 days later 00:30 CET, so a day later
        ("2025-10-25T22:30:00Z", "2026-10-27"),
    ],
)
def test_across_a_dst_change_the_days_are_the_sites_calendar_days(
    clinic_a: Clinic, settings: Any, intake: str, first_day: str
) -> None:
    # given: the site in Berlin, kept a year (365 days) from an intake near a DST change
    settings.TIME_ZONE = "Europe/Berlin"
    clinic_a.retention_days = 365
    clinic_a.save()
    patient = added(clinic_a)
    intake_at(patient, intake)
    berlin = ZoneInfo("Europe/Berlin")
    hold_end = datetime.combine(date.fromisoformat(first_day), time.min, tzinfo=berlin)
    last_day = (date.fromisoformat(first_day) - timedelta(days=1)).isoformat()

    # when / then: the refusal and the sweep both end the hold at the start of `first_day`
    refusal = erasure_refusal(patient=patient, now=hold_end - timedelta(seconds=1))
    assert refusal is not None
    assert f"held until {last_day} and can be erased from {first_day} on" in refusal
    assert patients_past_retention(now=hold_end - timedelta(seconds=1))[0].patient_ids == []
    assert erasure_refusal(patient=patient, now=hold_end) is None
    assert patients_past_retention(now=hold_end)[0].patient_ids == [patient.pk]


@pytest.mark.usefixtures("thirty_day_retention_minimum")
def test_a_patient_without_intakes_is_held_from_their_creation_or_last_invitation(
    clinic_a: Clinic,
) -> None:
    # given: kept 30 days; one patient added on 2026-01-10, another also invited on 02-01
    clinic_a.retention_days = 30
    clinic_a.save()
    with time_machine.travel("2026-01-10T09:00:00Z", tick=False):
        added = PatientFactory(clinic=clinic_a)
        invited = PatientFactory(clinic=clinic_a)
    with time_machine.travel("2026-02-01T09:00:00Z", tick=False):
        invitation_create(patient=invited)

    # when / then: the added one is held through 02-09, the invited one through 03-03
    def held(patient: Patient, moment: str) -> bool:
        now = datetime.fromisoformat(moment)
        due = patients_past_retention(now=now)[0].patient_ids
        refused = erasure_refusal(patient=patient, now=now) is not None
        assert refused is (patient.pk not in due), "the refusal and the sweep disagree"
        return refused

    assert held(added, "2026-02-09T23:59:59+00:00")
    assert not held(added, "2026-02-10T00:00:00+00:00")
    assert held(invited, "2026-03-03T23:59:59+00:00")
    assert not held(invited, "2026-03-04T00:00:00+00:00")


def test_a_clinic_without_a_period_holds_nothing(clinic_b: Clinic) -> None:
    never_screened = PatientFactory(clinic=clinic_b)
    screened = PatientFactory(clinic=clinic_b)
    screening_for(screened)

    assert erasure_refusal(patient=never_screened) is None
    assert erasure_refusal(patient=screened) is None


def test_the_retention_sweep_erases_by_the_system(clinic_a: Clinic) -> None:
    patient = PatientFactory(clinic=clinic_a)
    screening_for(patient)

    patient_erase(patient=patient, reason=ErasureReason.RETENTION)

    event = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    assert (event.user_id, event.api_client_id) == (None, None)
    assert event.detail.startswith("retention: ")
