"""Publishing reports: the queued report commits with its screening, only its id is published
and only after the commit, a broker that is down never fails the request, eager mode."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from clinic.celery import app as celery_app
from clinic.models import Patient
from reports import constants
from reports.models import Report
from reports.services import report_publish
from screening.samples import sample_document
from screening.services import intake_submit
from tests.reports.conftest import MakeScreening, celery_broker, report_of
from tests.services import CLOSED_PORT_REDIS_URL

pytestmark = pytest.mark.django_db


def test_a_screening_and_its_queued_report_commit_together(make_screening: MakeScreening) -> None:
    screening = make_screening()
    report = report_of(screening)
    assert report.status == Report.Status.QUEUED
    assert report.template_version == constants.TEMPLATE_VERSION
    assert report.clinic_id == screening.clinic_id
    assert report.attempts == 0


def test_intake_submit_queues_the_report_and_publishes_only_the_id_after_commit(
    patient: Patient,
    published: list[tuple[Any, ...]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        screening = intake_submit(patient=patient, document=sample_document())
        assert published == []  # nothing leaves before the commit
    report = report_of(screening)
    assert len(callbacks) == 1
    assert published == [(report.pk,)]
    report.refresh_from_db()
    assert report.enqueued_at is not None


def test_a_rolled_back_screening_publishes_nothing(
    make_screening: MakeScreening,
    published: list[tuple[Any, ...]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_screening()
        raise RuntimeError("the request failed after scoring")
    assert published == []
    assert not Report.objects.exists()


def test_an_unreachable_broker_after_commit_is_logged_and_never_fails_the_request(
    patient: Patient, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # given a broker that refuses connections
    with celery_broker(CLOSED_PORT_REDIS_URL), caplog.at_level(logging.WARNING):
        started = time.monotonic()
        # when an intake is submitted
        with django_capture_on_commit_callbacks(execute=True):
            screening = intake_submit(patient=patient, document=sample_document())
        elapsed = time.monotonic() - started
    # then it is stored, the report waits for the sweep, and the request was not held up
    report = report_of(screening)
    assert report.status == Report.Status.QUEUED
    assert report.enqueued_at is None
    assert elapsed < 5
    assert "the sweep will publish it" in caplog.text


def test_publishing_with_the_broker_down_returns_false(make_screening: MakeScreening) -> None:
    report = report_of(make_screening())
    with celery_broker(CLOSED_PORT_REDIS_URL):
        assert report_publish(report_id=report.pk) is False


def test_eager_mode_renders_in_process_after_commit(
    patient: Patient, report_files: Path, django_capture_on_commit_callbacks: Any
) -> None:
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            screening = intake_submit(patient=patient, document=sample_document())
    finally:
        celery_app.conf.task_always_eager = False
    assert report_of(screening).status == Report.Status.READY
