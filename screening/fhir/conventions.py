"""What our FHIR R4 resources share: the media type, how a patient and the instrument's code
systems are named, and the status of a resource whose intake was entered in error.

How intakes and screenings are FHIR resources:

- an intake is a QuestionnaireResponse (id: the intake's id) of the instrument's Questionnaire,
  pinned as `url|version`, with its items grouped by section exactly as the Questionnaire
  (`screening.fhir.questionnaire_resource`) declares them (`screening.fhir.response_out`);
- each domain score of a screening is an Observation (id: `<screening id>-<domain>`);
- a screening is a RiskAssessment (id: the screening's id) whose predictions are the possible
  patterns and whose basis is the QuestionnaireResponse and the Observations
  (`screening.fhir.results`).

The patient is carried as a logical reference (the clinic's external id in the clinic's
identifier system, `patient_identifier_system`); the birth date the intake document gave
travels in a contained Patient, so that a QuestionnaireResponse turns back into the very same
intake document (`screening.fhir.response_in`). A response received names its patient by an
identifier in that system (an identifier without a system means the clinic's external id too)
or as `Patient/<id>`; an identifier of any other system is refused, never matched on its value
alone.
"""

from __future__ import annotations

from typing import Any

from clinic.models import Clinic, Patient
from screening.instruments.definition import Instrument

FHIR_JSON = "application/fhir+json"


def patient_identifier_system(clinic: Clinic) -> str:
    return f"urn:barrier-intake:clinic:{clinic.slug}:patient"


def code_system(instrument: Instrument, name: str) -> str:
    """The URL of one of the instrument's own code systems (domains, bands, patterns...)."""
    base = instrument.url.rsplit("/Questionnaire/", 1)[0]
    return f"{base}/CodeSystem/{instrument.id}-{name}"


def patient_reference(patient: Patient, clinic: Clinic) -> dict[str, Any]:
    return {
        "type": "Patient",
        "identifier": {"system": patient_identifier_system(clinic), "value": patient.external_id},
    }


def fhir_status(*, entered_in_error: bool, otherwise: str) -> str:
    """A resource's status: `entered-in-error` once its intake was marked so (R4 allows it for
    QuestionnaireResponse, Observation and RiskAssessment alike)."""
    return "entered-in-error" if entered_in_error else otherwise
