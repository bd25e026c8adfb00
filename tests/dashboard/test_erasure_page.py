"""The clinic admin's erasure page: what is removed, the full name typed and a reason, a POST
with the CSRF token; refused while the retention period holds the records; practitioners
cannot, another clinic's patient is not found; a patient erased meanwhile sends the admin back
to the patient list."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from audit.models import AuditEvent
from clinic.models import Clinic, Patient, User
from screening.erasure import ErasureReason, patient_erase
from screening.models import Intake
from screening.samples import sample_document
from tests.factories import PatientFactory, screening_for
from tests.screening.erasure_world import clinic_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(clinic_a: Clinic) -> User:
    return clinic_admin(clinic_a)


@pytest.fixture
def screened(clinic_a: Clinic) -> Patient:
    patient = PatientFactory(clinic=clinic_a, given_name="Ottoline", family_name="Quarrington")
    screening_for(patient)
    return patient


def signed_in(user: User, *, csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(user)
    return client


def erase_url(patient: Patient) -> str:
    return reverse("dashboard:patient_erase", args=[patient.pk])


CONFIRMED = {"full_name": "  ottoline   QUARRINGTON ", "reason": "patient_request"}


def test_the_page_says_what_is_removed_asks_for_the_name_and_is_audited(
    admin: User, screened: Patient
) -> None:
    response = signed_in(admin).get(erase_url(screened))

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 intake " in page and "Type the patient&#x27;s full name" in page
    assert 'name="reason"' in page and 'name="csrfmiddlewaretoken"' in page
    assert "<script" not in page and "style=" not in page  # strict CSP: nothing inline
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.user_id) == ("read", str(screened.pk), admin.pk)


def test_the_full_name_and_a_reason_erase_the_patient(admin: User, screened: Patient) -> None:
    # when
    response = signed_in(admin).post(erase_url(screened), CONFIRMED)

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:patients")
    assert not Patient.objects.filter(pk=screened.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    assert (event.object_id, event.user_id) == (str(screened.pk), admin.pk)
    assert event.detail.startswith("patient_request: ")


@pytest.mark.parametrize(
    "form",
    [
        {"full_name": "Ottoline Quarringtone", "reason": "patient_request"},
        {"full_name": "Ottoline Quarrington", "reason": "retention"},
        {"full_name": "Ottoline Quarrington"},
    ],
    ids=["another name", "the sweep's reason", "no reason"],
)
def test_a_wrong_name_or_reason_erases_nothing(
    admin: User, screened: Patient, form: dict[str, str]
) -> None:
    response = signed_in(admin).post(erase_url(screened), form)

    assert response.status_code == 400
    assert Intake.objects.filter(patient=screened).count() == 1


def test_a_practitioner_cannot_erase_or_see_the_page(practitioner: User, screened: Patient) -> None:
    client = signed_in(practitioner)

    assert client.get(erase_url(screened)).status_code == 403
    assert client.post(erase_url(screened), CONFIRMED).status_code == 403
    assert Patient.objects.filter(pk=screened.pk).exists()
    patient_page = client.get(reverse("dashboard:patient", args=[screened.pk])).content.decode()
    assert erase_url(screened) not in patient_page


def test_the_patient_page_links_the_erasure_for_clinic_admins(
    admin: User, screened: Patient
) -> None:
    page = signed_in(admin).get(reverse("dashboard:patient", args=[screened.pk])).content.decode()

    assert f'href="{erase_url(screened)}"' in page


def test_another_clinics_patient_is_not_found(admin: User, clinic_b: Clinic) -> None:
    theirs = PatientFactory(clinic=clinic_b, given_name="Ottoline", family_name="Quarrington")

    client = signed_in(admin)

    assert client.get(erase_url(theirs)).status_code == 404
    assert client.post(erase_url(theirs), CONFIRMED).status_code == 404
    assert Patient.objects.filter(pk=theirs.pk).exists()


def test_a_post_without_the_csrf_token_is_refused(admin: User, screened: Patient) -> None:
    response = signed_in(admin, csrf_checks=True).post(erase_url(screened), CONFIRMED)

    assert response.status_code == 403
    assert Patient.objects.filter(pk=screened.pk).exists()


def test_while_held_the_page_shows_why_and_a_post_is_refused(
    admin: User, clinic_a: Clinic, settings: Settings
) -> None:
    # given: kept 30 days after the last intake, which came yesterday
    settings.RETENTION_MIN_DAYS = 30
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = PatientFactory(
        clinic=clinic_a,
        given_name="Ottoline",
        family_name="Quarrington",
        created_at=datetime(2024, 12, 1, 9, tzinfo=UTC),
    )
    with time_machine.travel("2026-03-01T09:00:00Z", tick=False):
        screening_for(patient, sample_document(completed_on="2026-03-01"))
    client = signed_in(admin)

    # when
    with time_machine.travel("2026-03-02T09:00:00Z", tick=False):
        page = client.get(erase_url(patient))
        refused = client.post(erase_url(patient), CONFIRMED)

    # then
    assert page.status_code == 200
    text = page.content.decode()
    assert "held until 2026-03-31 and can be erased from 2026-04-01 on" in text
    assert not re.search(r'<form method="post" action="[^"]*/erase/"', text)
    assert refused.status_code == 409
    assert "held until 2026-03-31" in refused.content.decode()
    assert Intake.objects.filter(patient=patient).count() == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ERASE).exists()


def test_a_patient_erased_meanwhile_sends_the_admin_back_to_the_list(
    admin: User, screened: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: another tab erases the patient after this request found them
    def erased_in_another_tab(*, patient: Patient, **kwargs: object) -> None:
        patient_erase(patient=patient, reason=ErasureReason.PATIENT_REQUEST, by_user=admin)

    monkeypatch.setattr("dashboard.erasure.erasure_refusal", erased_in_another_tab)

    # when
    response = signed_in(admin).post(erase_url(screened), CONFIRMED)

    # then: no error page, one erasure, and the admin is told
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:patients")
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == [f"Patient {screened.pk} had already been erased."]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ERASE).count() == 1
