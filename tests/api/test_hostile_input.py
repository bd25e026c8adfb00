"""Hostile input on every JSON endpoint that takes a body, and on every list's cursor: a 4xx
naming the problem, never a 5xx, in bounded time, nothing stored, no free text in the logs."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern
from rest_framework.test import APIClient

from api import urls as api_urls
from api.models import IdempotencyKey
from api.parsers import MAX_DEPTH
from clinic.models import Invitation, Patient
from clinic.services import invitation_create
from screening.fhir.conventions import FHIR_JSON
from screening.fhir.response_out import questionnaire_response_resource
from screening.instruments import latest_instrument
from screening.instruments.definition import ItemType
from screening.models import Intake, Screening
from screening.samples import sample_document
from screening.validation import validate_intake
from screening.validation.problems import MAX_PROBLEMS, MAX_SUGGESTIONS
from tests.clinic.intake_form.filling import INSTRUMENT, STEP_SLUGS
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

FREE_TEXT = "MARKER-free-text-of-the-patient"
DEEP = "[" * 10_000 + "]" * 10_000
SECONDS = 2.0
NUL = "\x00"
SURROGATE = "\ud800"


def _post_endpoints() -> dict[str, str]:
    """name -> route of every REST and FHIR route whose view accepts POST (from the URLconf)."""
    found = {}
    for pattern in [*api_urls.v1, *api_urls.fhir]:
        assert isinstance(pattern, URLPattern)
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is not None and hasattr(view_class, "post"):
            found[str(pattern.name)] = str(pattern.pattern)
    return found


POST_ENDPOINTS = _post_endpoints()
# Takes no body: whatever is sent is never read, so it is accepted (never a 5xx).
IGNORES_BODY = {"screening-report-regenerate"}


@pytest.fixture
def url_of(screening_a: Screening) -> Callable[[str], str]:
    def url(name: str) -> str:
        route = POST_ENDPOINTS[name].replace("<int:pk>", str(screening_a.pk))
        return f"/api/{route}"

    return url


def _counts() -> tuple[int, ...]:
    models = (Patient, Invitation, Intake, Screening, WebhookEndpoint, WebhookDelivery)
    return tuple(model.objects.count() for model in models)


def _post(client: APIClient, url: str, raw: str, content_type: str) -> Any:
    started = time.monotonic()
    response = client.post(url, raw, content_type=content_type)
    assert time.monotonic() - started < SECONDS
    assert response.status_code < 500, response.content[:300]
    return response


def _content_type(name: str) -> str:
    return FHIR_JSON if name.startswith("fhir") else "application/json"


def _problems(name: str, response: Any) -> list[tuple[str | None, str]]:
    """(field, message) of each error, from the API's format or an OperationOutcome."""
    body = response.json()
    if name.startswith("fhir"):
        assert body["resourceType"] == "OperationOutcome"
        return [
            ((issue.get("expression") or [None])[0], issue["diagnostics"])
            for issue in body["issue"]
        ]
    return [(error["field"], error["message"]) for error in body["errors"]] or [
        (None, body["detail"])
    ]


def test_the_endpoints_taking_a_body_are_the_known_ones() -> None:
    assert set(POST_ENDPOINTS) == {
        "patient-list",
        "invitation-create",
        "intake-list",
        "screening-report-regenerate",
        "webhook-list",
        "fhir-questionnaire-response-create",
    }


