"""FHIR R4: the instrument as a Questionnaire, intakes and screenings as FHIR resources."""
