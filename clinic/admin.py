"""Admin for clinics, staff and patients; clinic staff see only their own clinic.

The admin grants nothing beyond the roles. Only a superuser changes privileges (superuser,
staff, groups, permissions); a clinic admin manages the users of their own clinic within the
two roles; a practitioner changes no user, whatever Django permissions they were given. Every
read and change of patient data made here is audited (`AdminAuditMixin`); the audit trail is the
admin's only log (`clinic.admin_log`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.forms import ModelForm, ModelMultipleChoiceField
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.admin_log import WithoutAdminLog, audit_trail_link
from clinic.models import ApiClient, Clinic, Invitation, Patient, User
from clinic.second_factor import OBJECT_TYPE as SECOND_FACTOR
from clinic.second_factor import second_factor_reset
from clinic.selectors import of_clinic


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member (the admin lets no one else in)."""
    user = request.user
    assert isinstance(user, User)
    return user


class AdminAuditMixin(WithoutAdminLog):
    """Audit the admin's reads and changes of patient data, like the dashboard's and the API's.

    A change or history page records READ of its object; a changelist page records LIST naming
    the ids it shows (one event per clinic on the page: a superuser's list may span several);
    a saved form records CREATE or UPDATE. Each event belongs to the object's clinic (a
    superuser may have none) and its detail starts with "admin". Models without patient data
    leave `audit_object_type` empty and are not audited.

    Patient data is never deleted through the admin: there is no audit action for a deletion,
    and stored records are kept (intakes and screenings are protected by the database too).

    Every admin of the project derives from this class, so none writes Django's `LogEntry`: the
    history page of an audited model links to the object's events in the audit trail instead.
    """

    audit_object_type = ""
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
        # redirects and is audited as a change by save_model.
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if self.audit_object_type and shown is not None:
            self.audit_object(request, AuditEvent.Action.READ, shown, "admin change page")
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("object")
        if self.audit_object_type and shown is not None:
            self.audit_object(request, AuditEvent.Action.READ, shown, "admin history")
            if request.user.has_perm("audit.view_auditevent"):
                self.message_user(request, audit_trail_link(self.audit_object_type, shown.pk))
        return response

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if self.audit_object_type:
            # Field names only, never their values: the audit trail carries no patient data.
            fields = ", ".join(form.changed_data) or "nothing"
            action = AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE
            self.audit_object(request, action, obj, f"admin form: {fields}")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.audit_object_type:
            return False
        return super().has_delete_permission(request, obj)

    def clinic_id_of(self, obj: Model) -> int | None:
        # None: an audit event of no clinic (a sign-in with an unknown username).
        clinic_id = getattr(obj, f"{self.clinic_field}_id")
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
            object_type=self.audit_object_type,
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
    list_display = ["name", "slug", "require_second_factor", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["alarm_contacts"]

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


def manages_users(user: User) -> bool:
    """Who may add and change users here: a superuser, or a clinic admin of a clinic."""
    return user.is_superuser or (user.is_clinic_admin and user.clinic_id is not None)


def granted_permissions(user: User) -> set[int]:
    """The permissions given to `user` directly or through groups, active or not."""
    return set(
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("pk", flat=True)
        .distinct()
    )


@admin.register(User)
class ClinicUserAdmin(ClinicScopedAdmin, UserAdmin):
    """Superusers: every field. Clinic admins: their clinic's users, within the two roles.

    A clinic admin sees the users of their clinic except superusers, and changes a user only
    when that user holds no permission the clinic admin lacks (a password reset would
    otherwise hand them the other's rights). On their own account role and active state are
    read-only, so a clinic admin cannot lock themselves out. The form leaves the privilege
    fields out, and `save_model` puts back their stored values all the same.
    """

    list_display = ["username", "email", "clinic", "role", "is_active"]
    list_filter = ["role", "is_active"]
    actions = ["second_factor_reset"]
    fieldsets = (*UserAdmin.fieldsets, ("Clinic", {"fields": ["clinic", "role"]}))  # type: ignore[misc]
    clinic_fieldsets = (
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("Clinic", {"fields": ["role", "is_active"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    )
    clinic_add_fieldsets = (
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("Clinic", {"fields": ["role", "is_active"]}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.exclude(is_superuser=True)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.clinic_add_fieldsets if obj is None else self.clinic_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        if obj is not None and obj.pk == request.user.pk:
            return ["role", "is_active", "last_login", "date_joined"]
        return ["last_login", "date_joined"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return manages_users(staff_user(request)) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = staff_user(request)
        if not (manages_users(user) and super().has_change_permission(request, obj)):
            return False
        if user.is_superuser or obj is None:
            return True
        return (
            obj.clinic_id == user.clinic_id
            and not obj.is_superuser
            and granted_permissions(obj) <= granted_permissions(user)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Staff with audit events cannot be deleted anyway: they are deactivated.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        user = staff_user(request)
        if not user.is_superuser:
            # Whatever the request carried: privileges as stored (none for a new user), the
            # clinic admin's own clinic, and their own role and active state unchanged.
            stored = User.objects.get(pk=obj.pk) if change else User()
            obj.is_superuser, obj.is_staff = stored.is_superuser, stored.is_staff
            obj.clinic_id = user.clinic_id
            if obj.role not in User.Role.values:
                obj.role = stored.role
            if obj.pk == user.pk:
                obj.role, obj.is_active = stored.role, stored.is_active
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        # Groups and permissions are the only relations saved from this form.
        if request.user.is_superuser:
            super().save_related(request, form, formsets, change)

    @admin.action(description="Reset second factor", permissions=["change"])
    def second_factor_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Remove the app and recovery codes of users who lost their phone, audited. Only users
        this admin may change, never their own (their Second factor page asks for proof)."""
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


@admin.register(Group)
class SuperuserGroupAdmin(AdminAuditMixin, GroupAdmin):
    """Groups carry permissions: only a superuser sees or changes them."""

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
class ApiClientAdmin(ClinicScopedAdmin):
    list_display = ["name", "clinic", "scope", "token_prefix", "created_at", "revoked_at"]
    exclude = ["token_sha256"]
    readonly_fields = ["token_prefix", "last_used_at"]
