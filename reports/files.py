"""Report PDF files in the reports storage: their names, and the sweep of the orphaned ones.

A file is orphaned when no Report row refers to it: its erasure's delete failed (or its worker
died between the commit and the delete), or a render stored it and then failed. The sweep finds
them with the Storage API alone (`listdir`, `get_modified_time`, `delete`), so it works on the
local file system and on django-storages' backends alike.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage
from django.utils import timezone

from reports.models import Report, reports_storage

logger = logging.getLogger(__name__)

FOLDER = "reports"
# `report-<report id>-<digest>.pdf`: the id tells the sweep whose render may still be writing.
REPORT_ID_IN_NAME = re.compile(r"report-(\d+)-")


def report_file_name(*, clinic_id: int, report_id: int, digest: str) -> str:
    """The storage name of a report's PDF: one folder per clinic, named by its content."""
    return f"{FOLDER}/{clinic_id}/report-{report_id}-{digest[:16]}.pdf"


@dataclass(frozen=True)
class FilesSweepOutcome:
    deleted: int
    not_deleted: int  # the storage refused: the next run tries again


def report_files_sweep(*, now: datetime | None = None) -> FilesSweepOutcome:
    """Delete the report files no Report row refers to, once older than REPORTS_STALE_AFTER.

    A render stores its file before its row names it, and the hard time limit ends it before
    REPORTS_STALE_AFTER: a younger file may be one whose row is not committed yet, and the
    files of a report still rendering are kept whatever their age (a render reuses a file of
    the same content that an earlier attempt left). Logs counts only, never names.
    """
    now = now or timezone.now()
    written_before = now - timedelta(seconds=settings.REPORTS_STALE_AFTER)
    storage = reports_storage()
    deleted = not_deleted = 0
    for folder in clinic_folders(storage):
        for name in orphans_in(storage, folder=folder, written_before=written_before):
            try:
                storage.delete(name)
            except Exception:  # any storage's error, whose text may name the file
                not_deleted += 1
            else:
                deleted += 1
    if deleted or not_deleted:
        logger.info(
            "report files sweep: %s orphaned files deleted, %s could not be deleted",
            deleted,
            not_deleted,
        )
    return FilesSweepOutcome(deleted, not_deleted)


def clinic_folders(storage: Storage) -> list[str]:
    """`reports/<clinic id>`: the folders report_file_name writes to, and nothing else."""
    try:
        folders, _ = storage.listdir(FOLDER)
    except FileNotFoundError:  # nothing stored yet (a file system; object stores list none)
        return []
    return [f"{FOLDER}/{folder}" for folder in sorted(folders) if folder.isdigit()]


def orphans_in(storage: Storage, *, folder: str, written_before: datetime) -> list[str]:
    """The names in a clinic's folder that no report refers to, written before the time given,
    and not of a report still rendering."""
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:  # removed since the folders were listed
        return []
    referenced = set(
        Report.objects.filter(file__startswith=f"{folder}/").values_list("file", flat=True)
    )
    unreferenced = {f"{folder}/{file}" for file in files} - referenced
    if not unreferenced:
        return []
    rendering = {
        str(report_id)
        for report_id in Report.objects.filter(
            clinic_id=int(folder.rsplit("/", 1)[-1]), status=Report.Status.RENDERING
        ).values_list("pk", flat=True)
    }
    return [
        name
        for name in sorted(unreferenced)
        if not rendering_writes(name, rendering) and written_earlier(storage, name, written_before)
    ]


def rendering_writes(name: str, rendering: set[str]) -> bool:
    match = REPORT_ID_IN_NAME.search(name.rsplit("/", 1)[-1])
    return match is not None and match.group(1) in rendering


def written_earlier(storage: Storage, name: str, before: datetime) -> bool:
    try:
        return storage.get_modified_time(name) < before
    except FileNotFoundError:  # deleted since the folder was listed
        return False
