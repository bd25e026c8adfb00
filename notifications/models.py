"""Alarm notices: one row per screening with alarm features, the outbox of its email.

The row is written in the screening's transaction: the database, not the broker, knows which
practices are still to be told.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Clinic
from screening.models import Screening


class AlarmNotice(models.Model):
    """The email telling a practice that a screening needs prompt review (a link, no data)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="alarm_notices")
    screening = models.OneToOneField(
        Screening, on_delete=models.PROTECT, related_name="alarm_notice"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Sends started; capped so a notice that cannot go out ends failed."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    enqueued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the send task was last handed to the broker; empty while it is still "
        "to be sent.",
    )
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Not attempted before then: an attempt under way holds the notice (a lost "
        "one is retried after), a failed one waits for its backoff.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep reads only pending notices.
            models.Index(
                fields=["created_at"], name="alarm_notice_pending", condition=Q(status="pending")
            ),
            models.Index(fields=["clinic", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Alarm notice {self.pk} of screening {self.screening_id} ({self.status})"
