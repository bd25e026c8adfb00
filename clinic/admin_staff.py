"""Who may change which staff account and privilege in the admin: the roles, never more.

Only a superuser changes privileges (superuser, staff, groups, permissions). A clinic admin
manages the users of their own clinic within the two roles; a practitioner changes no user,
whatever Django permissions they were given. `clinic.admin.ClinicUserAdmin` adds the clinic
scoping, the audit of every change and the second-factor reset. Letting an API client erase
patients is a clinic admin's decision too (`ErasePrivilegeAdmin`); `administers` is the one test.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from clinic.models import ApiClient, User


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member (the admin lets no one else in)."""
    user = request.user
    assert isinstance(user, User)
    return user


def administers(user: User, clinic_id: int | None) -> bool:
    """A superuser, or a clinic admin of the clinic `clinic_id` (none: of no clinic)."""
    return user.is_superuser or user.is_clinic_admin_of(clinic_id)


def manages_users(user: User) -> bool:
    """Who may add and change users here: a superuser, or a clinic admin of a clinic."""
    return administers(user, user.clinic_id)


def granted_permissions(user: User) -> set[int]:
    """The permissions given to `user` directly or through groups, active or not."""
    return set(
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("pk", flat=True)
        .distinct()
    )


class StaffRolesAdmin(UserAdmin):
    """Superusers: every field. Clinic admins: their clinic's users, within the two roles.

    A clinic admin sees the users of their clinic except superusers, and changes a user only
    when that user holds no permission the clinic admin lacks (a password reset would
    otherwise hand them the other's rights). On their own account role and active state are
    read-only, so a clinic admin cannot lock themselves out. The form leaves the privilege
    fields out, and `save_model` puts back their stored values all the same.
    """

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


class ErasePrivilegeAdmin(admin.ModelAdmin):
    """Only a superuser or a clinic admin of the API client's clinic allows it to erase patients
    (`ApiClient.can_erase`): for anyone else the field is disabled, and `save_model` keeps the
    stored value whatever the request carried."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        can_erase = form.base_fields.get("can_erase")
        if can_erase is not None and not allows_erasure(staff_user(request), obj):
            # Disabled rather than read-only: the form keeps the field, so the model's check
            # (erasing needs the read-and-write scope) can still show its error beside it.
            can_erase.disabled = True
        return form

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        if not allows_erasure(staff_user(request), obj):
            stored = ApiClient.objects.filter(pk=obj.pk).values_list("can_erase", flat=True)
            obj.can_erase = bool(stored.first())
        super().save_model(request, obj, form, change)


def allows_erasure(user: User, client: ApiClient | None) -> bool:
    """May `user` set whether `client` (None: a new client, of their clinic) erases patients?"""
    return administers(user, user.clinic_id if client is None else client.clinic_id)
