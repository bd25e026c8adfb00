"""The audit trail in the admin: read only, scoped to the staff member's clinic, audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEvent
from clinic.admin import ClinicScopedAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ClinicScopedAdmin):
    list_display = ["at", "action", "object_type", "object_id", "user", "api_client", "address"]
    list_filter = ["action", "object_type"]
    # Reading the trail is itself recorded, as on the dashboard's page and in the API.
    audit_object_type = "audit_event"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The trail is evidence: no one deletes it here, whatever permission they hold.
        return False
