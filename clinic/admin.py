"""Admin for clinics, staff and patients; clinic staff see only their own clinic.

The admin grants nothing beyond the roles. Only a superuser changes privileges (superuser,
staff, groups, permissions); a clinic admin manages the users of their own clinic within the
two roles; a practitioner changes no user, whatever Django permissions they were given. Every
read and change of patient data made here is audited (`AdminAuditMixin`), and so is every change
of a clinic, a user, an API client or a group (a row moved to another clinic on both clinics'
chains); the audit trail is the admin's only log (`clinic.admin_log`): it writes none, and a
history page links to the object's events. The admins django-otp and django-axes bring are not
offered (below).
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.admin_log import WithoutAdminLog, audit_trail_link, changed_fields_detail
from clinic.admin_staff import ErasePrivilegeAdmin, StaffRolesAdmin, staff_user
from clinic.models import ApiClient, Clinic, Invitation, Patient, User
from clinic.second_factor import OBJECT_TYPE as SECOND_FACTOR
from clinic.second_factor import second_factor_reset
from clinic.selectors import of_clinic


class AdminAuditMixin(WithoutAdminLog):
    """Audit the admin's reads and changes of patient data, like the dashboard's and the API's.

    A change or history page records READ of its object; a changelist page records LIST naming
    the ids it shows (one event per clinic on the page: a superuser's list may span several);
    a saved form records CREATE or UPDATE naming the changed fields (never their values). Each
    event belongs to the object's clinic (a superuser may have none) and its detail starts with
    "admin". Patient data is never deleted through the admin: stored records are kept
    (intakes and screenings are protected by the database too).

    Staff and settings (clinics, users, API clients, groups) set `changes_object_type` instead:
    their reads are not audited, every change is (CREATE, UPDATE with the changed field names,
    a password set included, and DELETE), on the chain of the row's clinic (a clinic's own). A
    row moved to another clinic is an UPDATE on the previous clinic's chain too.

    Every admin of the project derives from this class, so none writes Django's `LogEntry`: the
    history page of an audited model links to the object's events in the audit trail instead
    (entries Django wrote before about staff, clinics and groups stay listed there).
    """

    audit_object_type = ""
    changes_object_type = ""
    clinic_field = "clinic"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if self.audit_object_type and changelist is not None:
            self.audit_list(request, list(changelist.result_list))
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        # A page that shows the object (a GET, or a POST whose form had errors); a saved form
        # redirects and is audited as a change by log_change.
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if self.audit_object_type and shown is not None:
            self.audit_object(request, AuditEvent.Action.READ, shown, "admin change page")
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("object")
        object_type = self.audit_object_type or self.changes_object_type
        if object_type and shown is not None:
            if self.audit_object_type:
                self.audit_object(request, AuditEvent.Action.READ, shown, "admin history")
            if request.user.has_perm("audit.view_auditevent"):
                self.message_user(request, audit_trail_link(object_type, shown.pk))
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The clinic as stored, read before the save: a row moved to another clinic is recorded
        # on the chain it leaves too (log_change records it on the new clinic's).
        stored = self.stored_clinic_ids(obj) if change else []
        super().save_model(request, obj, form, change)
        for previous in stored:
            if previous != self.clinic_id_of(obj):
                audit_record(
                    clinic=previous,
                    user=staff_user(request),
                    action=AuditEvent.Action.UPDATE,
                    object_type=self.audit_object_type or self.changes_object_type,
                    object_id=obj.pk,
                    detail=changed_fields_detail(list(form.changed_data)),
                )

    def stored_clinic_ids(self, obj: Model) -> list[int | None]:
        """The stored clinic of an audited row that has one (a list of one), else []."""
        column = f"{self.clinic_field}_id"
        audited = self.audit_object_type or self.changes_object_type
        if not audited or column not in {f.attname for f in obj._meta.concrete_fields}:
            return []
        stored = type(obj)._default_manager.filter(pk=obj.pk).values_list(column, flat=True)
        return list(stored)

    # Django calls these after a saved form (and a password set) in the form's transaction, with
    # the changed field names (`WithoutAdminLog.construct_change_message`).
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> None:  # type: ignore[override]
        self.audit_change(request, AuditEvent.Action.CREATE, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> None:  # type: ignore[override]
        self.audit_change(request, AuditEvent.Action.UPDATE, obj, message)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self.audit_change(request, AuditEvent.Action.DELETE, obj, None)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.audit_change(request, AuditEvent.Action.DELETE, obj, None)
            super().delete_queryset(request, queryset)

    def audit_change(
        self, request: HttpRequest, action: str, obj: Model, fields: list[str] | None
    ) -> None:
        if self.audit_object_type or self.changes_object_type:
            # Field names only, never their values: no patient data, no password in the trail.
            detail = "admin: deleted" if fields is None else changed_fields_detail(fields)
            self.audit_object(request, action, obj, detail)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.audit_object_type:
            return False
        return super().has_delete_permission(request, obj)

    def clinic_id_of(self, obj: Model) -> int | None:
        # A clinic's events are its own; None: of no clinic (a group, a superuser without one).
        if isinstance(obj, Clinic):
            return int(obj.pk)
        clinic_id = getattr(obj, f"{self.clinic_field}_id", None)
        return None if clinic_id is None else int(clinic_id)

    def get_search_fields(self, request: HttpRequest) -> Any:
        # The autocomplete view (`admin:autocomplete`) would list rows (and their names) beside
        # the audited changelist; no form here uses it, so audited models answer it 404.
        match = request.resolver_match
        if self.audit_object_type and match is not None and match.url_name == "autocomplete":
            return ()
        return super().get_search_fields(request)

    def audit_object(self, request: HttpRequest, action: str, obj: Model, detail: str) -> None:
        audit_record(
            clinic=self.clinic_id_of(obj),
            user=staff_user(request),
            action=action,
            object_type=self.audit_object_type or self.changes_object_type,
            object_id=obj.pk,
            detail=detail,
        )

    def audit_list(self, request: HttpRequest, shown: list[Model]) -> None:
        ids_by_clinic: dict[int | None, list[int]] = {}
        for obj in shown:
            ids_by_clinic.setdefault(self.clinic_id_of(obj), []).append(obj.pk)
        for clinic_id, ids in ids_by_clinic.items():
            audit_record(
                clinic=clinic_id,
                user=staff_user(request),
                action=AuditEvent.Action.LIST,
                object_type=self.audit_object_type,
                object_ids=ids,
                detail="admin list",
            )


class ClinicScopedAdmin(AdminAuditMixin):
    """Rows of the signed-in user's clinic only (everything for superusers), audited."""

    clinic_field = "clinic"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return of_clinic(
            queryset, getattr(request.user, "clinic_id", None), field=self.clinic_field
        )

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
                kwargs["queryset"] = of_clinic(model._default_manager.all(), clinic_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Clinic)
