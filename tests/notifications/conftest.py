"""Fixtures for alarm notice tests: a document with alarm features, staff to tell, and the
send tasks captured instead of published."""

from __future__ import annotations

from typing import Any

import pytest

from clinic.models import Clinic, Patient, User
from screening.samples import sample_document
from tests.factories import PatientFactory, UserFactory

# Red flag codes the alarm document produces (SCREENING.md): weight loss reported, and
# symptoms that began after 50 (born 1971, onset 2025).
ALARM_CODES = ["weight_loss", "onset_after_50"]


def alarm_document() -> dict[str, Any]:
    return sample_document(
        answers={"red_flags.weight_loss": True, "history.symptom_onset_year": 2025}
    )


@pytest.fixture
def alarm_patient(clinic_a: Clinic) -> Patient:
    """A patient whose name and identifier are easy to spot in an email."""
    return PatientFactory(
        clinic=clinic_a, given_name="Quintessa", family_name="Marlowbrook", external_id="MRN-77123"
    )


@pytest.fixture
def staff(clinic_a: Clinic) -> dict[str, User]:
    return {
        "practitioner": UserFactory(clinic=clinic_a, email="pia@example.org"),
        "admin": UserFactory(clinic=clinic_a, email="ada@example.org", role=User.Role.CLINIC_ADMIN),
    }


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Capture the send tasks handed to the broker, instead of sending them (and drop the
    report renders, which would go to the broker after the same commits)."""
    from notifications.tasks import alarm_notice_send_task
    from reports.tasks import report_render_task

    sent: list[int] = []
    monkeypatch.setattr(alarm_notice_send_task, "delay", sent.append)
    monkeypatch.setattr(report_render_task, "delay", lambda *args: None)
    return sent
