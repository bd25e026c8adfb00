"""Alarm notices: one outbox row per alarm screening, an email without health data to the
right people, sent once, retried with backoff, published by the sweep after a broker outage."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib import admin
from django.core import mail
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import timezone
from pytest_django import Settings as SettingsWrapper

from clinic.admin import ClinicAdmin
from clinic.celery import app as celery_app
from clinic.models import Clinic, Patient, User
from notifications import services
from notifications.models import AlarmNotice
from notifications.services import (
    alarm_notice_send,
    alarm_notices_sweep,
    alarm_recipients,
)
from screening.samples import sample_document
from screening.services import intake_submit
from tests.factories import UserFactory
from tests.notifications.conftest import ALARM_CODES, alarm_document

pytestmark = pytest.mark.django_db


def submit_alarm(patient: Patient, capture: Any) -> AlarmNotice:
    with capture(execute=True):
        screening = intake_submit(patient=patient, document=alarm_document())
    return AlarmNotice.objects.get(screening=screening)


def test_it_queues_one_notice_for_an_alarm_screening_and_publishes_it_after_commit(
    alarm_patient: Patient, published: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        screening = intake_submit(patient=alarm_patient, document=alarm_document())
        # then nothing is published before the commit
        assert published == []
    for callback in callbacks:
        callback()
    assert screening.refer_first
    [notice] = AlarmNotice.objects.all()
    assert (notice.screening_id, notice.clinic_id) == (screening.pk, screening.clinic_id)
    assert notice.status == AlarmNotice.Status.PENDING and notice.attempts == 0
    assert notice.enqueued_at is not None
    assert published == [notice.pk]


def test_it_queues_no_notice_for_a_screening_without_alarm_features(
    alarm_patient: Patient, published: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        screening = intake_submit(patient=alarm_patient, document=sample_document())
    assert not screening.refer_first
    assert not AlarmNotice.objects.exists()
    assert published == []


def test_the_email_names_no_patient_and_no_finding_and_links_the_screening(
    settings: SettingsWrapper,
    alarm_patient: Patient,
    staff: dict[str, User],
    published: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    settings.PUBLIC_BASE_URL = "https://clinic.example.org/"
    notice = submit_alarm(alarm_patient, django_capture_on_commit_callbacks)
    # when
    sent = alarm_notice_send(notice_id=notice.pk)
    # then one message
    assert sent is not None and sent.status == AlarmNotice.Status.SENT
    [message] = mail.outbox
    text = f"{message.subject}\n{message.body}"
    assert message.subject == "A screening at Clinic A needs prompt review"
    assert f"https://clinic.example.org/dashboard/screenings/{notice.screening_id}/" in text
    # and nothing about the patient or what they reported
    birth_date = alarm_patient.birth_date
    assert birth_date is not None
    forbidden = [
        alarm_patient.given_name,
        alarm_patient.family_name,
        alarm_patient.external_id,
        birth_date.isoformat(),
        str(birth_date.year),
        *ALARM_CODES,
        *[code.replace("_", " ") for code in ALARM_CODES],
        "red flag",
        "weight",
        "alarm feature",
    ]
    leaked = [word for word in forbidden if word.lower() in text.lower()]
    assert leaked == []


def test_it_tells_every_active_practitioner_and_clinic_admin_by_default(
    clinic_a: Clinic, clinic_b: Clinic, staff: dict[str, User]
) -> None:
    # given staff who must not be told
    UserFactory(clinic=clinic_a, email="gone@example.org", is_active=False)
    UserFactory(clinic=clinic_a, email="")
    UserFactory(clinic=clinic_b, email="elsewhere@example.org")
    # then
    assert alarm_recipients(clinic=clinic_a) == ["ada@example.org", "pia@example.org"]


def test_it_tells_only_the_chosen_alarm_contacts_of_the_clinic(
    clinic_a: Clinic,
    clinic_b: Clinic,
    alarm_patient: Patient,
    staff: dict[str, User],
    published: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given one chosen contact, and a user of another clinic attached by mistake
    clinic_a.alarm_contacts.add(
        staff["admin"], UserFactory(clinic=clinic_b, email="elsewhere@example.org")
    )
    notice = submit_alarm(alarm_patient, django_capture_on_commit_callbacks)
    # when
    sent = alarm_notice_send(notice_id=notice.pk)
    # then
    [message] = mail.outbox
    assert message.to == ["ada@example.org"]
    assert sent is not None and sent.recipient_count == 1


def test_chosen_contacts_no_longer_active_fall_back_to_the_default_recipients(
    clinic_a: Clinic, staff: dict[str, User]
) -> None:
    left = UserFactory(clinic=clinic_a, email="left@example.org", is_active=False)
    clinic_a.alarm_contacts.add(left)
    assert alarm_recipients(clinic=clinic_a) == ["ada@example.org", "pia@example.org"]


def test_a_clinic_with_nobody_to_tell_gets_a_failed_notice_and_a_warning(
    alarm_patient: Patient,
    published: list[int],
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a clinic without staff
    notice = submit_alarm(alarm_patient, django_capture_on_commit_callbacks)
    # when
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        sent = alarm_notice_send(notice_id=notice.pk)
    # then
    assert sent is not None and sent.status == AlarmNotice.Status.FAILED
    assert "no recipients" in sent.last_error
    assert mail.outbox == []
    [record] = [r for r in caplog.records if r.name == "notifications.services"]
    assert record.levelno == logging.WARNING
    assert alarm_patient.family_name not in record.getMessage()
    assert str(notice.pk) in record.getMessage()


def test_a_notice_delivered_twice_is_sent_once(
    alarm_patient: Patient,
    staff: dict[str, User],
    published: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    notice = submit_alarm(alarm_patient, django_capture_on_commit_callbacks)
    first = alarm_notice_send(notice_id=notice.pk)
    second = alarm_notice_send(notice_id=notice.pk)
    assert first is not None and first.attempts == 1
    assert second is None
    assert len(mail.outbox) == 1


def test_a_failed_send_is_tried_again_after_a_backoff_and_fails_at_the_cap(
    settings: SettingsWrapper,
    alarm_patient: Patient,
    staff: dict[str, User],
    published: list[int],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a mail server that refuses every message
    def refused(**kwargs: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(services, "send_mail", refused)
    settings.ALARM_NOTICE_MAX_ATTEMPTS = 3
    notice = submit_alarm(alarm_patient, django_capture_on_commit_callbacks)
    published.clear()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # when the first attempt fails
        failed = alarm_notice_send(notice_id=notice.pk)
        # then it waits for its backoff, unpublished, and the sweep leaves it until then
        assert failed is not None and failed.status == AlarmNotice.Status.PENDING
        assert failed.last_error.startswith("SMTPServerDisconnected")
        assert failed.enqueued_at is None
        assert failed.next_attempt_at == timezone.now() + services.BACKOFF_BASE
        assert alarm_notice_send(notice_id=notice.pk) is None
        assert alarm_notices_sweep().published == 0
        # when its time comes, the sweep publishes it again
        clock.shift(services.BACKOFF_BASE + timedelta(seconds=1))
        assert alarm_notices_sweep().published == 1
        assert published == [notice.pk]
        # and after the last attempt it is failed for good
        alarm_notice_send(notice_id=notice.pk)
        clock.shift(timedelta(hours=1))
        last = alarm_notice_send(notice_id=notice.pk)
    assert last is not None and last.status == AlarmNotice.Status.FAILED
    assert last.attempts == 3
    assert alarm_notice_send(notice_id=notice.pk) is None


def test_an_attempt_whose_worker_was_lost_is_picked_up_after_its_lease(
    alarm_patient: Patient,
    staff: dict[str, User],
    published: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given an attempt that claimed the notice and never finished
    notice = submit_alarm(alarm_patient, django_capture_on_commit_callbacks)
    published.clear()
    assert services.alarm_notice_claim(notice_id=notice.pk) == 1
    # then it is held for the lease
    assert alarm_notices_sweep().published == 0
    assert alarm_notice_send(notice_id=notice.pk) is None
    # and then published and sent
    later = timezone.now() + services.ATTEMPT_LEASE + timedelta(seconds=1)
    assert alarm_notices_sweep(now=later).published == 1
    assert published == [notice.pk]
    sent = alarm_notice_send(notice_id=notice.pk, now=later)
    assert sent is not None and sent.status == AlarmNotice.Status.SENT and sent.attempts == 2
    assert len(mail.outbox) == 1


def test_an_alarm_intake_is_accepted_when_the_broker_is_down_and_the_sweep_publishes_it(
    alarm_patient: Patient,
    staff: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a broker that refuses every message
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    from notifications.tasks import alarm_notice_send_task

    monkeypatch.setattr(alarm_notice_send_task, "delay", broker_down)
    monkeypatch.setattr("reports.tasks.report_render_task.delay", broker_down)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        screening = intake_submit(patient=alarm_patient, document=alarm_document())
    # then the notice waits, unsent, for the sweep
    notice = AlarmNotice.objects.get(screening=screening)
    assert (notice.status, notice.enqueued_at) == (AlarmNotice.Status.PENDING, None)
    # but not while its own request may still be publishing it
    sent: list[int] = []
    monkeypatch.setattr(alarm_notice_send_task, "delay", sent.append)
    assert alarm_notices_sweep().published == 0
    later = timezone.now() + services.PUBLISH_GRACE + timedelta(seconds=1)
    assert alarm_notices_sweep(now=later).published == 1
    assert sent == [notice.pk]


def test_a_notice_whose_message_was_lost_is_published_again(
    settings: SettingsWrapper,
    alarm_patient: Patient,
    published: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    notice = submit_alarm(alarm_patient, django_capture_on_commit_callbacks)
    published.clear()
    soon = timezone.now() + timedelta(seconds=settings.ALARM_NOTICE_REQUEUE_AFTER - 5)
    assert alarm_notices_sweep(now=soon).published == 0
    later = timezone.now() + timedelta(seconds=settings.ALARM_NOTICE_REQUEUE_AFTER + 1)
    assert alarm_notices_sweep(now=later).published == 1
    assert published == [notice.pk]


def test_the_sweep_runs_on_beat_and_its_tasks_are_registered() -> None:
    from django.conf import settings

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.tasks.alarm_notices_sweep_task" in schedule
    celery_app.loader.import_default_modules()
    assert "notifications.tasks.alarm_notices_sweep_task" in celery_app.tasks
    assert "notifications.tasks.alarm_notice_send_task" in celery_app.tasks


def test_the_admin_offers_only_the_clinics_own_staff_as_alarm_contacts(
    clinic_a: Clinic, clinic_b: Clinic, staff: dict[str, User]
) -> None:
    # given
    UserFactory(clinic=clinic_b, username="other-clinic")
    superuser = User.objects.create_superuser("root", "root@example.org", "x")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = ClinicAdmin(Clinic, admin.site)
    # when
    form = model_admin.get_form(request, clinic_a, change=True)
    # then
    choices = set(form.base_fields["alarm_contacts"].queryset)
    assert choices == {staff["practitioner"], staff["admin"]}
    new_clinic_form = model_admin.get_form(request, None)
    assert not new_clinic_form.base_fields["alarm_contacts"].queryset.exists()
    bound = form(
        data={"name": "Clinic A", "slug": "clinic-a", "alarm_contacts": [superuser.pk]},
        instance=clinic_a,
    )
    assert "alarm_contacts" in bound.errors
