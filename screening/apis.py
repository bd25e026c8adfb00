"""API endpoints of intakes, screenings and instrument definitions (FHIR: screening.fhir.apis)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import ApiCursorPagination
from api.views import (
    PAGINATION_PARAMETERS,
    ClinicAPIView,
    IdempotentCreateMixin,
    PlainAPIView,
    audit_reads,
)
from audit.models import AuditEvent
from clinic.links import Links
from screening.filters import IntakeFilter, ScreeningFilter, intakes_listed
from screening.instrument_serializers import (
    InstrumentDefinitionSerializer,
    InstrumentSummarySerializer,
    instrument_definition,
)
from screening.instruments import INSTRUMENTS, UnknownInstrument, get_instrument
from screening.models import Intake, Screening
from screening.serializers import (
    SCREENING_ROW_FIELDS,
    IntakeCreateSerializer,
    IntakeSerializer,
    ScreeningSerializer,
    json_body,
    screening_body,
)
from screening.services import intake_submit

# Intakes


@extend_schema_view(
    get=extend_schema(
        summary="List intakes, newest first",
        responses={200: IntakeSerializer(many=True)},
        tags=["intakes"],
    ),
    post=extend_schema(
        summary="Submit an intake document for a patient",
        description=(
            "Validates the document against its instrument, stores it, scores it and queues "
            "its report, all or nothing. Answers 201 with the screening. An invalid document "
            "is answered 400 naming every problem by item id; nothing is stored then. The "
            "patient's birth date comes from the document or, when the document has none, from "
            "the patient record; when both are given and differ, the intake is refused naming "
            "`patient.birth_date`. The stored intake's `birth_date_source` says which was used."
        ),
        request=IntakeCreateSerializer,
        responses={201: ScreeningSerializer},
        tags=["intakes"],
    ),
)
class IntakeListApi(IdempotentCreateMixin, ClinicAPIView, generics.ListAPIView):
    serializer_class = IntakeSerializer
    filterset_class = IntakeFilter
    audit_object_type = "intake"

    def base_queryset(self) -> QuerySet[Intake]:
        return Intake.objects.prefetch_related("screenings")

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "links": Links.for_request(self.request),
        }

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Unfiltered, the filter form is skipped: intakes entered in error stay out all the same.
        if not set(self.request.query_params) - PAGINATION_PARAMETERS:
            return intakes_listed(queryset)
        return super().filter_queryset(queryset)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None
        self.audit(AuditEvent.Action.LIST, (intake.pk for intake in page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = IntakeCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        # The intake and the audit event of its creation commit together, in one commit.
        with transaction.atomic():
            screening = intake_submit(
                patient=incoming.validated_data["patient"],
                document=incoming.validated_data["document"],
                source=Intake.Source.API,
            )
            audit_reads(self.principal, AuditEvent.Action.CREATE, "intake", [screening.intake_id])
        return screening_response(screening, request, status=status.HTTP_201_CREATED)


def screening_response(screening: Screening, request: Request, *, status: int = 200) -> Response:
    links = Links.for_request(request)
    row = {field: getattr(screening, field) for field in SCREENING_ROW_FIELDS}
    headers = {"Location": links.screening(screening.pk)} if status == 201 else None
    return Response(json_body(screening_body(row, links)), status=status, headers=headers)


@extend_schema(summary="Read an intake (its stored document)", tags=["intakes"])
class IntakeDetailApi(ClinicAPIView, generics.RetrieveAPIView):
    serializer_class = IntakeSerializer
    audit_object_type = "intake"

    def base_queryset(self) -> QuerySet[Intake]:
        return Intake.objects.prefetch_related("screenings")

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "links": Links.for_request(self.request),
        }

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        intake = self.get_object()
        self.audit(AuditEvent.Action.READ, [intake.pk])
        return Response(self.get_serializer(intake).data)


# Screenings


@extend_schema(
    summary="List screenings, newest first",
    description="Each item is the stored result document with its ids and links.",
    responses={200: ScreeningSerializer(many=True)},
    tags=["screenings"],
)
class ScreeningListApi(ClinicAPIView, generics.ListAPIView):
    serializer_class = ScreeningSerializer
    filterset_class = ScreeningFilter
    audit_object_type = "screening"

    def base_queryset(self) -> QuerySet[Screening]:
        return Screening.objects.all()

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Unfiltered, the filter form is skipped: screenings entered in error stay out all the same.
        if not set(self.request.query_params) - PAGINATION_PARAMETERS:
            return queryset.filter(entered_in_error=False)
        return super().filter_queryset(queryset)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self.filter_queryset(self.get_queryset()).values(*SCREENING_ROW_FIELDS)
        page = self.paginate_queryset(rows)
        paginator = self.paginator
        assert page is not None and isinstance(paginator, ApiCursorPagination)
        self.audit(AuditEvent.Action.LIST, (row["id"] for row in page))
        links = Links.for_request(request)
        return Response(
            json_body(
                {
                    "next": paginator.get_next_link(),
                    "previous": paginator.get_previous_link(),
                    "results": [screening_body(row, links) for row in page],
                }
            )
        )


@extend_schema(
    summary="Read a screening: the result document and its links",
    responses={200: ScreeningSerializer},
    tags=["screenings"],
)
class ScreeningDetailApi(ClinicAPIView, generics.RetrieveAPIView):
    serializer_class = ScreeningSerializer
    audit_object_type = "screening"

    def base_queryset(self) -> QuerySet[Screening]:
        return Screening.objects.all()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        screening = self.get_object()
        self.audit(AuditEvent.Action.READ, [screening.pk])
        return screening_response(screening, request)


# Instrument definitions (no patient data: nothing to scope or audit)


@extend_schema(
    summary="The instruments and their versions",
    responses={200: InstrumentSummarySerializer(many=True)},
    tags=["instruments"],
)
class InstrumentListApi(PlainAPIView):
    def get(self, request: Request) -> Response:
        links = Links.for_request(request)
        return Response(
            [
                {
                    "id": instrument.id,
                    "version": instrument.version,
                    "title": instrument.title,
                    "url": instrument.url,
                    "links": {
                        "self": links.url(
                            "api:instrument-detail",
                            instrument_id=instrument.id,
                            version=instrument.version,
                        ),
                        "fhir": links.url("api:fhir-questionnaire", instrument_id=instrument.id),
                    },
                }
                for instrument in INSTRUMENTS.values()
            ]
        )


@extend_schema(
    summary="An instrument definition by id and version",
    description="Every section and item (types, scales, ranges, choices, conditions) and the "
    "pattern rules in words. A released version never changes.",
    responses={200: InstrumentDefinitionSerializer},
    tags=["instruments"],
)
class InstrumentDetailApi(PlainAPIView):
    def get(self, request: Request, instrument_id: str, version: int) -> Response:
        try:
            instrument = get_instrument(instrument_id, version)
        except UnknownInstrument:
            raise exceptions.NotFound("No such instrument version.") from None
        return Response(instrument_definition(instrument))
