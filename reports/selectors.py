"""Reads for reports: the summary's context from the stored screening, intake and patient."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from reports.context import EarlierScreening, ReportPatient, report_context
from reports.models import Report
from screening.models import Screening


def report_context_for(*, report: Report) -> dict[str, Any]:
    """The same context the command line builds from a file, here from the database."""
    screening = Screening.objects.select_related("intake", "patient", "clinic").get(
        pk=report.screening_id
    )
    return screening_summary_context(screening=screening)


def screening_summary_context(*, screening: Screening) -> dict[str, Any]:
    """The summary of one screening, as the PDF and the dashboard show it."""
    patient = screening.patient
    earlier = earlier_screening(screening=screening)
    return report_context(
        document=screening.intake.document,
        result=screening.result,
        patient=ReportPatient(
            name=patient.full_name,
            birth_date=patient.birth_date.isoformat() if patient.birth_date else None,
            external_id=patient.external_id,
        ),
        clinic_name=screening.clinic.name,
        earlier=None
        if earlier is None
        else EarlierScreening(completed_on=earlier.completed_on.isoformat(), result=earlier.result),
        practitioner_notes=screening.practitioner_notes,
    )


def earlier_screening(*, screening: Screening) -> Screening | None:
    """The patient's latest screening before this one (another intake), if any."""
    return (
        Screening.objects.filter(patient_id=screening.patient_id, clinic_id=screening.clinic_id)
        .filter(
            Q(completed_on__lt=screening.completed_on)
            | Q(completed_on=screening.completed_on, intake_id__lt=screening.intake_id)
        )
        .exclude(intake_id=screening.intake_id)
        .order_by("-completed_on", "-intake_id", "-id")
        .only("completed_on", "result")
        .first()
    )
