"""Admin for intakes and screenings, scoped to the staff member's clinic."""

from __future__ import annotations

from django.contrib import admin

from clinic.admin import ClinicScopedAdmin
from screening.models import Intake, Screening


@admin.register(Intake)
class IntakeAdmin(ClinicScopedAdmin):
    list_display = ["id", "patient", "instrument", "version", "completed_on", "source"]
    list_filter = ["instrument", "version", "source"]
    readonly_fields = ["document", "document_sha256", "received_at"]


@admin.register(Screening)
class ScreeningAdmin(ClinicScopedAdmin):
    list_display = ["id", "patient", "completed_on", "overall", "refer_first", "engine"]
    list_filter = ["overall", "refer_first", "engine"]
    readonly_fields = ["result", "result_json", "intake_sha256", "engine"]