@pytest.mark.parametrize("name", sorted(POST_ENDPOINTS))
def test_deeply_nested_json_is_a_400_naming_the_nesting(
    name: str, writer: APIClient, url_of: Callable[[str], str]
) -> None:
    before = _counts()
    response = _post(writer, url_of(name), DEEP, _content_type(name))
    if name in IGNORES_BODY:
        assert response.status_code == 202
        return
    assert response.status_code == 400
    assert any("nested" in message for _, message in _problems(name, response))
    assert _counts() == before


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
@pytest.mark.parametrize("in_key", [False, True], ids=["value", "key"])
@pytest.mark.parametrize("name", sorted(POST_ENDPOINTS))
def test_nul_and_lone_surrogates_are_a_400_naming_the_field(
    name: str,
    bad: str,
    in_key: bool,
    writer: APIClient,
    url_of: Callable[[str], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = FREE_TEXT + bad
    body = {"outer": {("x" + bad if in_key else "note"): text}}
    before = _counts()
    with caplog.at_level(logging.DEBUG):
        response = _post(writer, url_of(name), json.dumps(body), _content_type(name))
    assert FREE_TEXT not in caplog.text
    if name in IGNORES_BODY:
        assert response.status_code == 202
        return
    assert response.status_code == 400
    [(field, message)] = _problems(name, response)
    assert field == ("outer" if in_key else "outer.note")
    assert ("NUL" if bad == NUL else "surrogate") in message
    assert FREE_TEXT not in response.content.decode()
    assert FREE_TEXT not in caplog.text
    assert _counts() == before


def _text_item() -> str:
    instrument = latest_instrument(sample_document()["instrument"])
    return next(item.id for item in instrument.items.values() if item.type is ItemType.TEXT)


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_an_intake_with_nul_in_free_text_names_the_item_and_logs_nothing(
    bad: str, writer: APIClient, patient: Patient, caplog: pytest.LogCaptureFixture
) -> None:
    item = _text_item()
    document = sample_document()
    document["answers"][item] = FREE_TEXT + bad
    with caplog.at_level(logging.DEBUG):
        response = _post(
            writer,
            "/api/v1/intakes/",
            json.dumps({"patient": patient.pk, "document": document}),
            "application/json",
        )
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [f"document.answers.{item}"]
    assert FREE_TEXT not in caplog.text
    assert not Intake.objects.exists()


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_a_fhir_identifier_with_nul_names_its_fhir_path(
    bad: str, writer: APIClient, screening_a: Screening, caplog: pytest.LogCaptureFixture
) -> None:
    resource = questionnaire_response_resource(screening_a.intake)
    resource.pop("id", None)
    resource["subject"] = {"identifier": {"value": FREE_TEXT + bad}}
    before = _counts()
    with caplog.at_level(logging.DEBUG):
        response = _post(writer, "/api/fhir/QuestionnaireResponse", json.dumps(resource), FHIR_JSON)
    assert response.status_code == 400
    issues = response.json()["issue"]
    assert [issue["expression"] for issue in issues] == [["subject.identifier.value"]]
    assert FREE_TEXT not in caplog.text
    assert _counts() == before


def test_a_fhir_answer_is_named_with_fhir_indices(
    writer: APIClient, screening_a: Screening
) -> None:
    resource = questionnaire_response_resource(screening_a.intake)
    resource["item"][0]["linkId"] = "x" + NUL
    response = _post(writer, "/api/fhir/QuestionnaireResponse", json.dumps(resource), FHIR_JSON)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["item[0].linkId"]


@pytest.mark.parametrize("name", sorted(POST_ENDPOINTS))
def test_an_oversize_body_is_a_413(
    name: str, writer: APIClient, url_of: Callable[[str], str]
) -> None:
    before = _counts()
    raw = json.dumps({"note": "x" * (1024 * 1024 + 1)})
    response = _post(writer, url_of(name), raw, _content_type(name))
    assert response.status_code == 413
    assert _counts() == before


def test_an_intake_of_near_miss_keys_is_refused_quickly_with_capped_problems(
    writer: APIClient, patient: Patient
) -> None:
    document = sample_document()
    ids = list(document["answers"])
    for index in range(31_000):  # just under the 1 MiB body limit
        base = ids[index % len(ids)]
        document["answers"][f"{base[:-1]}{index}"] = 1
    raw = json.dumps({"patient": patient.pk, "document": document})
    assert 1000 * 1000 < len(raw) < 1024 * 1024
    response = _post(writer, "/api/v1/intakes/", raw, "application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == 51
    assert errors[-1]["code"] == "too_many_problems"
    assert sum("did you mean" in error["message"] for error in errors) <= 10
    assert not Intake.objects.exists()


@pytest.fixture
def deliveries_url(writer: APIClient, screening_a: Screening) -> str:
    endpoint = WebhookEndpoint.objects.create(
        clinic=screening_a.clinic, url="https://hooks.example.org/x", secret="s"
    )
    return f"/api/v1/webhooks/{endpoint.pk}/deliveries/"


TAMPERED_CURSORS = [
    "not-base64!",
    "cD0xMjM=",  # p=123 without an order: fine, or refused; never a 500
    "cD14eXo=",  # p=xyz: a position that is not an id
    "cD0tMQ==",  # p=-1
    "cj0xJnA9OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",  # r=1&p=<huge>
    "bz0xMDAwMDAwMDAwMDAwMDAwJnA9MQ==",  # o=<huge>&p=1
    "%00",
]


@pytest.mark.parametrize("cursor", TAMPERED_CURSORS)
@pytest.mark.parametrize(
    "url", ["/api/v1/patients/", "/api/v1/intakes/", "/api/v1/screenings/", "/api/v1/webhooks/"]
)
def test_a_tampered_cursor_never_fails_a_list(
    url: str, cursor: str, writer: APIClient, screening_a: Screening
) -> None:
    started = time.monotonic()
    response = writer.get(f"{url}?cursor={cursor}")
    assert time.monotonic() - started < SECONDS
    assert response.status_code in (200, 404), response.content[:300]


@pytest.mark.parametrize("cursor", TAMPERED_CURSORS)
def test_a_tampered_cursor_never_fails_the_delivery_list(
    cursor: str, writer: APIClient, deliveries_url: str
) -> None:
    response = writer.get(f"{deliveries_url}?cursor={cursor}")
    assert response.status_code in (200, 404), response.content[:300]


# The patient form's POSTs (form-encoded, not JSON): the same refusals.


def _form_url(token: str, slug: str) -> str:
    return f"/intake/{token}/{slug}/"


def _text_step() -> tuple[str, str]:
    """The slug of the step asking a text item, and that item."""
    item_id = _text_item()
    for section, slug in zip(INSTRUMENT.sections, STEP_SLUGS[1:-1], strict=True):
        if any(item.id == item_id for item in section.items):
            return slug, item_id
    raise AssertionError("no step asks a text item")


@pytest.fixture
def invitation_with_token(patient: Patient) -> tuple[Invitation, str]:
    return invitation_create(patient=patient)


# A lone surrogate cannot be form-encoded as UTF-8; a raw client sends its bytes (%ED%A0%80).
@pytest.mark.parametrize(
    "bad", [NUL, "%ED%A0%80", "%00"], ids=["nul", "surrogate-bytes", "nul-raw"]
)
@pytest.mark.parametrize("action", ["continue", "back"])
def test_the_patient_form_refuses_nul_and_surrogates_without_storing_them(
    bad: str,
    action: str,
    client: Client,
    invitation_with_token: tuple[Invitation, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    invitation, token = invitation_with_token
    assert client.post(_form_url(token, "welcome"), {"consent": "on"}).status_code == 302
    slug, item_id = _text_step()
    with caplog.at_level(logging.DEBUG):
        started = time.monotonic()
        if bad.startswith("%"):
            raw = f"action={action}&{item_id}=MARKER-free-text-of-the-patient{bad}"
            response = client.post(
                _form_url(token, slug), raw, content_type="application/x-www-form-urlencoded"
            )
        else:
            response = client.post(
                _form_url(token, slug), {"action": action, item_id: FREE_TEXT + bad}
            )
        assert time.monotonic() - started < SECONDS
    assert response.status_code < 500
    assert FREE_TEXT not in caplog.text
    invitation.refresh_from_db()
    stored = json.dumps(invitation.draft_answers)
    assert "\\u0000" not in stored and "\\ud800" not in stored
    assert not Intake.objects.exists()


def test_nesting_past_the_limit_is_refused_even_where_python_would_parse_it(
    writer: APIClient,
) -> None:
    raw = json.dumps({"given_name": json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))})
    response = _post(writer, "/api/v1/patients/", raw, "application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "nested" in response.json()["detail"]


def test_validation_reports_at_most_the_cap_and_suggests_for_few_keys() -> None:
    document = sample_document()
    for index in range(500):
        document["answers"][f"bloating.frequenc{index}"] = 1
    problems = validate_intake(document, today=date(2026, 12, 1))
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].item == "document" and problems[-1].code == "too_many_problems"
    assert problems[-1].message.startswith(f"{500 - MAX_PROBLEMS} more problems left out")
    suggested = [problem for problem in problems if "did you mean" in problem.message]
    assert len(suggested) == MAX_SUGGESTIONS


def test_a_few_problems_are_all_reported_with_suggestions() -> None:
    document = sample_document()
    document["answers"]["bloating.frequencx"] = 1
    [problem] = validate_intake(document, today=date(2026, 12, 1))
    assert problem.message.endswith('did you mean "bloating.frequency"?')


@pytest.mark.parametrize(
    "raw",
    [DEEP, json.dumps({"note": FREE_TEXT + NUL}), json.dumps({"note": FREE_TEXT + SURROGATE})],
    ids=["deep", "nul", "surrogate"],
)
@pytest.mark.parametrize("name", sorted(set(POST_ENDPOINTS) - IGNORES_BODY))
def test_hostile_bodies_with_an_idempotency_key_are_refused_and_not_kept(
    name: str, raw: str, writer: APIClient, url_of: Callable[[str], str]
) -> None:
    started = time.monotonic()
    response = writer.post(
        url_of(name), raw, content_type=_content_type(name), HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert time.monotonic() - started < SECONDS
    assert response.status_code == 400, response.content[:300]
    assert not IdempotencyKey.objects.exists()
