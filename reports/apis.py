"""API endpoints of a screening's report: its state, the PDF download, regeneration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.renderers import ApiJSONRenderer
from api.views import ClinicAPIView, IdempotentCreateMixin
from audit.models import AuditEvent
from clinic.models import Patient
from reports.models import Report
from reports.patient_export import patient_archive_response, patient_export_archive
from reports.selectors import report_is_ready, report_pdf_response
from reports.serializers import ReportSerializer
from reports.services import report_regenerate
from screening.models import Screening

PDF = "application/pdf"
ZIP = "application/zip"


class ReportNotReady(exceptions.APIException):
    status_code = 409
    default_detail = "The report is not ready yet; see its status."
    default_code = "report_not_ready"


class PdfRenderer(BaseRenderer):
    """Lets `Accept: application/pdf` through content negotiation; the view sends the file."""

    media_type = PDF
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return data if isinstance(data, bytes) else b""


class ZipRenderer(PdfRenderer):
    """Lets `Accept: application/zip` through content negotiation; the view sends the file."""

    media_type = ZIP
    format = "zip"


class ScreeningReportView(ClinicAPIView):
    """Views of the report of one screening of the caller's clinic."""

    audit_object_type = "report"
    serializer_class = ReportSerializer

    def base_queryset(self) -> QuerySet[Screening]:
        return Screening.objects.all()

    def screening(self) -> Screening:
        return self.get_object()

    def current_report(self, screening: Screening) -> Report:
        report = (
            Report.objects.filter(screening=screening, clinic_id=screening.clinic_id)
            .order_by("-created_at", "-id")
            .first()
        )
        if report is None:
            raise exceptions.NotFound("This screening has no report yet.")
        return report


@extend_schema(summary="The state of a screening's report", tags=["reports"])
class ReportStatusApi(ScreeningReportView):
    def get(self, request: Request, pk: int) -> Response:
        report = self.current_report(self.screening())
        self.audit(AuditEvent.Action.READ, [report.pk])
        return Response(ReportSerializer(report, context={"request": request}).data)


@extend_schema(
    summary="Download a screening's report as PDF",
    responses={
        (200, PDF): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
        409: OpenApiResponse(description="The report is not ready yet."),
    },
    tags=["reports"],
)
class ReportPdfApi(ScreeningReportView):
    renderer_classes = [PdfRenderer, ApiJSONRenderer]

    def get(self, request: Request, pk: int) -> FileResponse:
        report = self.current_report(self.screening())
        if not report_is_ready(report):
            raise ReportNotReady()
        self.audit(AuditEvent.Action.DOWNLOAD, [report.pk])
        return report_pdf_response(report=report, inline=False)

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON whatever the client accepted.
        self.request.accepted_renderer = ApiJSONRenderer()
        self.request.accepted_media_type = ApiJSONRenderer.media_type
        return super().handle_exception(exc)


@extend_schema(
    summary="Render a screening's report again",
    description="Queues a new render (after a failure, or with newer practitioner notes); a "
    "render already under way is left alone. 202 with the report's state.",
    request=None,
    responses={202: ReportSerializer},
    tags=["reports"],
)
class ReportRegenerateApi(IdempotentCreateMixin, ScreeningReportView):
    def create(self, request: Request, pk: int) -> Response:
        screening = self.screening()
        report = report_regenerate(screening=screening)
        self.audit(AuditEvent.Action.UPDATE, [report.pk], detail="regenerate")
        body = ReportSerializer(report, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    summary="Export everything held about a patient (a zip archive)",
    description="patient.json (the patient, intakes, screenings, reviews, notes), each intake "
    "and result document, a FHIR R4 Bundle and the ready report PDFs. Audited as an export.",
    responses={(200, ZIP): OpenApiResponse(OpenApiTypes.BINARY, description="The archive.")},
    tags=["patients"],
)
class PatientExportApi(ClinicAPIView):
    audit_object_type = "patient"
    renderer_classes = [ApiJSONRenderer, ZipRenderer]

    def base_queryset(self) -> QuerySet[Patient]:
        return Patient.objects.select_related("clinic")

    def get(self, request: Request, pk: int) -> HttpResponse:
        patient = self.get_object()
        archive = patient_export_archive(patient=patient)
        self.audit(AuditEvent.Action.EXPORT, [patient.pk], detail=archive.summary)
        return patient_archive_response(archive)

    def handle_exception(self, exc: Exception) -> Response:
        self.request.accepted_renderer = ApiJSONRenderer()
        self.request.accepted_media_type = ApiJSONRenderer.media_type
        return super().handle_exception(exc)
