"""Stored intakes (the canonical documents) and their screenings (the result documents)."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from clinic.models import Clinic, Patient

# The only columns of a stored intake or screening that may change after it is stored, each
# through its own service: the entered-in-error mark (intake_mark_entered_in_error), the
# practitioner's review (screening_review) and the acknowledgement of alarm features
# (screening_acknowledge_alarm). On PostgreSQL a trigger refuses an UPDATE of any other column
# and every DELETE (but a patient's erasure), whatever path the statement comes from.
INTAKE_MUTABLE_FIELDS = ["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"]
SCREENING_MUTABLE_FIELDS = [
    "reviewed_at",
    "reviewed_by",
    "practitioner_notes",
    "alarm_ack_action",
    "alarm_ack_note",
    "alarm_ack_at",
    "alarm_ack_by",
    "alarm_ack_by_name",
    "entered_in_error",
]


# The one deliberate exception to "never deleted": a patient's erasure (screening.erasure) sets
# this transaction-local setting, in the transaction that deletes the patient's records.
ERASURE_SETTING = "clinic.erasure"


def results_immutable(*, mutable: list[str]) -> list[pgtrigger.Trigger]:
    """The triggers that keep a stored record as it was stored (PostgreSQL only).

    Every UPDATE of a stored column is refused. Every DELETE is refused too, except inside the
    transaction of a patient's erasure (`screening.erasure.erasure_deletes_allowed`).
    """
    return [
        pgtrigger.ReadOnly(name="stored_columns_read_only", exclude=mutable),
        pgtrigger.Protect(
            name="stored_rows_not_deleted",
            operation=pgtrigger.Delete,
            condition=pgtrigger.Condition(
                f"current_setting('{ERASURE_SETTING}', true) IS DISTINCT FROM 'on'"
            ),
        ),
    ]


class Intake(models.Model):
    class Source(models.TextChoices):
        API = "api", "API"
        FHIR = "fhir", "FHIR QuestionnaireResponse"
        FORM = "form", "Patient form"
        CLI = "cli", "Command line"
        DEMO = "demo", "Demo data"

    class BirthDateSource(models.TextChoices):
        DOCUMENT = "document", "Sent in the document"
        PATIENT_RECORD = "patient_record", "Taken from the patient record"
        NONE = "none", "Not known"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="intakes")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    instrument = models.CharField(max_length=60)
    version = models.PositiveSmallIntegerField()
    document = models.JSONField(help_text="The canonical intake document, as validated.")
    document_sha256 = models.CharField(max_length=64)
    completed_on = models.DateField()
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    birth_date_source = models.CharField(
        max_length=20,
        choices=BirthDateSource.choices,
        default=BirthDateSource.NONE,
        help_text="Where the document's patient.birth_date came from.",
    )
    # Set once, with a reason, by a practitioner: the intake leaves lists, queue and trends.
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_in_error_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient", "completed_on"])]
        triggers = results_immutable(mutable=INTAKE_MUTABLE_FIELDS)

    def __str__(self) -> str:
        return f"Intake {self.pk} ({self.instrument} v{self.version}, {self.completed_on})"


class AlarmAction(models.TextChoices):
    """What a practitioner did about alarm features (red flags) before the review."""

    REFERRED = "referred", "Referred to a doctor"
    UNDER_CARE = "under_care", "Already under medical care for these symptoms"
    DECLINED = "declined", "Patient declined a referral"
    OTHER = "other", "Other (described in the note)"


class Screening(models.Model):
    """The result of scoring one intake with one engine version.

    A later engine can rescore old intakes: its screening stands beside the earlier one.
    Clinic, patient, date, overall and pattern codes are copied from the result so that lists
    filter without reading the documents.
    """

    # Indexed only together with the columns lists filter and sort on (Meta.indexes).
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="screenings", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="screenings")
    engine = models.CharField(max_length=20)
    intake_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the canonical intake JSON this was computed from."
    )
    result = models.JSONField()
    result_json = models.TextField(help_text="The result document as canonical JSON text.")
    completed_on = models.DateField()
    overall = models.CharField(max_length=20)
    refer_first = models.BooleanField()
    pattern_codes = models.CharField(
        max_length=300, blank=True, help_text="Comma-wrapped codes: ',gut_brain,gut_skin,'."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "clinic.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    practitioner_notes = models.TextField(blank=True, max_length=5000)
    # The acknowledgement of alarm features (refer_first): what was done, by whom, when. The
    # name is kept as it was at the time, as on a signed record.
    alarm_ack_action = models.CharField(
        max_length=20, choices=AlarmAction.choices, blank=True, verbose_name="alarm action"
    )
    alarm_ack_note = models.CharField(max_length=1000, blank=True)
    alarm_ack_at = models.DateTimeField(null=True, blank=True)
    alarm_ack_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    alarm_ack_by_name = models.CharField(max_length=300, blank=True)
    # Copied from the intake's mark, so that lists filter without a join.
    entered_in_error = models.BooleanField(default=False)

    class Meta:
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "engine"], name="screening_unique_per_intake_and_engine"
            )
        ]
        indexes = [
            # The API's list, newest first (cursor pagination by id): a range of one clinic's
            # rows, however many other clinics share the table.
            models.Index(fields=["clinic", "-id"], name="screening_clinic_newest"),
            models.Index(fields=["clinic", "-completed_on", "-id"]),
            models.Index(fields=["clinic", "patient", "-completed_on"]),
        ]
        triggers = results_immutable(mutable=SCREENING_MUTABLE_FIELDS)

    def __str__(self) -> str:
        return f"Screening {self.pk} of intake {self.intake_id} (engine {self.engine})"

    @property
    def codes(self) -> list[str]:
        return [code for code in self.pattern_codes.split(",") if code]


class NoteRevision(models.Model):
    """One saved version of a screening's practitioner notes: earlier versions stay readable."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    screening = models.ForeignKey(
        Screening, on_delete=models.PROTECT, related_name="note_revisions"
    )
    notes = models.TextField(blank=True, max_length=5000)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    saved_by_name = models.CharField(max_length=300, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)
    reviewed = models.BooleanField(help_text="Whether this save marked the screening reviewed.")

    class Meta:
        ordering = ["-saved_at", "-id"]
        triggers = results_immutable(mutable=[])

    def __str__(self) -> str:
        return f"Notes of screening {self.screening_id} saved {self.saved_at:%Y-%m-%d %H:%M}"
