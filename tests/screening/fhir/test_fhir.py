"""FHIR R4: every resource produced validates with fhir.resources (R4B models); a
QuestionnaireResponse read out turns back into the same intake and the same screening."""

from __future__ import annotations

import datetime
import json
import random
from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.riskassessment import RiskAssessment
from rest_framework.test import APIClient

from clinic.models import Clinic, Patient
from screening.documents import canonical_json
from screening.fhir.response_out import questionnaire_response_resource
from screening.instruments import get_instrument
from screening.models import Intake, Screening
from screening.samples import random_document, sample_document
from tests.factories import PatientFactory, screening_for

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"
RICH_ANSWERS = {
    "bloating.after_water": 3,
    "bloating.persistent": 2,
    "sensitivities.foods": [
        {"food": "dairy", "onset_year": 2024, "previously_tolerated": True},
        {"food": "gluten", "onset_year": 2025, "previously_tolerated": True},
        {"food": "other", "name": "buckwheat", "onset_year": 2019, "previously_tolerated": False},
    ],
    "sensitivities.elimination_tried": True,
    "sensitivities.elimination_relief": "temporary",
    "skin.diagnosed": [],
    "red_flags.blood_in_stool": True,
    "history.main_concern": "Bloating <after> meals & fatigue",
    "mood.phq_interest": 1,
    "mood.phq_down": 2,
    "mood.gad_nervous": 3,
    "mood.gad_worry": 1,
}


def post_fhir(client: APIClient, resource: dict[str, Any]) -> Any:
    return client.post(
        "/api/fhir/QuestionnaireResponse", json.dumps(resource), content_type=FHIR_JSON
    )


@pytest.fixture
def rich_screening(patient: Patient) -> Screening:
    return screening_for(patient, sample_document(answers=RICH_ANSWERS))


def test_the_questionnaire_validates(writer: APIClient) -> None:
    response = writer.get("/api/fhir/Questionnaire/barrier-intake")
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    questionnaire = Questionnaire.model_validate(response.json())
    assert questionnaire.url == get_instrument("barrier-intake", 1).url
    assert writer.get("/api/fhir/Questionnaire/barrier-intake?version=1").json() == (
        response.json()
    )
    assert writer.get("/api/fhir/Questionnaire/barrier-intake?version=7").status_code == 404


def test_an_intake_is_a_valid_questionnaire_response(
    writer: APIClient, rich_screening: Screening
) -> None:
    response = writer.get(f"/api/fhir/QuestionnaireResponse/{rich_screening.intake_id}")
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    resource = response.json()
    QuestionnaireResponse.model_validate(resource)
    instrument = get_instrument("barrier-intake", 1)
    assert resource["questionnaire"] == f"{instrument.url}|1"
    assert resource["authored"] == "2026-11-24"
    # grouped by section exactly as the Questionnaire declares them
    assert [group["linkId"] for group in resource["item"]] == [
        section.id for section in instrument.sections if section.id != "support"
    ]
    foods = [
        item
        for group in resource["item"]
        for item in group["item"]
        if item["linkId"] == "sensitivities.foods"
    ]
    assert len(foods) == 3


def test_each_domain_score_is_a_valid_observation(
    writer: APIClient, rich_screening: Screening
) -> None:
    for domain, score in rich_screening.result["domains"].items():
        response = writer.get(f"/api/fhir/Observation/{rich_screening.pk}-{domain}")
        assert response.status_code == 200
        observation = Observation.model_validate(response.json())
        assert observation.valueInteger == score["score"]
        assert observation.interpretation[0].coding[0].code == score["band"]
        assert observation.derivedFrom[0].reference == (
            f"QuestionnaireResponse/{rich_screening.intake_id}"
        )
    assert writer.get(f"/api/fhir/Observation/{rich_screening.pk}-nowhere").status_code == 404
    assert writer.get("/api/fhir/Observation/not-an-id").status_code == 404


def test_a_screening_is_a_valid_risk_assessment(
    writer: APIClient, rich_screening: Screening
) -> None:
    response = writer.get(f"/api/fhir/RiskAssessment/{rich_screening.pk}")
    assert response.status_code == 200
    assessment = RiskAssessment.model_validate(response.json())
    result = rich_screening.result
    assert [p.outcome.coding[0].code for p in assessment.prediction or []] == [
        pattern["code"] for pattern in result["patterns"]
    ]
    basis = [reference.reference for reference in assessment.basis]
    assert basis[0] == f"QuestionnaireResponse/{rich_screening.intake_id}"
    assert basis[1:] == [
        f"Observation/{rich_screening.pk}-{domain}" for domain in result["domains"]
    ]
    # every reference in the basis can be read
    for reference in basis:
        assert writer.get(f"/api/fhir/{reference}").status_code == 200
    assert assessment.mitigation  # refer_first: the referral sentence
    assert "evidence" in (assessment.prediction[0].rationale or "").lower()


