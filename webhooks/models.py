"""Webhook endpoints of a clinic and the deliveries to them (the outbox the worker sends)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from clinic.models import Clinic


class WebhookEndpoint(models.Model):
    """An HTTPS address of a clinic's own system that receives signed event notifications."""

    class Event(models.TextChoices):
        SCREENING_CREATED = "screening.created", "A screening was created"
        REPORT_READY = "report.ready", "A report is ready"
        PATIENT_ERASED = "patient.erased", "A patient was erased"

    class SignatureScheme(models.TextChoices):
        STANDARD = "standard", "Standard Webhooks (v1, with a timestamp)"
        LEGACY = "legacy", "Legacy sha256 body HMAC (deprecated, removed in the next release)"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    # Endpoints registered before Standard Webhooks keep the signature their receivers check
    # for one release; new endpoints get the standard one, and a PATCH switches.
    signature_scheme = models.CharField(
        max_length=10, choices=SignatureScheme.choices, default=SignatureScheme.STANDARD
    )
    # Kept readable: the worker needs it to sign every delivery. Shown to the clinic once.
    secret = models.CharField(max_length=100)
    events = models.JSONField(default=list, help_text="Event types delivered; empty means all.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "clinic_webhookendpoint"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.url} ({self.clinic})"

    def wants(self, event_type: str) -> bool:
        return self.is_active and self.subscribed(self.events, event_type)

    @staticmethod
    def subscribed(events: list[str], event_type: str) -> bool:
        """Whether a subscription to `events` (empty: all) includes `event_type`."""
        return not events or event_type in events


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row the worker delivers, retries and records."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    payload = models.TextField(help_text="The exact body sent and signed.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "clinic_webhookdelivery"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} to endpoint {self.endpoint_id} ({self.status})"
