"""Admin for reports: their state, read-only, scoped to the staff member's clinic, audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from clinic.admin import ClinicScopedAdmin
from reports.models import Report


@admin.register(Report)
class ReportAdmin(ClinicScopedAdmin):
    list_display = ["id", "screening", "template_version", "status", "attempts", "finished_at"]
    list_filter = ["status", "template_version"]
    audit_object_type = "report"
    # The file is served by the API, which audits each download; the admin shows state only.
    exclude = ["file"]
    readonly_fields = [
        "clinic",
        "screening",
        "template_version",
        "status",
        "attempts",
        "last_error",
        "size",
        "sha256",
        "page_count",
        "created_at",
        "enqueued_at",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # View pages only: a saved form would write the row back over the worker's updates.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
