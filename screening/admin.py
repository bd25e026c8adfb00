"""Admin for intakes, screenings and note revisions: read-only, clinic-scoped and audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from clinic.admin import ClinicScopedAdmin
from screening.models import Intake, NoteRevision, Screening


class StoredRecordAdmin(ClinicScopedAdmin):
    """A stored record is shown here, never added, changed or deleted, by anyone.

    Its few mutable columns change only through their services (review, acknowledgement,
    entered-in-error mark), which check and audit them; the admin has view pages only.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Intake)
class IntakeAdmin(StoredRecordAdmin):
    list_display = ["id", "patient", "instrument", "version", "completed_on", "source"]
    list_filter = ["instrument", "version", "source"]
    list_select_related = ["patient"]
    audit_object_type = "intake"


@admin.register(Screening)
class ScreeningAdmin(StoredRecordAdmin):
    list_display = ["id", "patient", "completed_on", "overall", "refer_first", "engine"]
    list_filter = ["overall", "refer_first", "engine"]
    list_select_related = ["patient"]
    audit_object_type = "screening"


@admin.register(NoteRevision)
class NoteRevisionAdmin(StoredRecordAdmin):
    list_display = ["id", "screening", "saved_at", "saved_by_name", "reviewed"]
    list_filter = ["reviewed"]
    audit_object_type = "note_revision"
