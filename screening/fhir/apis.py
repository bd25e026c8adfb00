"""The FHIR R4 interface: the Questionnaire, QuestionnaireResponses in and out, Observations and
RiskAssessments of screenings."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError as PydanticValidationError
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.parsers import StrictJSONParser
from api.permissions import clinic_scoped, request_principal
from api.renderers import ApiJSONRenderer
from api.views import (
    IdempotentCreateMixin,
    PlainAPIView,
    audit_reads,
)
from audit.models import AuditEvent
from clinic.links import Links
from clinic.models import Patient
from clinic.selectors import patient_of_clinic
from screening.fhir.conventions import FHIR_JSON
from screening.fhir.questionnaire import questionnaire_resource
from screening.fhir.response_in import (
    QuestionnaireResponseUnusable,
    SubjectUnmatched,
    intake_document,
    patient_lookup_keys,
)
from screening.fhir.response_out import questionnaire_response_resource
from screening.fhir.results import domain_observation, risk_assessment_resource
from screening.instruments import UnknownInstrument, get_instrument, latest_instrument
from screening.models import Intake, Screening
from screening.services import intake_submit


class FhirJSONRenderer(ApiJSONRenderer):
    media_type = FHIR_JSON
    format = "fhir+json"


class FhirJSONParser(StrictJSONParser):
    """application/fhir+json; a refused field is named by its FHIR path (`item[0].linkId`)."""

    media_type = FHIR_JSON
    fhir_paths = True


class FhirPlainJSONParser(StrictJSONParser):
    """application/json sent to the FHIR interface, named alike."""

    fhir_paths = True


FHIR_RESOURCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"resourceType": {"type": "string"}, "id": {"type": "string"}},
    "required": ["resourceType"],
}
OPERATION_OUTCOME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A FHIR OperationOutcome: one issue per problem.",
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "severity": {"type": "string"},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["severity", "code"],
            },
        },
    },
    "required": ["resourceType", "issue"],
}
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    406: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "business-rule",
    429: "throttled",
    503: "transient",
}


def fhir_resource_schema(resource_type: str) -> dict[str, Any]:
    return {
        **FHIR_RESOURCE_SCHEMA,
        "description": f"A FHIR R4 {resource_type} resource.",
        "properties": {
            **FHIR_RESOURCE_SCHEMA["properties"],
            "resourceType": {"type": "string", "enum": [resource_type]},
        },
    }


def operation_outcome(body: Any, status_code: int) -> dict[str, Any]:
    """The API's error body as a FHIR OperationOutcome."""
    detail = body.get("detail", "") if isinstance(body, dict) else str(body)
    issues = [
        {
            "severity": "error",
            "code": ISSUE_CODES.get(status_code, "exception"),
            "diagnostics": error["message"],
            **({"expression": [error["field"]]} if error.get("field") else {}),
        }
        for error in (body.get("errors") or [] if isinstance(body, dict) else [])
    ]
    if not issues:
        issues = [
            {
                "severity": "error",
                "code": ISSUE_CODES.get(status_code, "exception"),
                "diagnostics": detail or "error",
            }
        ]
    return {"resourceType": "OperationOutcome", "issue": issues}


class FhirView(PlainAPIView):
    """FHIR endpoints: application/fhir+json both ways, errors as OperationOutcome."""

    renderer_classes = [FhirJSONRenderer, ApiJSONRenderer]
    parser_classes = [FhirJSONParser, FhirPlainJSONParser]
    error_schema = OPERATION_OUTCOME_SCHEMA
    error_media_types = [FHIR_JSON, "application/json"]

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if response.status_code >= 400:
            response.data = operation_outcome(response.data, response.status_code)
        return response

    def audit(self, action: str, object_type: str, object_id: Any) -> None:
        audit_reads(request_principal(self.request), action, object_type, [object_id])


def _scoped_or_404(queryset: QuerySet[Any], request: Request, **lookup: Any) -> Any:
    found = clinic_scoped(queryset, request).filter(**lookup).first()
    if found is None:
        raise exceptions.NotFound()
    return found


FHIR_TAGS = ["fhir"]


