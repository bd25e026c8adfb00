"""API endpoints of the audit trail: a clinic admin's list of the clinic's events, and its CSV.

Who may read: staff sessions of clinic admins, and API clients of scope read_write (they act
for the clinic's systems, as for webhooks: `Principal.is_clinic_admin`). Practitioners and
read-only clients are refused (403). Both reads are recorded: the list as `list` of
`audit_event`, the export as `export`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.renderers import ApiJSONRenderer
from api.views import ClinicAPIView
from audit.exports import audit_events_export
from audit.filters import AuditEventFilter, filters_in_words
from audit.models import AuditEvent
from audit.selectors import clinic_audit_events
from audit.serializers import AuditEventSerializer

CSV = "text/csv"


class ClinicFilterBackend(DjangoFilterBackend):
    """django-filter, with the caller's clinic given to the filters (their choices)."""

    def get_filterset_kwargs(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        return {**kwargs, "clinic_id": view.principal.clinic_id}


class AuditEventView(ClinicAPIView):
    filter_backends = [ClinicFilterBackend]
    filterset_class = AuditEventFilter
    read_requires_clinic_admin = True
    audit_object_type = "audit_event"
    queryset = AuditEvent.objects.none()  # for the schema: the model of the rows

    def base_queryset(self) -> QuerySet[AuditEvent]:
        return clinic_audit_events(self.principal.clinic_id)


@extend_schema(
    summary="List the clinic's audit events, newest first",
    description="For clinic admins and read-write API clients. Reading the list is recorded.",
    tags=["audit"],
)
class AuditEventListApi(AuditEventView, generics.ListAPIView):
    serializer_class = AuditEventSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None
        self.audit(
            AuditEvent.Action.LIST,
            (event.pk for event in page),
            detail=filters_in_words(request.query_params, clinic_id=self.principal.clinic_id),
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CsvRenderer(BaseRenderer):
    """Lets `Accept: text/csv` through content negotiation; the view streams the rows."""

    media_type = CSV
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Any = None,
    ) -> bytes:
        return b""


@extend_schema(
    summary="Export the clinic's audit events as CSV",
    description=(
        "The same filters as the list; every matching event recorded before the export, "
        "newest first. Cells a spreadsheet would read as a formula start with an apostrophe. "
        "The export is recorded (`export`)."
    ),
    responses={(200, CSV): OpenApiResponse(OpenApiTypes.STR, description="The CSV.")},
    tags=["audit"],
)
class AuditEventExportApi(AuditEventView, generics.GenericAPIView):
    renderer_classes = [CsvRenderer, ApiJSONRenderer]

    def get(self, request: Request) -> StreamingHttpResponse:
        events = self.filter_queryset(self.get_queryset())
        return audit_events_export(
            events=events,
            clinic_id=self.principal.clinic_id,
            user=self.principal.user,
            api_client=self.principal.client,
            detail=filters_in_words(request.query_params, clinic_id=self.principal.clinic_id),
        )

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON whatever the client accepted.
        self.request.accepted_renderer = ApiJSONRenderer()
        self.request.accepted_media_type = ApiJSONRenderer.media_type
        return super().handle_exception(exc)
