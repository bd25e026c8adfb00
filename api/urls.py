"""Every /api/ route: the REST API (v1), the FHIR R4 interface, the schema and its docs."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.authentication import ApiClientAuthentication, StaffSessionAuthentication
from api.errors import error_body
from api.permissions import ClinicPermission
from audit import apis as audit_apis
from clinic import apis as clinic_apis
from reports import apis as report_apis
from screening import apis as screening_apis
from screening.fhir import apis as fhir_apis
from webhooks import apis as webhook_apis

app_name = "api"

# The schema and docs describe the API to its callers only (never AllowAny).
schema_access = {
    "authentication_classes": [ApiClientAuthentication, StaffSessionAuthentication],
    "permission_classes": [ClinicPermission],
}


@csrf_exempt  # it changes nothing; answered alike for every method
def api_not_found(request: HttpRequest, unmatched: str = "") -> JsonResponse:
    """Unknown /api/ paths answer in the API's error format, not with an HTML page."""
    body = error_body(status=404, code="not_found", detail="No such API endpoint.")
    return JsonResponse(body, status=404)


@csrf_exempt
def fhir_not_found(request: HttpRequest, unmatched: str = "") -> HttpResponse:
    """Unknown FHIR paths answer with an OperationOutcome, as every FHIR error does."""
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "not-found", "diagnostics": "No such resource."}],
    }
    return HttpResponse(json.dumps(outcome), status=404, content_type="application/fhir+json")


v1 = [
    path("v1/patients/", clinic_apis.PatientListApi.as_view(), name="patient-list"),
    path("v1/patients/<int:pk>/", clinic_apis.PatientDetailApi.as_view(), name="patient-detail"),
    path(
        "v1/patients/<int:pk>/export/",
        report_apis.PatientExportApi.as_view(),
        name="patient-export",
    ),
    path("v1/invitations/", clinic_apis.InvitationCreateApi.as_view(), name="invitation-create"),
    path("v1/intakes/", screening_apis.IntakeListApi.as_view(), name="intake-list"),
    path("v1/intakes/<int:pk>/", screening_apis.IntakeDetailApi.as_view(), name="intake-detail"),
    path("v1/screenings/", screening_apis.ScreeningListApi.as_view(), name="screening-list"),
    path(
        "v1/screenings/<int:pk>/",
        screening_apis.ScreeningDetailApi.as_view(),
        name="screening-detail",
    ),
    path(
        "v1/screenings/<int:pk>/report/",
        report_apis.ReportStatusApi.as_view(),
        name="screening-report",
    ),
    path(
        "v1/screenings/<int:pk>/report/pdf/",
        report_apis.ReportPdfApi.as_view(),
        name="screening-report-pdf",
    ),
    path(
        "v1/screenings/<int:pk>/report/regenerate/",
        report_apis.ReportRegenerateApi.as_view(),
        name="screening-report-regenerate",
    ),
    path("v1/instruments/", screening_apis.InstrumentListApi.as_view(), name="instrument-list"),
    path(
        "v1/instruments/<slug:instrument_id>/<int:version>/",
        screening_apis.InstrumentDetailApi.as_view(),
        name="instrument-detail",
    ),
    path("v1/webhooks/", webhook_apis.WebhookEndpointListApi.as_view(), name="webhook-list"),
    path(
        "v1/webhooks/<int:pk>/",
        webhook_apis.WebhookEndpointDetailApi.as_view(),
        name="webhook-detail",
    ),
    path(
        "v1/webhooks/<int:pk>/deliveries/",
        webhook_apis.WebhookDeliveryListApi.as_view(),
        name="webhook-deliveries",
    ),
    path("v1/audit-events/", audit_apis.AuditEventListApi.as_view(), name="audit-event-list"),
    path(
        "v1/audit-events/export/",
        audit_apis.AuditEventExportApi.as_view(),
        name="audit-event-export",
    ),
]

fhir = [
    path(
        "fhir/Questionnaire/<slug:instrument_id>",
        fhir_apis.FhirQuestionnaireApi.as_view(),
        name="fhir-questionnaire",
    ),
    path(
        "fhir/QuestionnaireResponse",
        fhir_apis.FhirQuestionnaireResponseCreateApi.as_view(),
        name="fhir-questionnaire-response-create",
    ),
    path(
        "fhir/QuestionnaireResponse/<int:pk>",
        fhir_apis.FhirQuestionnaireResponseApi.as_view(),
        name="fhir-questionnaire-response",
    ),
    path(
        "fhir/Observation/<str:observation_id>",
        fhir_apis.FhirObservationApi.as_view(),
        name="fhir-observation",
    ),
    path(
        "fhir/RiskAssessment/<int:pk>",
        fhir_apis.FhirRiskAssessmentApi.as_view(),
        name="fhir-risk-assessment",
    ),
]

urlpatterns = [
    *v1,
    *fhir,
    path("schema/", SpectacularAPIView.as_view(**schema_access), name="schema"),
    # The split view serves Swagger UI's start script as a file (`?script`), and the page's
    # template has no inline style: both work under the Content-Security-Policy.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="clinic/api_docs.html", **schema_access
        ),
        name="docs",
    ),
    # (?s): a path with an encoded newline is still an API path.
    re_path(r"^fhir/(?P<unmatched>(?s:.*))$", fhir_not_found),
    re_path(r"^(?P<unmatched>(?s:.*))$", api_not_found),
]
