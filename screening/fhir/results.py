"""Screening -> Observations (one per domain score) and a RiskAssessment (the possible
patterns, based on the QuestionnaireResponse and the Observations)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screening.fhir.conventions import code_system, fhir_status, patient_reference
from screening.instruments import get_instrument
from screening.instruments.definition import Instrument
from screening.models import Screening

OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"


def observation_id(screening_id: int, domain: str) -> str:
    return f"{screening_id}-{domain}"


def domain_observations(screening: Screening) -> list[dict[str, Any]]:
    instrument = get_instrument(screening.result["instrument"], screening.result["version"])
    return [domain_observation(screening, instrument, section.id) for section in instrument.domains]


def domain_observation(screening: Screening, instrument: Instrument, domain: str) -> dict[str, Any]:
    """One domain score of a screening as an Observation (valueInteger 0-100, band as the
    interpretation), derived from the intake's QuestionnaireResponse."""
    score = screening.result["domains"][domain]
    section = instrument.section(domain)
    return {
        "resourceType": "Observation",
        "id": observation_id(screening.pk, domain),
        "status": fhir_status(entered_in_error=screening.entered_in_error, otherwise="final"),
        "category": [
            {
                "coding": [
                    {"system": OBSERVATION_CATEGORY_SYSTEM, "code": "survey", "display": "Survey"}
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": code_system(instrument, "domain"),
                    "code": domain,
                    "display": f"{section.title} score",
                }
            ],
            "text": f"{section.title} score (0-100)",
        },
        "subject": patient_reference(screening.patient, screening.clinic),
        "effectiveDateTime": screening.completed_on.isoformat(),
        "issued": _instant(screening),
        "valueInteger": score["score"],
        "interpretation": [
            {
                "coding": [
                    {
                        "system": code_system(instrument, "band"),
                        "code": score["band"],
                        "display": score["band"],
                    }
                ]
            }
        ],
        "method": {"text": f"{instrument.id} scoring engine {screening.engine}"},
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{screening.intake_id}"}],
    }


def risk_assessment_resource(screening: Screening) -> dict[str, Any]:
    """The screening as a RiskAssessment: one prediction per possible pattern, with its rule
    and evidence as the rationale; the basis is the response and the domain observations."""
    result = screening.result
    instrument = get_instrument(result["instrument"], result["version"])
    titles = {pattern.code: pattern.title for pattern in instrument.patterns}
    basis = [{"reference": f"QuestionnaireResponse/{screening.intake_id}"}] + [
        {"reference": f"Observation/{observation_id(screening.pk, section.id)}"}
        for section in instrument.domains
    ]
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": str(screening.pk),
        "status": fhir_status(entered_in_error=screening.entered_in_error, otherwise="final"),
        "method": {
            "coding": [
                {
                    "system": code_system(instrument, "engine"),
                    "code": screening.engine,
                    "display": f"{instrument.title} scoring engine {screening.engine}",
                }
            ]
        },
        "code": {
            "coding": [
                {
                    "system": code_system(instrument, "overall"),
                    "code": result["overall"],
                    "display": result.get("summary") or result["overall"],
                }
            ]
        },
        "subject": patient_reference(screening.patient, screening.clinic),
        "occurrenceDateTime": screening.completed_on.isoformat(),
        "basis": basis,
        "note": [{"text": instrument.texts.get("disclaimer", "A screening, not a diagnosis.")}],
    }
    predictions = [
        {
            "outcome": {
                "coding": [
                    {
                        "system": code_system(instrument, "pattern"),
                        "code": pattern["code"],
                        "display": titles.get(pattern["code"], pattern["code"]),
                    }
                ],
                "text": f"Possible pattern: {titles.get(pattern['code'], pattern['code'])}",
            },
            "rationale": _rationale(pattern),
        }
        for pattern in result["patterns"]
    ]
    if predictions:
        resource["prediction"] = predictions
    if result.get("refer_first"):
        resource["mitigation"] = result.get("referral") or instrument.texts["referral"]
    return resource


def _rationale(pattern: Mapping[str, Any]) -> str:
    evidence = "; ".join(f"{entry['item']} = {entry['answer']}" for entry in pattern["evidence"])
    return f"{pattern['rule']} Evidence: {evidence}." if evidence else pattern["rule"]


def _instant(screening: Screening) -> str:
    return screening.created_at.isoformat()
