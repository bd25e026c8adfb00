"""Reads for reports: the summary's context from the stored screening, intake and patient."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone

from reports.context import (
    AlarmAcknowledgement,
    EarlierScreening,
    EnteredInError,
    ReportPatient,
    ReviewSignOff,
    report_context,
)
from reports.models import Report, reports_storage
from screening.models import Screening


def report_context_for(*, report: Report) -> dict[str, Any]:
    """The same context the command line builds from a file, here from the database."""
    screening = Screening.objects.select_related(
        "intake", "patient", "clinic", "reviewed_by", "intake__entered_in_error_by"
    ).get(pk=report.screening_id)
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
        review=review_sign_off(screening=screening),
        alarm_acknowledgement=alarm_acknowledgement(screening=screening),
        entered_in_error=entered_in_error_mark(screening=screening),
    )


def review_sign_off(*, screening: Screening) -> ReviewSignOff | None:
    """Who marked the screening reviewed, named as when they saved it (their note revision)."""
    if screening.reviewed_at is None:
        return None
    saved_as = (
        screening.note_revisions.filter(reviewed=True, saved_by_id=screening.reviewed_by_id)
        .order_by("-saved_at", "-id")
        .values_list("saved_by_name", flat=True)
        .first()
    )
    reviewer = saved_as or (screening.reviewed_by.display_name if screening.reviewed_by else "")
    return ReviewSignOff(reviewed_at=local_iso(screening.reviewed_at), reviewer=reviewer)


def alarm_acknowledgement(*, screening: Screening) -> AlarmAcknowledgement | None:
    """What was done about the alarm features, the action worded by AlarmAction's label."""
    if screening.alarm_ack_at is None:
        return None
    return AlarmAcknowledgement(
        action=screening.get_alarm_ack_action_display(),
        note=screening.alarm_ack_note,
        acknowledged_by=screening.alarm_ack_by_name,
        acknowledged_at=local_iso(screening.alarm_ack_at),
    )


def entered_in_error_mark(*, screening: Screening) -> EnteredInError | None:
    intake = screening.intake
    if intake.entered_in_error_at is None and not screening.entered_in_error:
        return None
    return EnteredInError(
        marked_at=local_iso(intake.entered_in_error_at) if intake.entered_in_error_at else None,
        marked_by=intake.entered_in_error_by.display_name if intake.entered_in_error_by else "",
        reason=intake.entered_in_error_reason,
    )


def local_iso(moment: datetime) -> str:
    """A stored time in the clinic's time zone (TIME_ZONE), to the second, as ISO text."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0).isoformat()


def earlier_screening(*, screening: Screening) -> Screening | None:
    """The patient's latest screening before this one (another intake), if any; screenings
    entered in error are not compared with."""
    return (
        Screening.objects.filter(
            patient_id=screening.patient_id,
            clinic_id=screening.clinic_id,
            entered_in_error=False,
        )
        .filter(
            Q(completed_on__lt=screening.completed_on)
            | Q(completed_on=screening.completed_on, intake_id__lt=screening.intake_id)
        )
        .exclude(intake_id=screening.intake_id)
        .order_by("-completed_on", "-intake_id", "-id")
        .only("completed_on", "result")
        .first()
    )


def report_is_ready(report: Report) -> bool:
    return report.status == Report.Status.READY and bool(report.file.name)


def report_pdf_response(*, report: Report, inline: bool) -> FileResponse:
    """The one way a report's PDF leaves the server (dashboard: shown inline; API: a download).

    The caller has checked `report_is_ready` and audited the download.
    """
    assert report.file.name, "only a ready report has a file"
    response = FileResponse(
        reports_storage().open(report.file.name, "rb"),
        content_type="application/pdf",
        as_attachment=not inline,
        filename=f"screening-{report.screening_id}{'' if inline else '-report'}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