@extend_schema(
    summary="The FHIR Questionnaire of an instrument (latest version, or ?version=)",
    parameters=[
        OpenApiParameter(
            "version",
            {"type": "integer", "minimum": 1, "maximum": 99999},
            required=False,
            description="A version of the instrument (default: the latest).",
        )
    ],
    responses={(200, FHIR_JSON): fhir_resource_schema("Questionnaire")},
    tags=FHIR_TAGS,
)
class FhirQuestionnaireApi(FhirView):
    def get(self, request: Request, instrument_id: str) -> Response:
        version = request.query_params.get("version")
        try:
            if version is None:
                instrument = latest_instrument(instrument_id)
            elif version.isdigit() and len(version) < 6:
                instrument = get_instrument(instrument_id, int(version))
            else:
                raise UnknownInstrument(version)
        except UnknownInstrument:
            raise exceptions.NotFound("No such questionnaire.") from None
        return Response(questionnaire_resource(instrument))


@extend_schema(
    summary="An intake as a FHIR QuestionnaireResponse",
    responses={(200, FHIR_JSON): fhir_resource_schema("QuestionnaireResponse")},
    tags=FHIR_TAGS,
)
class FhirQuestionnaireResponseApi(FhirView):
    def get(self, request: Request, pk: int) -> Response:
        intake = _scoped_or_404(Intake.objects.select_related("patient", "clinic"), request, pk=pk)
        self.audit(AuditEvent.Action.READ, "intake", intake.pk)
        return Response(questionnaire_response_resource(intake))


class SubjectUnmatchedError(exceptions.APIException):
    """422: the subject names its patient in a way this clinic cannot match safely."""

    status_code = 422
    default_detail = "The subject cannot be matched to a patient of this clinic."
    default_code = "subject_unmatched"


SUBJECT_UNMATCHED_RESPONSE = OpenApiResponse(
    OPERATION_OUTCOME_SCHEMA,
    description="The subject cannot be matched safely (an identifier of another system, or two "
    "different patients named), or the Idempotency-Key was already used with a different "
    "request.",
)


