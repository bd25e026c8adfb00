"""Clinic scoping of the API, in one place: who the caller is, what it may do, what it sees.

Every API view uses `ClinicPermission` and takes its rows through `ClinicScopedMixin`, whose
querysets are filtered by the caller's clinic; a writable relation uses
`ClinicScopedPrimaryKeyField`. A row of another clinic is therefore simply not found (404),
for reads, writes and relations alike. This module must not import DRF views (the settings
name `ClinicPermission`, and DRF builds `APIView` from the settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django_otp import user_has_device
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.relations import PrimaryKeyRelatedField
from rest_framework.request import Request

from clinic.models import ApiClient, Clinic, User
from clinic.selectors import of_clinic


@dataclass(frozen=True)
class Principal:
    """The caller of an API request: a machine client or a staff user, of exactly one clinic."""

    clinic_id: int
    key: str  # 'client:<id>' or 'user:<id>', for throttling and idempotency keys
    can_write: bool
    is_clinic_admin: bool
    client: ApiClient | None = None
    user: User | None = None

    @property
    def clinic(self) -> Clinic:
        # Loaded on first use: only creating a patient needs the clinic row itself.
        if self.client is not None:
            return self.client.clinic
        assert self.user is not None and self.user.clinic is not None
        return self.user.clinic


def principal_of(request: Request) -> Principal | None:
    """The request's principal, or None when it is anonymous or belongs to no clinic."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiClient):
        return Principal(
            clinic_id=auth.clinic_id,
            key=f"client:{auth.pk}",
            can_write=auth.can_write,
            # A read-write client acts for the clinic's systems: it may manage webhooks.
            is_clinic_admin=auth.can_write,
            client=auth,
        )
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_active and user.clinic_id is not None:
        return Principal(
            clinic_id=user.clinic_id,
            key=f"user:{user.pk}",
            can_write=True,
            is_clinic_admin=user.is_clinic_admin,
            user=user,
        )
    return None


def request_principal(request: Request) -> Principal:
    """The principal of a request that `ClinicPermission` already let through."""
    principal = principal_of(request)
    if principal is None:
        raise exceptions.NotAuthenticated()
    return principal


class ClinicPermission(BasePermission):
    """Deny by default: a principal of a clinic; writes need a read-write client or staff.

    Views may set `write_requires_clinic_admin = True` (webhook settings) and
    `read_requires_clinic_admin = True`.
    """

    message = "You do not have permission to perform this action."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF turns this into 401 with the bearer challenge
        principal = principal_of(request)
        if principal is None:
            return False
        if principal.user is not None and second_factor_missing(principal.user):
            return False
        if request.method in SAFE_METHODS:
            return principal.is_clinic_admin or not getattr(
                view, "read_requires_clinic_admin", False
            )
        if not principal.can_write:
            return False
        return principal.is_clinic_admin or not getattr(view, "write_requires_clinic_admin", False)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        # Querysets are already scoped; this is the second lock on the same door.
        principal = principal_of(request)
        clinic_id = getattr(obj, "clinic_id", None)
        if principal is None or clinic_id != principal.clinic_id:
            raise exceptions.NotFound()
        return True


def second_factor_missing(user: User) -> bool:
    """A staff session not confirmed with the second factor the user has, or the clinic
    requires (dashboard/second_factor.py). Bearer tokens of API clients are not sessions."""
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    clinic = user.clinic
    return bool(clinic and clinic.require_second_factor) or user_has_device(user, confirmed=True)


def clinic_scoped(
    queryset: QuerySet[Any], request: Request, *, field: str = "clinic"
) -> QuerySet[Any]:
    """`queryset` narrowed to the caller's clinic; nothing at all without a principal."""
    principal = principal_of(request)
    return of_clinic(queryset, principal.clinic_id if principal else None, field=field)


if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView

    _GenericView = GenericAPIView
else:
    # Not imported at run time: the settings import this module while DRF builds its views.
    _GenericView = object


class ClinicScopedMixin(_GenericView):
    """For generic views: `get_queryset()` is `base_queryset()` narrowed to the caller's clinic.

    Views define `base_queryset()` (unscoped, with their joins) and never override
    `get_queryset()`; `clinic_field` names the relation to the clinic.
    """

    clinic_field = "clinic"

    def base_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return clinic_scoped(self.base_queryset(), self.request, field=self.clinic_field)

    @property
    def principal(self) -> Principal:
        return request_principal(self.request)


class ClinicScopedPrimaryKeyField(PrimaryKeyRelatedField):
    """A writable relation to a row of the caller's clinic; any other id is 404, not 400.

    Answering 404 (and not "object does not exist") gives no hint whether the id exists in
    another clinic.
    """

    def __init__(self, *, model: type[Model], clinic_field: str = "clinic", **kwargs: Any):
        self.scoped_model = model
        self.clinic_field = clinic_field
        super().__init__(queryset=model._default_manager.all(), **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        if request is None:
            return self.scoped_model._default_manager.none()
        return clinic_scoped(
            self.scoped_model._default_manager.all(), request, field=self.clinic_field
        )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if pk < 1 or pk > 2**63 - 1:
            raise exceptions.NotFound(f"No {self.scoped_model._meta.verbose_name} with this id.")
        try:
            return self.get_queryset().get(pk=pk)
        except ObjectDoesNotExist:
            raise exceptions.NotFound(
                f"No {self.scoped_model._meta.verbose_name} with this id."
            ) from None
