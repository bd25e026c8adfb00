"""Reports react to the screening domain: a stored screening gets its report, in the same
transaction (the outbox); a change its report shows renders it again; a patient's erasure
deletes their reports, and their PDF files once it has committed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from reports.models import Report, reports_storage
from reports.services import report_queue, report_regenerate
from screening.erasure import ErasedRecords
from screening.models import Screening
from screening.signals import patient_erasing, screening_changed, screening_stored

logger = logging.getLogger(__name__)


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
    rollback keeps both).

    The rows are locked before their file names are read: a render finishing meanwhile
    waits, then finds its row gone and drops its own file (`report_finish`); one that
    finished before has its name read here.
    """
    rows = list(
        Report.objects.select_for_update()
        .filter(clinic_id=records.clinic_id, screening_id__in=records.screening_ids)
        .order_by("pk")
        .values_list("pk", "file")
    )
    files = [(pk, name) for pk, name in rows if name]
    deleted = Report.objects.filter(pk__in=[pk for pk, _ in rows]).delete()[0]
    if files:
        transaction.on_commit(lambda: report_files_delete(files), robust=True)
    return {"reports": deleted, "PDF files": len(files)}


def report_files_delete(files: list[tuple[int, str]]) -> None:
    """Delete the PDF file of each erased report (`(report id, file name)`): one that fails
    does not keep the others, and is logged by the report's id only (neither its name nor
    the error's text, which may hold it)."""
    storage = reports_storage()
    for report_id, name in files:
        try:
            storage.delete(name)
        except Exception as error:  # any storage's error: the next files must still go
            logger.warning(
                "the PDF file of erased report %s was not deleted (%s)",
                report_id,
                type(error).__name__,
            )
