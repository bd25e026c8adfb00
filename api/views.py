"""The API's base views: deny by default, clinic-scoped, throttled per caller, JSON only,
reads audited, POSTs idempotent with an Idempotency-Key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import ApiClientAuthentication, StaffSessionAuthentication
from api.idempotency import idempotent_response
from api.pagination import ApiCursorPagination
from api.parsers import StrictJSONParser
from api.permissions import ClinicPermission, ClinicScopedMixin, Principal
from api.renderers import ApiJSONRenderer
from api.throttling import PrincipalRateThrottle
from audit.services import audit_record


class PlainAPIView(APIView):
    """Every API view: authenticated, clinic-scoped permission, throttled per caller, JSON only.

    Set explicitly here as well as in the settings, so that no view depends on defaults. Used
    as is by views over no rows (instrument definitions, FHIR), and under ClinicAPIView.
    """

    authentication_classes = [ApiClientAuthentication, StaffSessionAuthentication]
    permission_classes = [ClinicPermission]
    throttle_classes = [PrincipalRateThrottle]
    parser_classes = [StrictJSONParser]
    renderer_classes = [ApiJSONRenderer]
    # No OPTIONS self-description (405): the OpenAPI schema describes the API.
    metadata_class = None


PAGINATION_PARAMETERS = {"cursor", "page_size"}


class ClinicAPIView(ClinicScopedMixin, generics.GenericAPIView, PlainAPIView):
    """A view over rows of the caller's clinic (see ClinicScopedMixin)."""

    pagination_class = ApiCursorPagination
    filter_backends = [DjangoFilterBackend]
    # The object type recorded in the audit trail for reads, or "" when no patient data.
    audit_object_type = ""

    def audit(self, action: str, object_ids: Iterable[Any], *, detail: str = "") -> None:
        audit_reads(self.principal, action, self.audit_object_type, object_ids, detail=detail)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Without filter parameters there is nothing to filter: skip building the filter form.
        if not set(self.request.query_params) - PAGINATION_PARAMETERS:
            return queryset
        return super().filter_queryset(queryset)


def audit_reads(
    principal: Principal,
    action: str,
    object_type: str,
    object_ids: Iterable[Any],
    *,
    detail: str = "",
) -> None:
    """Record a read of patient data by the API's caller (a list: one event naming its rows)."""
    audit_record(
        clinic=principal.clinic_id,
        action=action,
        object_type=object_type,
        object_ids=object_ids,
        user=principal.user,
        api_client=principal.client,
        detail=detail,
    )


class IdempotentCreateMixin:
    """POST is safe to retry with an Idempotency-Key header."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return idempotent_response(
            request,
            lambda: self.create(request, *args, **kwargs),  # type: ignore[attr-defined]
            self.handle_exception,  # type: ignore[attr-defined]
        )


# Patients
