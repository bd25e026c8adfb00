"""Stored intakes (the canonical documents) and their screenings (the result documents)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from clinic.models import Clinic, Patient


class Intake(models.Model):
    class Source(models.TextChoices):
        API = "api", "API"
        FHIR = "fhir", "FHIR QuestionnaireResponse"
        FORM = "form", "Patient form"
        CLI = "cli", "Command line"
        DEMO = "demo", "Demo data"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="intakes")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    instrument = models.CharField(max_length=60)
    version = models.PositiveSmallIntegerField()
    document = models.JSONField(help_text="The canonical intake document, as validated.")
    document_sha256 = models.CharField(max_length=64)
    completed_on = models.DateField()
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient", "completed_on"])]

    def __str__(self) -> str:
        return f"Intake {self.pk} ({self.instrument} v{self.version}, {self.completed_on})"


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

    def __str__(self) -> str:
        return f"Screening {self.pk} of intake {self.intake_id} (engine {self.engine})"

    @property
    def codes(self) -> list[str]:
        return [code for code in self.pattern_codes.split(",") if code]
