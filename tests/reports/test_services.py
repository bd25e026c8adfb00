"""Report services: the outbox row, publishing after commit, the claimed render, the sweep."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from clinic.celery import app as celery_app
from clinic.models import Patient
from reports import constants, pdf, services
from reports.models import Report
from reports.selectors import report_context_for
from reports.services import (
    report_publish,
    report_regenerate,
    report_render,
    reports_sweep,
)
from reports.tasks import report_render_task
from reports.worker import HARFBUZZ_MISSING, reports_worker_init
from screening.samples import sample_document
from tests.factories import PatientFactory
from tests.reports.builders import busy_result, earlier_result, full_document
from tests.reports.conftest import MakeScreening, celery_broker, report_of, stored_pdfs
from tests.reports.pdfs import flat, text_of
from tests.services import CLOSED_PORT_REDIS_URL

pytestmark = pytest.mark.django_db

CLOSED_PORT_BROKER = CLOSED_PORT_REDIS_URL


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
    from screening.services import intake_submit

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
    from screening.services import intake_submit

    # given a broker that refuses connections
    with celery_broker(CLOSED_PORT_BROKER), caplog.at_level(logging.WARNING):
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
    with celery_broker(CLOSED_PORT_BROKER):
        assert report_publish(report_id=report.pk) is False


def test_render_stores_one_pdf_with_size_digest_and_page_count(
    make_screening: MakeScreening, report_files: Path
) -> None:
    report = report_render(report=report_of(make_screening()))
    assert report.status == Report.Status.READY
    assert report.attempts == 1
    assert report.finished_at is not None
    assert report.last_error == ""
    [path] = stored_pdfs(report_files)
    content = path.read_bytes()
    assert report.file.name == str(path.relative_to(report_files))
    assert report.size == len(content)
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.page_count >= 3
    assert content.startswith(b"%PDF-")
    assert "Ada" not in report.file.name  # no patient data in file names
    assert AuditEvent.objects.filter(object_type="report", object_id=str(report.pk)).exists()


def test_rendering_twice_leaves_one_file_and_one_ready_report(
    make_screening: MakeScreening, report_files: Path
) -> None:
    report = report_of(make_screening())
    report_render_task.apply(args=(report.pk,))
    report_render_task.apply(args=(report.pk,))
    report.refresh_from_db()
    assert report.status == Report.Status.READY
    assert report.attempts == 1
    assert len(stored_pdfs(report_files)) == 1


def test_a_report_claimed_by_another_worker_is_not_rendered_again(
    make_screening: MakeScreening, report_files: Path
) -> None:
    report = report_of(make_screening())
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RENDERING, attempts=1, started_at=timezone.now()
    )
    report = report_render(report=report)
    assert report.status == Report.Status.RENDERING
    assert report.attempts == 1
    assert stored_pdfs(report_files) == []


def test_the_task_of_a_deleted_report_does_nothing(db: None) -> None:
    report_render_task.apply(args=(987654,)).get()


def test_a_transient_failure_puts_the_report_back_and_raises_for_a_retry(
    make_screening: MakeScreening, report_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def storage_down(**kwargs: Any) -> str:
        raise ConnectionResetError("storage unreachable")

    monkeypatch.setattr(services, "report_store", storage_down)
    report = report_of(make_screening())
    with pytest.raises(ConnectionResetError):
        report_render(report=report)
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert report.attempts == 1
    assert report.last_error == "ConnectionResetError: storage unreachable"
    # and the next delivery renders it
    monkeypatch.undo()
    assert report_render(report=report).status == Report.Status.READY


def test_the_last_transient_failure_ends_failed(
    make_screening: MakeScreening, report_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def storage_down(**kwargs: Any) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(services, "report_store", storage_down)
    report = report_of(make_screening())
    Report.objects.filter(pk=report.pk).update(attempts=settings.REPORTS_MAX_ATTEMPTS - 1)
    with pytest.raises(OSError):
        report_render(report=report)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.last_error == "OSError: disk full"


def test_a_permanent_failure_ends_failed_with_a_readable_error(
    make_screening: MakeScreening, report_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(context: Any) -> Any:
        raise ValueError("the template needs a value it was not given")

    monkeypatch.setattr(pdf, "render", broken)
    report = report_render(report=report_of(make_screening()))
    assert report.status == Report.Status.FAILED
    assert report.last_error == "ValueError: the template needs a value it was not given"
    assert report.finished_at is not None


def test_the_soft_time_limit_ends_failed_with_a_readable_error(
    make_screening: MakeScreening, report_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_slow(context: Any) -> Any:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(pdf, "render", too_slow)
    report = report_render(report=report_of(make_screening()))
    assert report.status == Report.Status.FAILED
    assert report.last_error == (f"rendering took longer than {settings.REPORTS_SOFT_TIME_LIMIT} s")


def test_a_poison_report_ends_failed_after_the_last_attempt_instead_of_looping(
    make_screening: MakeScreening, report_files: Path
) -> None:
    report = report_of(make_screening())
    Report.objects.filter(pk=report.pk).update(
        attempts=settings.REPORTS_MAX_ATTEMPTS, last_error="the worker was lost while rendering"
    )
    report = report_render(report=report)
    assert report.status == Report.Status.FAILED
    assert report.last_error.startswith(
        f"gave up after {settings.REPORTS_MAX_ATTEMPTS} attempts; last error: the worker was lost"
    )
    assert stored_pdfs(report_files) == []


def test_the_sweep_takes_back_a_render_whose_worker_was_lost(
    make_screening: MakeScreening, published: list[tuple[Any, ...]]
) -> None:
    lost = report_of(make_screening())
    running = report_of(make_screening(for_patient=PatientFactory(clinic=lost.clinic)))
    long_ago = timezone.now() - timedelta(seconds=settings.REPORTS_STALE_AFTER + 1)
    Report.objects.filter(pk=lost.pk).update(
        status=Report.Status.RENDERING, attempts=1, started_at=long_ago, enqueued_at=long_ago
    )
    Report.objects.filter(pk=running.pk).update(
        status=Report.Status.RENDERING, attempts=1, started_at=timezone.now()
    )

    outcome = reports_sweep()

    assert (outcome.requeued, outcome.published) == (1, 1)
    assert published == [(lost.pk,)]
    lost.refresh_from_db()
    assert lost.status == Report.Status.QUEUED
    assert lost.last_error == (
        "attempt 1 did not finish: its worker was lost, or it ran past the "
        f"{settings.REPORTS_TIME_LIMIT} s time limit"
    )
    assert Report.objects.get(pk=running.pk).status == Report.Status.RENDERING


def test_the_sweep_fails_a_lost_render_that_used_its_last_attempt(
    make_screening: MakeScreening, published: list[tuple[Any, ...]]
) -> None:
    report = report_of(make_screening())
    long_ago = timezone.now() - timedelta(seconds=settings.REPORTS_STALE_AFTER + 1)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RENDERING,
        attempts=settings.REPORTS_MAX_ATTEMPTS,
        started_at=long_ago,
    )
    outcome = reports_sweep()
    report.refresh_from_db()
    assert outcome.failed == 1
    assert published == []
    assert report.status == Report.Status.FAILED
    assert "gave up after 5 attempts" in report.last_error


def test_the_sweep_publishes_reports_that_never_reached_the_broker(
    make_screening: MakeScreening, published: list[tuple[Any, ...]]
) -> None:
    missed = report_of(make_screening())
    just_committed = report_of(make_screening(for_patient=PatientFactory(clinic=missed.clinic)))
    sent_lately = report_of(make_screening(for_patient=PatientFactory(clinic=missed.clinic)))
    sent_long_ago = report_of(make_screening(for_patient=PatientFactory(clinic=missed.clinic)))
    now = timezone.now()
    # Publishing failed 5 minutes ago for one, a moment ago for the other (a failed publish
    # clears `enqueued_at`); the others were handed over with their commit.
    Report.objects.filter(pk=missed.pk).update(
        created_at=now - timedelta(minutes=5), enqueued_at=None
    )
    Report.objects.filter(pk=just_committed.pk).update(enqueued_at=None)
    Report.objects.filter(pk=sent_lately.pk).update(
        created_at=now - timedelta(minutes=5), enqueued_at=now - timedelta(seconds=30)
    )
    Report.objects.filter(pk=sent_long_ago.pk).update(
        created_at=now - timedelta(hours=1),
        enqueued_at=now - timedelta(seconds=settings.REPORTS_REQUEUE_AFTER + 1),
    )

    outcome = reports_sweep()

    assert sorted(published) == sorted([(missed.pk,), (sent_long_ago.pk,)])
    assert outcome.published == 2
    assert Report.objects.get(pk=just_committed.pk).enqueued_at is None
    assert Report.objects.get(pk=missed.pk).enqueued_at is not None


def test_the_sweep_with_the_broker_down_leaves_reports_queued_for_the_next_run(
    make_screening: MakeScreening,
) -> None:
    first = report_of(make_screening())
    second = report_of(make_screening(for_patient=PatientFactory(clinic=first.clinic)))
    Report.objects.filter(pk__in=[first.pk, second.pk]).update(
        created_at=timezone.now() - timedelta(minutes=5), enqueued_at=None
    )
    with celery_broker(CLOSED_PORT_BROKER):
        outcome = reports_sweep()
    assert (outcome.published, outcome.unpublished) == (0, 2)
    # Both were marked as handed over before publishing, and both are unmarked again.
    for report in (first, second):
        report.refresh_from_db()
        assert (report.status, report.enqueued_at) == (Report.Status.QUEUED, None)


def test_regenerating_renders_a_ready_report_again(
    make_screening: MakeScreening, report_files: Path
) -> None:
    screening = make_screening()
    first = report_render(report=report_of(screening))
    Report.objects.filter(pk=first.pk).update(status=Report.Status.FAILED, attempts=5)
    with transaction.atomic():
        again = report_regenerate(screening=screening)
    assert (again.pk, again.status, again.attempts) == (first.pk, Report.Status.QUEUED, 0)
    again = report_render(report=again)
    assert again.status == Report.Status.READY
    assert again.sha256 == first.sha256  # same screening, same template: same document
    assert len(stored_pdfs(report_files)) == 1


def test_eager_mode_renders_in_process_after_commit(
    patient: Patient, report_files: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from screening.services import intake_submit

    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            screening = intake_submit(patient=patient, document=sample_document())
    finally:
        celery_app.conf.task_always_eager = False
    assert report_of(screening).status == Report.Status.READY


def test_the_report_compares_with_the_patients_previous_screening(
    make_screening: MakeScreening, patient: Patient
) -> None:
    make_screening(document=sample_document(completed_on="2025-06-01"), result=earlier_result())
    other_patient = PatientFactory(clinic=patient.clinic)
    make_screening(
        document=sample_document(completed_on="2026-01-01"),
        result=busy_result(),
        for_patient=other_patient,
    )
    later = make_screening(document=full_document(), result=busy_result())
    make_screening(document=sample_document(completed_on="2026-11-30"), result=busy_result())

    context = report_context_for(report=report_of(later))

    assert context["comparison"]["completed_on"] == "1 June 2025"
    assert context["patient"]["name"] == patient.full_name
    assert context["clinic_name"] == patient.clinic.name


def test_a_rendered_report_shows_the_practitioners_notes(
    make_screening: MakeScreening, report_files: Path
) -> None:
    screening = make_screening()
    screening.practitioner_notes = "Seen with <her> daughter & husband."
    screening.save()
    report = report_render(report=report_of(screening))
    text = flat(text_of(report.file.read()))
    assert "Seen with <her> daughter & husband." in text


def test_the_worker_warns_at_start_when_harfbuzz_subsetting_is_missing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(pdf, "harfbuzz_subsetting_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="reports.worker"):
        reports_worker_init()
    assert HARFBUZZ_MISSING in caplog.text


def test_this_machine_renders_with_harfbuzz_subsetting() -> None:
    assert pdf.harfbuzz_subsetting_available()


def test_the_celery_settings_close_the_measured_traps() -> None:
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.worker_max_tasks_per_child <= 200
    assert conf.worker_max_memory_per_child
    assert conf.accept_content == ["json"] and conf.task_ignore_result
    options = conf.broker_transport_options
    assert options["socket_timeout"] <= 5 and options["socket_connect_timeout"] <= 5
    assert (
        options["visibility_timeout"] > settings.REPORTS_STALE_AFTER > settings.REPORTS_TIME_LIMIT
    )
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 30
    assert conf.task_publish_retry_policy["max_retries"] <= 1
    schedule = conf.beat_schedule["reports-sweep"]
    assert schedule["task"] == "reports.tasks.reports_sweep_task"
    assert schedule["schedule"] <= 120
    task = celery_app.tasks["reports.tasks.report_render_task"]
    assert task.acks_late and task.reject_on_worker_lost and task.ignore_result
    assert task.soft_time_limit == settings.REPORTS_SOFT_TIME_LIMIT
    assert task.time_limit == settings.REPORTS_TIME_LIMIT
    assert task.max_retries == settings.REPORTS_MAX_ATTEMPTS
    assert task.retry_backoff and task.retry_backoff_max <= 60 and task.retry_jitter
    assert OSError in task.autoretry_for


def test_the_admin_lists_reports_read_only(
    make_screening: MakeScreening, admin_client: Any
) -> None:
    report = report_of(make_screening())
    assert admin_client.get("/admin/reports/report/").status_code == 200
    page = admin_client.get(f"/admin/reports/report/{report.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content  # shown, not editable
