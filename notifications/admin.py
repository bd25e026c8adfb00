"""Admin for alarm notices: their state, read-only, scoped to the staff member's clinic, audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from clinic.admin import ClinicScopedAdmin
from notifications.models import AlarmNotice


@admin.register(AlarmNotice)
class AlarmNoticeAdmin(ClinicScopedAdmin):
    list_display = ["id", "screening", "status", "attempts", "recipient_count", "sent_at"]
    list_filter = ["status"]
    # An alarm notice says that a screening has alarm features: health data, audited.
    audit_object_type = "alarm_notice"
    readonly_fields = [
        "clinic",
        "screening",
        "status",
        "attempts",
        "recipient_count",
        "last_error",
        "created_at",
        "enqueued_at",
        "next_attempt_at",
        "sent_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