def test_a_questionnaire_response_round_trips_into_the_same_screening(
    writer: APIClient, rich_screening: Screening
) -> None:
    # given the response of a stored intake
    exported = writer.get(f"/api/fhir/QuestionnaireResponse/{rich_screening.intake_id}").json()
    # when another system posts it back
    response = post_fhir(writer, exported)
    # then it is a new intake with the very same document, scored the same
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == FHIR_JSON
    new_intake = Intake.objects.get(pk=int(response.json()["id"]))
    assert new_intake.source == Intake.Source.FHIR
    assert canonical_json(new_intake.document) == canonical_json(rich_screening.intake.document)
    new_screening = new_intake.screenings.get()
    assert new_screening.result_json == rich_screening.result_json
    assert response["Location"].endswith(f"/api/fhir/QuestionnaireResponse/{new_intake.pk}")
    assert f"/api/fhir/RiskAssessment/{new_screening.pk}" in response["Link"]


@pytest.mark.parametrize("seed", range(8))
def test_random_intakes_round_trip(seed: int, patient: Patient, writer: APIClient) -> None:
    document = random_document(random.Random(seed))
    # The record's birth date is the document's: a differing one is refused.
    patient.birth_date = datetime.date.fromisoformat(document["patient"]["birth_date"])
    patient.save()
    screening = screening_for(patient, document)
    exported = questionnaire_response_resource(screening.intake)
    QuestionnaireResponse.model_validate(exported)
    response = post_fhir(writer, exported)
    assert response.status_code == 201, response.content
    new_intake = Intake.objects.get(pk=int(response.json()["id"]))
    assert canonical_json(new_intake.document) == canonical_json(document)
    assert new_intake.screenings.get().result_json == screening.result_json


def test_a_response_with_bad_answers_is_refused_naming_the_item(
    writer: APIClient, rich_screening: Screening
) -> None:
    resource = questionnaire_response_resource(rich_screening.intake)
    bloating = resource["item"][0]["item"]
    bloating[0]["answer"] = [{"valueCoding": {"code": "9"}}]
    before = Intake.objects.count()
    response = post_fhir(writer, resource)
    assert response.status_code == 400
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    assert [issue["expression"] for issue in outcome["issue"]] == [["bloating.frequency"]]
    assert Intake.objects.count() == before


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r.update(questionnaire="https://elsewhere.example/Q|1"), "questionnaire"),
        (lambda r: r.update(status="in-progress"), "status"),
        (lambda r: r["item"][0]["item"].append({"linkId": "made.up"}), "made.up"),
        (lambda r: r.update(status=42), "status"),
        (lambda r: r.update(item="not a list"), "item"),
    ],
)
def test_unusable_responses_are_refused_with_an_operation_outcome(
    change: Any, where: str, writer: APIClient, rich_screening: Screening
) -> None:
    resource = questionnaire_response_resource(rich_screening.intake)
    change(resource)
    before = Intake.objects.count()
    response = post_fhir(writer, resource)
    assert response.status_code == 400, response.content
    OperationOutcome.model_validate(response.json())
    issues = response.json()["issue"]
    assert any(where in (issue.get("expression") or [""])[0] for issue in issues), issues
    assert Intake.objects.count() == before


def test_a_response_about_another_clinics_patient_is_not_found(
    clinic_b: Clinic, callers: Any, rich_screening: Screening
) -> None:
    # given clinic B has a patient with its own external id, and A's response names A's patient
    PatientFactory(clinic=clinic_b, external_id="B-1")
    resource = questionnaire_response_resource(rich_screening.intake)
    before = Intake.objects.count()
    # when B's client posts it
    response = post_fhir(callers("b_client"), resource)
    # then A's identifier system is not B's: refused without a look-up
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["subject"]
    assert Intake.objects.count() == before
    # and A's external id in B's own system is not found
    resource["subject"] = {"identifier": {"value": rich_screening.patient.external_id}}
    response = post_fhir(callers("b_client"), resource)
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert Intake.objects.count() == before
    # and naming A's patient by its id fares no better
    resource["subject"] = {"reference": f"Patient/{rich_screening.patient_id}"}
    assert post_fhir(callers("b_client"), resource).status_code == 404
    assert Intake.objects.count() == before


def test_fhir_errors_are_operation_outcomes(callers: Any, writer: APIClient) -> None:
    anonymous = callers("anonymous").get("/api/fhir/RiskAssessment/1")
    assert anonymous.status_code == 401
    assert anonymous.json()["issue"][0]["code"] == "login"
    missing = writer.get("/api/fhir/RiskAssessment/999999")
    assert missing.status_code == 404 and missing["Content-Type"] == FHIR_JSON
    assert writer.get("/api/fhir/Nothing/1").json()["resourceType"] == "OperationOutcome"
    not_json = writer.post(
        "/api/fhir/QuestionnaireResponse", "<xml/>", content_type="application/fhir+xml"
    )
    assert not_json.status_code == 415
    assert not_json.json()["issue"][0]["code"] == "not-supported"
