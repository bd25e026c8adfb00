"""Rendering a report: one stored PDF per claimed render, transient failures retried, permanent
ones and poison reports failed with a readable error, regenerating, and what the context
and the PDF carry (the previous screening, the practitioner's notes)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Patient
from reports import pdf, services
from reports.models import Report
from reports.selectors import report_context_for
from reports.services import report_regenerate, report_render
from reports.tasks import report_render_task
from screening.samples import sample_document
from tests.factories import PatientFactory
from tests.reports.builders import busy_result, earlier_result, full_document
from tests.reports.conftest import MakeScreening, report_of, stored_pdfs
from tests.reports.pdfs import flat, text_of

pytestmark = pytest.mark.django_db


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
