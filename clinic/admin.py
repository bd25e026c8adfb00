"""Admin for clinics, staff and patients; clinic staff see only their own clinic."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from clinic.models import ApiClient, AuditEvent, Clinic, Invitation, Patient, User


class ClinicScopedAdmin(admin.ModelAdmin):
    """Rows of the signed-in user's clinic only (everything for superusers)."""

    clinic_field = "clinic"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{self.clinic_field: getattr(request.user, "clinic_id", None)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Writable relations are scoped too: no picking another clinic's patient.
        if not request.user.is_superuser:
            clinic_id: int | None = getattr(request.user, "clinic_id", None)
            model = db_field.related_model
            if model is Clinic:
                kwargs["queryset"] = (
                    Clinic.objects.filter(pk=clinic_id) if clinic_id else Clinic.objects.none()
                )
            elif any(f.name == "clinic" for f in model._meta.get_fields()):
                kwargs["queryset"] = model._default_manager.filter(clinic_id=clinic_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Clinic]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=getattr(request.user, "clinic_id", None))


@admin.register(User)
class ClinicUserAdmin(ClinicScopedAdmin, UserAdmin):
    list_display = ["username", "email", "clinic", "role", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = (*UserAdmin.fieldsets, ("Clinic", {"fields": ["clinic", "role"]}))  # type: ignore[misc]


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    list_display = ["external_id", "family_name", "given_name", "birth_date", "clinic"]
    search_fields = ["external_id", "family_name", "given_name"]


@admin.register(Invitation)
class InvitationAdmin(ClinicScopedAdmin):
    list_display = ["patient", "created_at", "expires_at", "submitted_at"]
    exclude = ["token_sha256", "draft_answers"]
    readonly_fields = ["intake", "draft_step", "draft_saved_at", "submitted_at"]


@admin.register(ApiClient)
class ApiClientAdmin(ClinicScopedAdmin):
    list_display = ["name", "clinic", "scope", "token_prefix", "created_at", "revoked_at"]
    exclude = ["token_sha256"]
    readonly_fields = ["token_prefix", "last_used_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ClinicScopedAdmin):
    list_display = ["at", "action", "object_type", "object_id", "user", "api_client"]
    list_filter = ["action", "object_type"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