class ClinicAdmin(AdminAuditMixin):
    """A clinic's settings; changes audited on its own chain. `retention_days` has a minimum
    (`RETENTION_MIN_DAYS`, the model field's validator, which the form runs)."""

    list_display = ["name", "slug", "require_second_factor", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["alarm_contacts"]
    changes_object_type = "clinic"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Clinic]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=getattr(request.user, "clinic_id", None))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        contacts = form.base_fields.get("alarm_contacts")
        if isinstance(contacts, ModelMultipleChoiceField):
            # Alarm contacts are chosen among the clinic's own staff (none before it exists).
            contacts.queryset = (
                User.objects.filter(clinic=obj).order_by("username") if obj else User.objects.none()
            )
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A clinic keeps its audit trail (and its staff and patients): it is never deleted.
        return False


@admin.register(User)
class ClinicUserAdmin(ClinicScopedAdmin, StaffRolesAdmin):
    """Staff accounts within the roles (`clinic.admin_staff`), clinic-scoped, every change
    audited (a password set too), and the second-factor reset."""

    list_display = ["username", "email", "clinic", "role", "is_active"]
    list_filter = ["role", "is_active"]
    changes_object_type = "user"
    actions = ["second_factor_reset"]

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Django's view saves the password outside a transaction: it and its event commit together.
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    @admin.action(description="Reset second factor", permissions=["change"])
    def second_factor_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Remove the app and recovery codes of users who lost their phone and end their
        sessions, audited. Only users this admin may change, never their own (their Second
        factor page asks for proof)."""
        admin_user = staff_user(request)
        done: list[str] = []
        for user in queryset:
            if user.pk == admin_user.pk or not self.has_change_permission(request, user):
                continue
            with transaction.atomic():
                audit_record(
                    clinic=user.clinic_id,
                    user=admin_user,
                    action=AuditEvent.Action.UPDATE,
                    object_type=SECOND_FACTOR,
                    object_id=user.pk,
                    detail=second_factor_reset(user, by=admin_user),
                    request=request,
                )
            done.append(user.get_username())
        if done:
            self.message_user(request, f"Second factor reset for: {', '.join(done)}.")
        if len(done) < len(queryset):
            skipped = "Not reset: your own (see your Second factor page), users you may not change."
            self.message_user(request, skipped, level=messages.WARNING)


admin.site.unregister(Group)
# Devices change only through the audited reset above (and the user's own Second factor page);
# sign-in records (usernames, addresses) are neither clinic-scoped nor audited reads: a clinic
# admin unlocks at /dashboard/accounts/locked/, an operator runs `manage.py axes_reset`.
for unaudited in (TOTPDevice, StaticDevice, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(unaudited):
        admin.site.unregister(unaudited)


@admin.register(Group)
class SuperuserGroupAdmin(AdminAuditMixin, GroupAdmin):
    """Groups carry permissions: only a superuser sees or changes them, audited."""

    changes_object_type = "group"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    list_display = ["external_id", "family_name", "given_name", "birth_date", "clinic"]
    search_fields = ["external_id", "family_name", "given_name"]
    audit_object_type = "patient"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A patient stays in their clinic: their intakes and screenings belong to it.
        return ["clinic"] if obj is not None else []


@admin.register(Invitation)
class InvitationAdmin(ClinicScopedAdmin):
    """Invitations are made where their link can be shown once (dashboard, API, command).

    Here only the expiry changes: ending a link early or giving it more time.
    """

    list_display = ["patient", "created_at", "expires_at", "submitted_at"]
    list_select_related = ["patient"]
    exclude = ["token_sha256", "draft_answers"]
    readonly_fields = [
        "clinic",
        "patient",
        "instrument",
        "version",
        "created_by",
        "intake",
        "draft_step",
        "draft_saved_at",
        "submitted_at",
    ]
    audit_object_type = "invitation"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiClient)
class ApiClientAdmin(ClinicScopedAdmin, ErasePrivilegeAdmin):
    """A clinic's API clients, every change audited; who may let one erase patients:
    `clinic.admin_staff.ErasePrivilegeAdmin`."""

    list_display = ["name", "clinic", "scope", "token_prefix", "created_at", "revoked_at"]
    changes_object_type = "api_client"
    exclude = ["token_sha256"]
    readonly_fields = ["token_prefix", "last_used_at"]
