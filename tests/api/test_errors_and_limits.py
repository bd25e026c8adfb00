"""Safe defaults: JSON only (415), oversize bodies 413 in JSON, one error format naming the
field (the item id for intakes), nothing stored from a refused request, throttling per client."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from pytest_django import Settings
from rest_framework.test import APIClient

from clinic.models import Patient
from screening.models import Intake
from screening.samples import sample_document
from tests.services import CLOSED_PORT_REDIS_URL

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"status", "code", "detail", "errors"}


def test_an_invalid_intake_names_every_item_and_stores_nothing(
    writer: APIClient, patient: Patient
) -> None:
    document = sample_document(answers={"bloating.frequency": True, "fatigue.sleep_hours": 30})
    document["answers"]["made.up"] = 1
    del document["answers"]["skin.rosacea"]
    response = writer.post(
        "/api/v1/intakes/", {"patient": patient.pk, "document": document}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS and body["code"] == "intake_invalid"
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"bloating.frequency", "fatigue.sleep_hours", "made.up", "skin.rosacea"}
    assert all(error["message"] and error["code"] for error in body["errors"])
    assert not Intake.objects.exists()


def test_serializer_errors_name_their_field(writer: APIClient) -> None:
    response = writer.post(
        "/api/v1/patients/", {"given_name": "", "birth_date": "2999-01-01"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS and body["code"] == "invalid"
    assert {error["field"] for error in body["errors"]} == {
        "external_id",
        "given_name",
        "family_name",
        "birth_date",
    }


def test_a_duplicate_external_id_is_a_field_error(writer: APIClient, patient: Patient) -> None:
    response = writer.post(
        "/api/v1/patients/",
        {"external_id": patient.external_id, "given_name": "A", "family_name": "B"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "external_id",
            "code": "unique",
            "message": "A patient with this external id already exists.",
        }
    ]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("external_id=1&given_name=a", "application/x-www-form-urlencoded"),
        ("--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--", "multipart/form-data"),
        ("<patient/>", "application/xml"),
    ],
)
def test_only_json_bodies_are_accepted(body: str, content_type: str, writer: APIClient) -> None:
    response = writer.post("/api/v1/patients/", body, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Patient.objects.filter(external_id="1").exists()


def test_malformed_json_is_a_400_in_the_error_format(writer: APIClient) -> None:
    response = writer.post("/api/v1/patients/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_oversize_body_is_413_in_json(
    writer: APIClient, patient: Patient, settings: Settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    document = sample_document(answers={"history.main_concern": "x" * 20_000})
    response = writer.post(
        "/api/v1/intakes/", {"patient": patient.pk, "document": document}, format="json"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large"
    assert not Intake.objects.exists()


def test_the_default_limit_lets_the_largest_valid_intake_through(
    writer: APIClient, patient: Patient
) -> None:
    foods = [
        {
            "food": "other",
            "name": f"food {index:03d}" + "y" * 90,
            "onset_year": 2020,
            "previously_tolerated": True,
        }
        for index in range(30)
    ]
    long_text = "z" * 2000
    document = sample_document(
        answers={
            "sensitivities.foods": foods,
            "history.main_concern": long_text,
            "history.diagnoses": long_text,
            "history.medications": long_text,
        }
    )
    response = writer.post(
        "/api/v1/intakes/", {"patient": patient.pk, "document": document}, format="json"
    )
    assert response.status_code == 201, response.content[:300]


def test_unknown_api_paths_and_methods_answer_in_json(writer: APIClient) -> None:
    missing = writer.get("/api/v1/nothing-here/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    not_allowed = writer.delete("/api/v1/screenings/")
    assert not_allowed.status_code == 405
    assert not_allowed.json()["code"] == "method_not_allowed"
    assert writer.options("/api/v1/screenings/").status_code == 405


def test_a_revoked_or_unknown_token_gets_the_same_401(tokens: Any, clinic_a: Any) -> None:
    from clinic.models import ApiClient
    from clinic.services import api_client_revoke

    api_client_revoke(client=ApiClient.objects.get(name="records"))
    answers = []
    for token in (tokens.a_read, "bik_unknown-token", "not a token at all"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.get("/api/v1/screenings/")
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401


def test_each_client_has_its_own_request_budget(callers: Any, settings: Settings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"api": "3/min"}
    a_read, a_write = callers("a_read"), callers("a_write")
    with time_machine.travel("2026-11-24 10:00:10Z", tick=False) as clock:
        statuses = [a_read.get("/api/v1/instruments/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = a_read.get("/api/v1/instruments/")
        assert limited.json()["code"] == "throttled" and limited["Retry-After"] == "50"
        assert a_write.get("/api/v1/instruments/").status_code == 200
        # the next minute brings a new budget
        clock.move_to("2026-11-24 10:01:00Z")
        assert a_read.get("/api/v1/instruments/").status_code == 200


def test_with_the_shared_counters_unreachable_the_budget_is_counted_in_the_process(
    callers: Any, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # given Redis (the shared counters) down, and a budget of 3 requests a minute
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"api": "3/min"}
    settings.COUNTERS_REDIS_URL = CLOSED_PORT_REDIS_URL
    a_read = callers("a_read")
    with time_machine.travel("2026-11-24 10:00:10Z", tick=False):
        statuses = [a_read.get("/api/v1/instruments/").status_code for _ in range(4)]
    # then the API stays up and the limit still holds
    assert statuses == [200, 200, 200, 429]
    # and Redis was tried once, not on every request (no timeout to wait out each time)
    assert caplog.text.count("counting in this process") == 1


def test_a_session_without_csrf_token_cannot_write(practitioner: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(practitioner)
    response = client.post(
        "/api/v1/patients/",
        {"external_id": "C-1", "given_name": "A", "family_name": "B"},
        format="json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert client.get("/api/v1/patients/").status_code == 200


def test_the_schema_and_docs_need_a_signed_in_caller(callers: Any, settings: Settings) -> None:
    settings.DEBUG = False
    anonymous = callers("anonymous")
    assert anonymous.get("/api/schema/").status_code == 401
    assert anonymous.get("/api/docs/").status_code == 401
    assert callers("a_read").get("/api/schema/?format=json").status_code == 200
    assert callers("practitioner_a").get("/api/docs/").status_code == 200


def test_the_schema_documents_the_error_format_on_every_operation(writer: APIClient) -> None:
    schema = writer.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in ("401", "403", "404", "429"):
                assert code in responses, (method, path, code)
            if method in ("post", "put", "patch"):
                for code in ("400", "413", "415"):
                    assert code in responses, (method, path, code)
            assert operation["security"] == [{"clientToken": []}, {"staffSession": []}]
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == ERROR_KEYS


def test_every_api_view_denies_by_default() -> None:
    from django.urls import URLPattern, get_resolver
    from rest_framework.permissions import AllowAny

    from api.authentication import ApiClientAuthentication, StaffSessionAuthentication
    from api.permissions import ClinicPermission

    checked = 0
    for pattern in get_resolver("api.urls").url_patterns:
        assert isinstance(pattern, URLPattern)
        view_class = getattr(pattern.callback, "cls", None)
        if view_class is None:  # the JSON 404 answers for unknown paths
            continue
        # What the view runs with: as_view() arguments over its class attributes.
        effective = {**vars(view_class), **pattern.callback.initkwargs}
        permissions = effective.get("permission_classes", view_class.permission_classes)
        authentication = effective.get("authentication_classes", view_class.authentication_classes)
        assert ClinicPermission in permissions and AllowAny not in permissions, pattern
        assert list(authentication) == [
            ApiClientAuthentication,
            StaffSessionAuthentication,
        ], pattern
        checked += 1
    assert checked >= 20
