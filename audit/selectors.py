"""Reads of the audit trail: a clinic's events, newest first, and those of one patient's records."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from audit.models import AuditEvent
from clinic.models import Patient
from clinic.selectors import of_clinic

# Each record type of a patient, and the path from the patient to its ids. (Reverse relations,
# named by their lookups: the trail sits below screening and reports and imports neither.)
PATIENT_RECORD_LOOKUPS = {
    "intake": "intakes__id",
    "screening": "screenings__id",
    "report": "screenings__reports__id",
    "invitation": "invitations__id",
}


def clinic_audit_events(clinic_id: int | None) -> QuerySet[AuditEvent]:
    """The clinic's events, newest first (by id: the chain's order), with who acted."""
    events = AuditEvent.objects.select_related("user", "api_client").order_by("-id")
    return of_clinic(events, clinic_id)


def patient_events_condition(patient: Patient) -> Q:
    """The events naming the patient or one of its records (intakes, screenings, reports,
    invitations) as their object. Lists name their rows in `detail` only, and are not matched."""
    condition = Q(object_type="patient", object_id=str(patient.pk))
    for object_type, lookup in PATIENT_RECORD_LOOKUPS.items():
        ids = Patient.objects.filter(pk=patient.pk).values_list(lookup, flat=True)
        object_ids = sorted({str(each) for each in ids if each is not None})
        if object_ids:
            condition |= Q(object_type=object_type, object_id__in=object_ids)
    return condition