@extend_schema(
    summary="Submit a FHIR QuestionnaireResponse as an intake",
    description=(
        "The response must name the Questionnaire as `url|version` and its subject by the "
        "patient's external id or as `Patient/<id>`. It is turned into an intake document, "
        "validated, stored and scored like any intake: 201 with the stored "
        "QuestionnaireResponse; its screening is the RiskAssessment in the Link header.\n\n"
        "**Subject.** An external id is given in `subject.identifier` or in the identifiers "
        "of a contained Patient the subject references (`#id`), with the clinic's identifier "
        "system `urn:barrier-intake:clinic:<clinic slug>:patient` (as in the resources this "
        "API returns) or without a system, which means the clinic's external id too. An "
        "identifier of any other system (a hospital's record number, say) is never matched on "
        "its value: 422 with an OperationOutcome naming `subject` and the expected system. So "
        "is a subject whose identifiers, or identifier and `Patient/<id>`, name different "
        "patients.\n\n"
        "**Dates.** `authored` is a date or a date-time with its UTC offset; the intake's "
        "`completed_on` is its date as the sender wrote it. A date-time later than the moment "
        "the response is received is refused (400 naming `authored`); a date alone is refused "
        "only when it is after today's date in the earliest time zone (UTC+14).\n\n"
        "**Birth date.** No form filler needs to send one: the patient record's birth date is "
        "used (alarm features such as symptoms starting after 50 depend on it). A contained "
        "Patient's `birthDate` that differs from the record's is refused naming "
        "`patient.birth_date`."
    ),
    request={FHIR_JSON: fhir_resource_schema("QuestionnaireResponse")},
    responses={
        (201, FHIR_JSON): fhir_resource_schema("QuestionnaireResponse"),
        (422, FHIR_JSON): SUBJECT_UNMATCHED_RESPONSE,
        (422, "application/json"): SUBJECT_UNMATCHED_RESPONSE,
    },
    tags=FHIR_TAGS,
)
class FhirQuestionnaireResponseCreateApi(IdempotentCreateMixin, FhirView):
    def create(self, request: Request) -> Response:
        resource = request.data
        if (
            not isinstance(resource, dict)
            or resource.get("resourceType") != "QuestionnaireResponse"
        ):
            raise exceptions.ValidationError(
                {"resourceType": ["A QuestionnaireResponse is required."]}
            )
        try:
            QuestionnaireResponse.model_validate(resource)
        except PydanticValidationError as error:
            raise exceptions.ValidationError(_pydantic_problems(error)) from None
        except (TypeError, ValueError) as error:
            raise exceptions.ValidationError({"resource": [str(error)[:300]]}) from None
        patient = self._patient(resource)
        try:
            document = intake_document(resource, now=timezone.now())
        except QuestionnaireResponseUnusable as error:
            raise exceptions.ValidationError(
                {where: [message] for where, message in error.problems}
            ) from None
        with transaction.atomic():
            screening = intake_submit(patient=patient, document=document, source=Intake.Source.FHIR)
            intake = screening.intake
            self.audit(AuditEvent.Action.CREATE, "intake", intake.pk)
        links = Links.for_request(request)
        headers = {
            "Location": links.questionnaire_response(intake.pk),
            "Link": f'<{links.risk_assessment(screening.pk)}>; rel="related"',
        }
        return Response(
            questionnaire_response_resource(intake),
            status=status.HTTP_201_CREATED,
            headers=headers,
        )

    def _patient(self, resource: dict[str, Any]) -> Patient:
        clinic = request_principal(self.request).clinic
        try:
            external_id, patient_id = patient_lookup_keys(resource, clinic=clinic)
        except SubjectUnmatched as error:
            raise SubjectUnmatchedError(
                {where: [message] for where, message in error.problems}
            ) from None
        patient = None
        if external_id:
            patient = patient_of_clinic(clinic.pk, external_id=external_id)
        elif patient_id is not None and patient_id < 2**63:
            patient = patient_of_clinic(clinic.pk, pk=patient_id)
        if patient is None:
            raise exceptions.NotFound("No such patient.")
        if external_id and patient_id is not None and patient.pk != patient_id:
            message = "subject.reference and the subject's identifier name different patients"
            raise SubjectUnmatchedError({"subject": [message]})
        return patient


def _pydantic_problems(error: PydanticValidationError) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for entry in error.errors()[:50]:
        where = ".".join(str(part) for part in entry.get("loc", ())) or "resource"
        problems.setdefault(where, []).append(str(entry.get("msg", "invalid"))[:300])
    return problems


@extend_schema(
    summary="A domain score of a screening as a FHIR Observation",
    description="The id is `<screening id>-<domain>`, e.g. `12-bloating`.",
    responses={(200, FHIR_JSON): fhir_resource_schema("Observation")},
    tags=FHIR_TAGS,
)
class FhirObservationApi(FhirView):
    def get(self, request: Request, observation_id: str) -> Response:
        screening_id, _, domain = observation_id.partition("-")
        if not screening_id.isdigit() or len(screening_id) > 18:
            raise exceptions.NotFound()
        screening = _scoped_or_404(
            Screening.objects.select_related("patient", "clinic"), request, pk=int(screening_id)
        )
        if domain not in screening.result.get("domains", {}):
            raise exceptions.NotFound()
        instrument = get_instrument(screening.result["instrument"], screening.result["version"])
        self.audit(AuditEvent.Action.READ, "screening", screening.pk)
        return Response(domain_observation(screening, instrument, domain))


@extend_schema(
    summary="A screening as a FHIR RiskAssessment",
    description="Its predictions are the possible patterns; its basis is the "
    "QuestionnaireResponse and the domain-score Observations.",
    responses={(200, FHIR_JSON): fhir_resource_schema("RiskAssessment")},
    tags=FHIR_TAGS,
)
class FhirRiskAssessmentApi(FhirView):
    def get(self, request: Request, pk: int) -> Response:
        screening = _scoped_or_404(
            Screening.objects.select_related("patient", "clinic"), request, pk=pk
        )
        self.audit(AuditEvent.Action.READ, "screening", screening.pk)
        return Response(risk_assessment_resource(screening))
