"""The authorisation matrix: every endpoint x every kind of caller, each cell asserted.

Callers: anonymous; clinic A's read-only client and read-write client; clinic B's read-write
client; a practitioner of A; a practitioner of B. Every object addressed belongs to clinic A.
No cross-clinic read or write gets through: B's callers see 404 for A's rows (never 403), their
lists hold none of A's rows, and a refused write leaves every table as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.services import ids_in_words
from clinic.models import ApiClient, Clinic, Invitation, Patient
from reports.models import Report, reports_storage
from screening.models import Intake, Screening
from screening.samples import sample_document
from tests.api_callers import ROLES
from tests.factories import PatientFactory, screening_for
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@dataclass
class World:
    patient: Patient
    screening: Screening
    report: Report
    webhook: WebhookEndpoint
    patient_b: Patient


@pytest.fixture
def world(clinic_a: Clinic, clinic_b: Clinic, public_dns: None) -> World:
    patient = PatientFactory(clinic=clinic_a, external_id="A-0001")
    screening = screening_for(patient, sample_document(answers={"bloating.after_water": 3}))
    report = Report.objects.get(screening=screening)
    name = reports_storage().save(f"reports/{clinic_a.pk}/matrix.pdf", ContentFile(b"%PDF-1.7\n"))
    Report.objects.filter(pk=report.pk).update(status=Report.Status.READY, file=name, size=9)
    webhook = WebhookEndpoint.objects.create(
        clinic=clinic_a, url="https://hooks.example.org/a", secret="whsec_test"
    )
    return World(
        patient=patient,
        screening=screening,
        report=report,
        webhook=webhook,
        patient_b=PatientFactory(clinic=clinic_b, external_id="B-0001"),
    )


# Expected status per caller, in the order of ROLES:
# anonymous, a_read, a_write, b_client, practitioner_a, practitioner_b
def expect(*codes: int) -> dict[str, int]:
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


READ_OWN_OBJECT = expect(401, 200, 200, 404, 200, 404)
LIST = expect(401, 200, 200, 200, 200, 200)
NOT_CLINIC_DATA = expect(401, 200, 200, 200, 200, 200)
CREATE_OWN = expect(401, 403, 201, 201, 201, 201)
WRITE_A_OBJECT = expect(401, 403, 200, 404, 200, 404)
CREATE_FOR_A_PATIENT = expect(401, 403, 201, 404, 201, 404)
# A response exported by clinic A names its patient in A's identifier system: to B that is
# another system's identifier, refused before any look-up (422 naming the subject).
SUBMIT_FHIR_FOR_A_PATIENT = expect(401, 403, 201, 422, 201, 422)
ADMIN_LIST = expect(401, 403, 200, 200, 403, 403)
ADMIN_CREATE = expect(401, 403, 201, 201, 403, 403)
ADMIN_READ_A_OBJECT = expect(401, 403, 200, 404, 403, 403)
ADMIN_DELETE_A_OBJECT = expect(401, 403, 204, 404, 403, 403)


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: Callable[[World], str]
    expected: dict[str, int]
    body: Callable[[World], Any] | None = None
    lists_rows: bool = False  # a list of clinic data: B's callers must see none of A's rows
    content_type: str = "application/json"


def patient_body(world: World) -> dict[str, Any]:
    return {"external_id": "NEW-1", "given_name": "Ada", "family_name": "Quill"}


def questionnaire_response_of_a(world: World) -> dict[str, Any]:
    from screening.fhir.response_out import questionnaire_response_resource

    return questionnaire_response_resource(world.screening.intake)


OPERATIONS = [
    Operation("patients list", "get", lambda w: "/api/v1/patients/", LIST, lists_rows=True),
    Operation("patient create", "post", lambda w: "/api/v1/patients/", CREATE_OWN, patient_body),
    Operation(
        "patient read", "get", lambda w: f"/api/v1/patients/{w.patient.pk}/", READ_OWN_OBJECT
    ),
    Operation(
        "patient export",
        "get",
        lambda w: f"/api/v1/patients/{w.patient.pk}/export/",
        READ_OWN_OBJECT,
    ),
    Operation(
        "patient update",
        "patch",
        lambda w: f"/api/v1/patients/{w.patient.pk}/",
        WRITE_A_OBJECT,
        lambda w: {"given_name": "Changed"},
    ),
    Operation(
        "patient replace",
        "put",
        lambda w: f"/api/v1/patients/{w.patient.pk}/",
        WRITE_A_OBJECT,
        lambda w: {"external_id": "A-0001", "given_name": "Re", "family_name": "Placed"},
    ),
    # Read-write clients erase only once a clinic admin allows it (`ApiClient.can_erase`):
    # `test_a_client_allowed_to_erase_erases_only_its_clinics_patients`.
    Operation(
        "patient erase",
        "delete",
        lambda w: f"/api/v1/patients/{w.patient.pk}/?reason=patient_request",
        expect(401, 403, 403, 404, 403, 404),
    ),
    Operation(
        "invitation create",
        "post",
        lambda w: "/api/v1/invitations/",
        CREATE_FOR_A_PATIENT,
        lambda w: {"patient": w.patient.pk},
    ),
    Operation("intakes list", "get", lambda w: "/api/v1/intakes/", LIST, lists_rows=True),
    Operation(
        "intake submit",
        "post",
        lambda w: "/api/v1/intakes/",
        CREATE_FOR_A_PATIENT,
        lambda w: {"patient": w.patient.pk, "document": sample_document()},
    ),
    Operation(
        "intake read",
        "get",
        lambda w: f"/api/v1/intakes/{w.screening.intake_id}/",
        READ_OWN_OBJECT,
    ),
    Operation("screenings list", "get", lambda w: "/api/v1/screenings/", LIST, lists_rows=True),
    Operation(
        "screenings list filtered by A's patient",
        "get",
        lambda w: f"/api/v1/screenings/?patient={w.patient.pk}",
        LIST,
        lists_rows=True,
    ),
    Operation(
        "screening read",
        "get",
        lambda w: f"/api/v1/screenings/{w.screening.pk}/",
        READ_OWN_OBJECT,
    ),
    Operation(
        "report status",
        "get",
        lambda w: f"/api/v1/screenings/{w.screening.pk}/report/",
        READ_OWN_OBJECT,
    ),
    Operation(
        "report pdf",
        "get",
        lambda w: f"/api/v1/screenings/{w.screening.pk}/report/pdf/",
        READ_OWN_OBJECT,
    ),
    Operation(
        "report regenerate",
        "post",
        lambda w: f"/api/v1/screenings/{w.screening.pk}/report/regenerate/",
        expect(401, 403, 202, 404, 202, 404),
    ),
    Operation("instruments", "get", lambda w: "/api/v1/instruments/", NOT_CLINIC_DATA),
    Operation(
        "instrument definition",
        "get",
        lambda w: "/api/v1/instruments/barrier-intake/1/",
        NOT_CLINIC_DATA,
    ),
    Operation("webhooks list", "get", lambda w: "/api/v1/webhooks/", ADMIN_LIST, lists_rows=True),
    Operation(
        "webhook create",
        "post",
        lambda w: "/api/v1/webhooks/",
        ADMIN_CREATE,
        lambda w: {"url": "https://hooks.example.org/new", "events": ["screening.created"]},
    ),
    Operation(
        "webhook read",
        "get",
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/",
        ADMIN_READ_A_OBJECT,
    ),
    Operation(
        "webhook update",
        "patch",
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/",
        ADMIN_READ_A_OBJECT,
        lambda w: {"is_active": False},
    ),
    Operation(
        "webhook delete",
        "delete",
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/",
        ADMIN_DELETE_A_OBJECT,
    ),
    Operation(
        "webhook deliveries",
        "get",
        lambda w: f"/api/v1/webhooks/{w.webhook.pk}/deliveries/",
        ADMIN_READ_A_OBJECT,
    ),
    Operation("audit events list", "get", lambda w: "/api/v1/audit-events/", ADMIN_LIST),
    Operation("audit events export", "get", lambda w: "/api/v1/audit-events/export/", ADMIN_LIST),
    Operation(
        "FHIR Questionnaire",
        "get",
        lambda w: "/api/fhir/Questionnaire/barrier-intake",
        NOT_CLINIC_DATA,
    ),
    Operation(
        "FHIR QuestionnaireResponse read",
        "get",
        lambda w: f"/api/fhir/QuestionnaireResponse/{w.screening.intake_id}",
        READ_OWN_OBJECT,
    ),
    Operation(
        "FHIR QuestionnaireResponse submit",
        "post",
        lambda w: "/api/fhir/QuestionnaireResponse",
        SUBMIT_FHIR_FOR_A_PATIENT,
        questionnaire_response_of_a,
        content_type="application/fhir+json",
    ),
    Operation(
        "FHIR Observation",
        "get",
        lambda w: f"/api/fhir/Observation/{w.screening.pk}-bloating",
        READ_OWN_OBJECT,
    ),
    Operation(
        "FHIR RiskAssessment",
        "get",
        lambda w: f"/api/fhir/RiskAssessment/{w.screening.pk}",
        READ_OWN_OBJECT,
    ),
    Operation("OpenAPI schema", "get", lambda w: "/api/schema/", NOT_CLINIC_DATA),
    Operation("API docs", "get", lambda w: "/api/docs/", NOT_CLINIC_DATA),
]


def table_counts() -> dict[str, Any]:
    return {
        "patients": Patient.objects.count(),
        "invitations": Invitation.objects.count(),
        "intakes": Intake.objects.count(),
        "screenings": Screening.objects.count(),
        "webhooks": list(WebhookEndpoint.objects.values_list("pk", "is_active", "url")),
        "reports": list(Report.objects.values_list("pk", "status")),
        "patient_names": list(Patient.objects.values_list("pk", "given_name", "family_name")),
    }


def a_ids_in(body: Any, world: World) -> set[int]:
    """Ids of clinic A's rows that a list body mentions."""
    a_ids = {world.patient.pk, world.screening.pk, world.screening.intake_id, world.webhook.pk}
    rows = body.get("results", []) if isinstance(body, dict) else []
    return {row["id"] for row in rows if row.get("id") in a_ids}


