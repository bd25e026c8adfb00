"""Reports react to the screening domain: a stored screening gets its report, in the same
transaction (the outbox); a change its report shows renders it again; a patient's erasure
deletes their reports, and their PDF files once it has committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from reports.models import Report, reports_storage
from reports.services import report_queue, report_regenerate
from screening.erasure import ErasedRecords, admin_history_delete
from screening.models import Screening
from screening.signals import patient_erasing, screening_changed, screening_stored


@receiver(screening_stored, dispatch_uid="reports.report_of_stored_screening")
def report_of_stored_screening(*, screening: Screening, **kwargs: Any) -> None:
    # Stored just now: it has no report yet, so the row goes in without looking first.
    report_queue(screening=screening, screening_is_new=True)


@receiver(screening_changed, dispatch_uid="reports.report_of_changed_screening")
def report_of_changed_screening(*, screening: Screening, **kwargs: Any) -> None:
    report_regenerate(screening=screening)


@receiver(patient_erasing, dispatch_uid="reports.reports_of_erased_patient")
def reports_of_erased_patient(*, records: ErasedRecords, **kwargs: Any) -> dict[str, int]:
    """Delete the reports of the erased screenings; their files go after the commit (a
    rollback keeps both). A render still running finds its row gone and drops its file
    (`report_finish`)."""
    reports = Report.objects.filter(
        clinic_id=records.clinic_id, screening_id__in=records.screening_ids
    )
    rows = list(reports.values_list("pk", "file"))
    files = [name for _, name in rows if name]
    history = admin_history_delete(Report, [pk for pk, _ in rows])
    deleted = Report.objects.filter(pk__in=[pk for pk, _ in rows]).delete()[0]
    if files:
        transaction.on_commit(lambda: report_files_delete(files), robust=True)
    return {"reports": deleted, "PDF files": len(files), "admin history entries": history}


def report_files_delete(names: list[str]) -> None:
    storage = reports_storage()
    for name in names:
        storage.delete(name)
