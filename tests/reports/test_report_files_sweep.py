"""The report files sweep: files no report refers to go once older than REPORTS_STALE_AFTER
(an erasure's delete that failed among them); referenced files, young ones and those of a
render under way stay; the log holds counts only; beat runs it."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from clinic.models import Clinic, Patient
from reports.files import report_file_name, report_files_sweep
from reports.models import Report, reports_storage
from reports.tasks import report_files_sweep_task
from screening.erasure import ErasureReason, patient_erase
from tests.factories import screening_for
from tests.reports.conftest import MakeScreening, report_of
from tests.screening.erasure_world import clinic_admin

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.7\n% synthetic report\n%%EOF\n"
OnCommit = Callable[..., Any]


def stored(name: str) -> str:
    return reports_storage().save(name, ContentFile(FAKE_PDF))


def aged(folder: Path, name: str, *, seconds: float) -> None:
    """Make a stored file look written `seconds` ago."""
    written = time.time() - seconds
    os.utime(folder / name, (written, written))


def past_the_age() -> float:
    return settings.REPORTS_STALE_AFTER + 60


def ready_with_file(report: Report, name: str) -> Report:
    report.file.name = stored(name)
    report.status = Report.Status.READY
    report.sha256 = hashlib.sha256(FAKE_PDF).hexdigest()
    report.save()
    return report


def test_an_orphan_older_than_the_age_is_deleted_and_logged_as_a_count(
    report_files: Path, clinic_a: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    # given: a file of a render that failed after storing it
    name = stored(f"reports/{clinic_a.pk}/report-999-0123456789abcdef.pdf")
    aged(report_files, name, seconds=past_the_age())

    # when
    with caplog.at_level(logging.INFO, logger="reports.files"):
        outcome = report_files_sweep()

    # then
    assert (outcome.deleted, outcome.not_deleted) == (1, 0)
    assert not reports_storage().exists(name)
    assert "report files sweep: 1 orphaned files deleted, 0 could not be deleted" in caplog.text
    assert "report-999" not in caplog.text


def test_a_referenced_file_is_kept_however_old(
    report_files: Path, make_screening: MakeScreening
) -> None:
    report = report_of(make_screening())
    name = report_file_name(clinic_id=report.clinic_id, report_id=report.pk, digest="ab" * 32)
    ready_with_file(report, name)
    aged(report_files, name, seconds=past_the_age())

    outcome = report_files_sweep()

    assert (outcome.deleted, outcome.not_deleted) == (0, 0)
    assert reports_storage().exists(name)


def test_a_young_orphan_is_kept_as_its_render_may_not_have_committed(
    report_files: Path, clinic_a: Clinic
) -> None:
    name = stored(f"reports/{clinic_a.pk}/report-998-0123456789abcdef.pdf")
    aged(report_files, name, seconds=settings.REPORTS_STALE_AFTER - 30)

    outcome = report_files_sweep()

    assert outcome.deleted == 0
    assert reports_storage().exists(name)


def test_an_old_file_of_a_report_still_rendering_is_kept(
    report_files: Path, make_screening: MakeScreening
) -> None:
    # given: an earlier attempt's file, which this render will reuse for the same bytes
    report = report_of(make_screening())
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RENDERING, attempts=2)
    name = stored(report_file_name(clinic_id=report.clinic_id, report_id=report.pk, digest="cd"))
    aged(report_files, name, seconds=past_the_age())

    # when
    outcome = report_files_sweep()

    # then
    assert outcome.deleted == 0
    assert reports_storage().exists(name)


def test_a_folder_not_of_a_clinic_and_an_empty_storage_are_left_alone(
    report_files: Path,
) -> None:
    assert report_files_sweep().deleted == 0  # nothing stored yet
    name = stored("reports/screening-1-v1.pdf")
    other = stored("reports/archive/report-5-0123456789abcdef.pdf")
    aged(report_files, name, seconds=past_the_age())
    aged(report_files, other, seconds=past_the_age())

    assert report_files_sweep().deleted == 0
    assert reports_storage().exists(name) and reports_storage().exists(other)


def test_a_file_the_storage_refuses_to_delete_is_counted_and_tried_again(
    report_files: Path, clinic_a: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = stored(f"reports/{clinic_a.pk}/report-997-0123456789abcdef.pdf")
    aged(report_files, name, seconds=past_the_age())

    def refuse(name: str) -> None:
        raise PermissionError(f"cannot delete {name}")

    monkeypatch.setattr(reports_storage(), "delete", refuse)
    refused = report_files_sweep()
    monkeypatch.undo()

    assert (refused.deleted, refused.not_deleted) == (0, 1)
    assert reports_storage().exists(name)

    assert report_files_sweep().deleted == 1
    assert not reports_storage().exists(name)


def test_a_file_whose_delete_failed_in_an_erasure_stays_and_the_sweep_removes_it(
    report_files: Path,
    patient: Patient,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: OnCommit,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given: a patient with a ready report whose file the storage will not delete
    report = report_of(screening_for(patient))
    name = report_file_name(clinic_id=report.clinic_id, report_id=report.pk, digest="ef" * 32)
    ready_with_file(report, name)

    def fail(name: str) -> None:
        raise OSError("storage unavailable")

    monkeypatch.setattr(reports_storage(), "delete", fail)

    # when: the patient is erased
    with django_capture_on_commit_callbacks(execute=True):
        patient_erase(
            patient=patient,
            reason=ErasureReason.PATIENT_REQUEST,
            by_user=clinic_admin(patient.clinic),
        )

    # then: the row is gone, its file stays, logged by id only
    assert not Report.objects.filter(pk=report.pk).exists()
    assert reports_storage().exists(name)
    assert f"erased report {report.pk} was not deleted (OSError)" in caplog.text

    # when: the storage is back and the sweep runs past the age
    monkeypatch.undo()
    aged(report_files, name, seconds=past_the_age())
    report_files_sweep_task()

    # then
    assert not reports_storage().exists(name)


def test_beat_runs_the_sweep_hourly_under_the_task_name() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["report-files-sweep"]
    assert entry["task"] == report_files_sweep_task.name == "reports.tasks.report_files_sweep_task"
    assert entry["schedule"] <= 86400
    assert (
        report_files_sweep_task.time_limit
        < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    )
