"""One patient's archive (the right of access): everything held about them, in one zip.

It reads screenings and their report PDFs, so it lives in reports/, the lowest layer that may
import both. The archive holds:

- `patient.json`: the patient, their invitations (drafts included), intakes (documents, the
  entered-in-error mark) and screenings (result documents, review, note revisions, the
  acknowledgement of alarm features), and the list of files below;
- `intakes/<id>.json`: each intake document in its canonical form (its SHA-256 is the stored
  `document_sha256`); `screenings/<id>-result.json`: each result document as stored;
- `fhir-bundle.json`: a FHIR R4 Bundle (collection) of the QuestionnaireResponses, Observations
  and RiskAssessments, as the FHIR interface serves them, validated before it is written;
- `reports/screening-<id>-<template>.pdf`: the ready report PDFs.

The archive is built in memory: a patient's intakes are a few kB each and a report PDF about
100 kB, so even 50 screenings make a few MB (PDFs are stored, not recompressed).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from clinic.models import Invitation, Patient
from reports.models import Report, reports_storage
from reports.selectors import report_is_ready
from screening.documents import canonical_json
from screening.fhir.response_out import questionnaire_response_resource
from screening.fhir.results import domain_observations, risk_assessment_resource
from screening.models import Intake, NoteRevision, Screening

ARCHIVE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class PatientArchive:
    """The zip's bytes, and what it holds (counts only: for the audit event's detail)."""

    patient_id: int
    content: bytes
    intakes: int
    screenings: int
    pdfs: int

    @property
    def filename(self) -> str:
        return f"patient-{self.patient_id}-export.zip"

    @property
    def summary(self) -> str:
        return f"{self.intakes} intakes, {self.screenings} screenings, {self.pdfs} PDFs"


def patient_export_archive(*, patient: Patient) -> PatientArchive:
    """The archive of one patient; the caller has scoped the patient to its clinic and audits
    the export."""
    intakes = list(
        Intake.objects.filter(patient=patient, clinic_id=patient.clinic_id)
        .select_related("patient", "clinic", "entered_in_error_by")
        .order_by("received_at", "id")
    )
    screenings = list(
        Screening.objects.filter(patient=patient, clinic_id=patient.clinic_id)
        .select_related("patient", "clinic", "intake", "reviewed_by")
        .prefetch_related("note_revisions")
        .order_by("created_at", "id")
    )
    reports = [
        report
        for report in Report.objects.filter(
            screening__in=screenings, clinic_id=patient.clinic_id
        ).order_by("screening_id", "template_version", "id")
        if report_is_ready(report)
    ]
    invitations = Invitation.objects.filter(patient=patient, clinic_id=patient.clinic_id)
    files = {report.pk: report_path(report) for report in reports}
    record = {
        "format": "patient-export",
        "format_version": ARCHIVE_FORMAT_VERSION,
        "exported_at": timezone.now(),
        "clinic": {"id": patient.clinic_id, "name": patient.clinic.name},
        "patient": patient_record(patient),
        "invitations": [invitation_record(invitation) for invitation in invitations],
        "intakes": [intake_record(intake) for intake in intakes],
        "screenings": [screening_record(screening) for screening in screenings],
        "reports": [report_record(report, files[report.pk]) for report in reports],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("patient.json", pretty_json(record))
        for intake in intakes:
            archive.writestr(f"intakes/{intake.pk}.json", canonical_json(intake.document))
        for screening in screenings:
            archive.writestr(f"screenings/{screening.pk}-result.json", screening.result_json)
        archive.writestr("fhir-bundle.json", pretty_json(fhir_bundle(intakes, screenings)))
        for report in reports:
            with reports_storage().open(str(report.file.name), "rb") as pdf:
                info = zipfile.ZipInfo(files[report.pk], date_time=zip_time(report))
                archive.writestr(info, pdf.read(), compress_type=zipfile.ZIP_STORED)
    return PatientArchive(
        patient_id=patient.pk,
        content=buffer.getvalue(),
        intakes=len(intakes),
        screenings=len(screenings),
        pdfs=len(reports),
    )


def patient_archive_response(archive: PatientArchive) -> HttpResponse:
    """The one way a patient's archive leaves the server (the API and the dashboard); the
    caller has audited the export."""
    response = HttpResponse(archive.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{archive.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def fhir_bundle(intakes: list[Intake], screenings: list[Screening]) -> dict[str, Any]:
    """A Bundle (collection) of the FHIR resources; refused if it is not valid FHIR R4."""
    resources: list[dict[str, Any]] = [questionnaire_response_resource(i) for i in intakes]
    for screening in screenings:
        resources.extend(domain_observations(screening))
        resources.append(risk_assessment_resource(screening))
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [{"resource": resource} for resource in resources],
    }
    if not resources:
        del bundle["entry"]
    Bundle.model_validate(bundle)
    return bundle


def patient_record(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.pk,
        "external_id": patient.external_id,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date,
        "email": patient.email,
        "created_at": patient.created_at,
        "updated_at": patient.updated_at,
    }


def invitation_record(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "instrument": invitation.instrument,
        "version": invitation.version,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "submitted_at": invitation.submitted_at,
        "intake_id": invitation.intake_id,
        "draft_answers": invitation.draft_answers,
        "draft_step": invitation.draft_step,
        "draft_saved_at": invitation.draft_saved_at,
    }


def intake_record(intake: Intake) -> dict[str, Any]:
    marked_by = intake.entered_in_error_by
    return {
        "id": intake.pk,
        "instrument": intake.instrument,
        "version": intake.version,
        "completed_on": intake.completed_on,
        "received_at": intake.received_at,
        "source": intake.source,
        "birth_date_source": intake.birth_date_source,
        "document_sha256": intake.document_sha256,
        "document": intake.document,
        "document_file": f"intakes/{intake.pk}.json",
        "entered_in_error": None
        if intake.entered_in_error_at is None
        else {
            "at": intake.entered_in_error_at,
            "by": marked_by.display_name if marked_by else "",
            "reason": intake.entered_in_error_reason,
        },
    }


def screening_record(screening: Screening) -> dict[str, Any]:
    return {
        "id": screening.pk,
        "intake_id": screening.intake_id,
        "engine": screening.engine,
        "intake_sha256": screening.intake_sha256,
        "completed_on": screening.completed_on,
        "created_at": screening.created_at,
        "result": screening.result,
        "result_file": f"screenings/{screening.pk}-result.json",
        "entered_in_error": screening.entered_in_error,
        "review": None
        if screening.reviewed_at is None
        else {
            "reviewed_at": screening.reviewed_at,
            "reviewed_by": screening.reviewed_by.display_name if screening.reviewed_by else "",
        },
        "practitioner_notes": screening.practitioner_notes,
        "note_revisions": [
            note_revision_record(revision) for revision in screening.note_revisions.all()
        ],
        "alarm_acknowledgement": None
        if screening.alarm_ack_at is None
        else {
            "action": screening.alarm_ack_action,
            "note": screening.alarm_ack_note,
            "at": screening.alarm_ack_at,
            "by": screening.alarm_ack_by_name,
        },
    }


def note_revision_record(revision: NoteRevision) -> dict[str, Any]:
    return {
        "notes": revision.notes,
        "saved_at": revision.saved_at,
        "saved_by": revision.saved_by_name,
        "reviewed": revision.reviewed,
    }


def report_record(report: Report, path: str) -> dict[str, Any]:
    return {
        "id": report.pk,
        "screening_id": report.screening_id,
        "template_version": report.template_version,
        "file": path,
        "sha256": report.sha256,
        "size": report.size,
        "page_count": report.page_count,
        "finished_at": report.finished_at,
    }


def report_path(report: Report) -> str:
    template = "".join(c if c.isalnum() or c in ".-_" else "_" for c in report.template_version)
    return f"reports/screening-{report.screening_id}-{template}.pdf"


def zip_time(report: Report) -> tuple[int, int, int, int, int, int]:
    moment: datetime = report.finished_at or report.created_at
    local = timezone.localtime(moment)
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)


def pretty_json(data: Any) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
