"""Screening summary PDFs: one per screening and template version, rendered by a worker.

The row is the outbox: it is written in the screening's transaction, and the database, not the
broker, knows which reports are still to be rendered.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, default_storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Clinic
from screening.models import Screening


def reports_storage() -> Storage:
    """The "reports" storage of STORAGES (local files, or an S3-compatible backend)."""
    if "reports" in settings.STORAGES:
        return storages["reports"]
    return default_storage


class Report(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="reports")
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="reports")
    template_version = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Renders started; capped so a poison report ends failed."
    )
    last_error = models.TextField(blank=True)
    file = models.FileField(storage=reports_storage, max_length=255, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes.")
    sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    enqueued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the render task was last handed to the broker (by the request that "
        "queued it: at its commit); empty while it is still to be sent.",
    )
    started_at = models.DateTimeField(null=True, blank=True, help_text="The last claim.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "template_version"],
                name="report_unique_per_screening_and_template",
            )
        ]
        indexes = [
            # The sweep reads only unfinished reports.
            models.Index(
                fields=["status", "started_at"],
                name="report_unfinished",
                condition=Q(status__in=["queued", "rendering"]),
            ),
            models.Index(fields=["clinic", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} of screening {self.screening_id} ({self.status})"