def test_every_endpoint_is_in_the_matrix() -> None:
    from django.urls import get_resolver

    routed = {
        pattern.name
        for pattern in get_resolver("api.urls").url_patterns
        if getattr(pattern, "name", None)
    }
    covered_paths = {operation.path(_PATH_PROBE) for operation in OPERATIONS}
    from django.urls import resolve

    covered = {resolve(path.split("?")[0]).url_name for path in covered_paths}
    assert routed == covered


class _Probe:
    """Attribute access that yields 1 everywhere, to build every path without a database."""

    def __getattr__(self, name: str) -> Any:
        return _PATH_PROBE

    def __format__(self, spec: str) -> str:
        return "1"

    def __str__(self) -> str:
        return "1"


_PATH_PROBE: Any = _Probe()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.name)
def test_authorisation_matrix(
    operation: Operation, role: str, world: World, callers: Callable[[str], APIClient]
) -> None:
    # given
    caller = callers(role)
    before = table_counts()
    # when
    request = getattr(caller, operation.method)
    kwargs: dict[str, Any] = {}
    if operation.body is not None:
        kwargs = {"data": operation.body(world), "format": "json"}
        if operation.content_type != "application/json":
            kwargs = {
                "data": json.dumps(operation.body(world)),
                "content_type": operation.content_type,
            }
    response = request(operation.path(world), **kwargs)
    # then
    expected = operation.expected[role]
    assert response.status_code == expected, (role, operation.name, response.content[:300])
    if expected >= 400:
        assert table_counts() == before, "a refused request changed data"
        if response["Content-Type"].startswith(("application/json", "application/fhir+json")):
            body = response.json()
            assert "issue" in body or body["status"] == expected
        if expected == 404:
            # The same answer as for an id that exists nowhere: no hint of another clinic.
            assert b"clinic" not in response.content.lower()
    if role in ("b_client", "practitioner_b") and operation.lists_rows and expected == 200:
        assert a_ids_in(response.json(), world) == set()
    if role == "b_client" and operation.method == "post" and expected < 300:
        # What B creates lands in B.
        assert not Patient.objects.filter(clinic__slug="clinic-a", external_id="NEW-1").exists()
    if expected == 200 and operation.lists_rows and "webhook" not in operation.name:
        # Every row of patient data shown is audited: one event naming the rows of the page.
        shown = [row["id"] for row in response.json()["results"]]
        if shown:
            event = AuditEvent.objects.filter(action=AuditEvent.Action.LIST).latest("id")
            assert event.detail == ids_in_words(shown)


@pytest.mark.parametrize(
    ("role", "expected"), [("a_read", 403), ("a_write", 204), ("b_client", 404)]
)
def test_a_client_allowed_to_erase_erases_only_its_clinics_patients(
    role: str, expected: int, world: World, callers: Callable[[str], APIClient]
) -> None:
    # given: every client allowed to erase, the read-only one too
    ApiClient.objects.update(can_erase=True)
    before = table_counts()

    # when
    response = callers(role).delete(f"/api/v1/patients/{world.patient.pk}/")

    # then
    assert response.status_code == expected, response.content[:300]
    erased = not Patient.objects.filter(pk=world.patient.pk).exists()
    assert erased is (expected == 204)
    if expected >= 400:
        assert table_counts() == before
