"""Clinics (the tenants), their staff, patients, invitations, API clients and the audit trail."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone


def token_hash(token: str) -> str:
    """Tokens are stored only as their SHA-256: a leaked table grants nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str = "") -> str:
    # 32 random bytes: 256 bits, well above the 128 an invitation needs.
    return prefix + secrets.token_urlsafe(32)


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    welcome_text = models.TextField(
        blank=True, help_text="Shown to patients on the first step of the intake form."
    )
    alarm_contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="alarm_contact_for",
        help_text="Who is emailed when a screening with alarm features arrives (a link only, "
        "no health data). Empty: every active practitioner and clinic admin with an email.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of a clinic's staff; superusers may have no clinic."""

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        CLINIC_ADMIN = "clinic_admin", "Clinic admin"

    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == self.Role.CLINIC_ADMIN

    @property
    def display_name(self) -> str:
        """How a staff member is named on the record: full name, else the username."""
        return self.get_full_name().strip() or self.get_username()


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    external_id = models.CharField(
        max_length=64, help_text="The identifier used by the practice's other systems."
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "external_id"], name="patient_external_id_unique_per_clinic"
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="patient_external_id_not_blank"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "family_name", "given_name"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.external_id})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Invitation(models.Model):
    """A private link to the intake form; only the token's hash is stored."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="invitations")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invitations")
    token_sha256 = models.CharField(max_length=64, unique=True)
    instrument = models.CharField(max_length=60, default="barrier-intake")
    version = models.PositiveSmallIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    intake = models.OneToOneField(
        "screening.Intake", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The draft: answers saved step by step, and the step the patient reached.
    draft_answers = models.JSONField(default=dict, blank=True)
    draft_step = models.PositiveSmallIntegerField(default=0)
    draft_saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation {self.pk} for patient {self.patient_id}"

    def is_expired(self, now: Any = None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class ApiClient(models.Model):
    """A machine client of one clinic, authenticated by a bearer token stored hashed."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read_write", "Read and write"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(max_length=100)
    token_prefix = models.CharField(
        max_length=12, help_text="The first characters, to recognise it."
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"], name="api_client_name_unique_per_clinic"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.clinic})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE


class AuditEvent(models.Model):
    """One read or write of patient data: who, which clinic, what, when."""

    class Action(models.TextChoices):
        READ = "read", "Read"
        LIST = "list", "List"
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DOWNLOAD = "download", "Download"

    # Who acted stays on record: a user or client with events is deactivated or revoked, and
    # cannot be deleted.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="audit_events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    api_client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["clinic", "at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id} at {self.at:%Y-%m-%d %H:%M}"


class WebhookEndpoint(models.Model):
    """An HTTPS address of a clinic's own system that receives signed event notifications."""

    class Event(models.TextChoices):
        SCREENING_CREATED = "screening.created", "A screening was created"
        REPORT_READY = "report.ready", "A report is ready"

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
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} to endpoint {self.endpoint_id} ({self.status})"


class IdempotencyKey(models.Model):
    """The first successful response to a POST sent with an Idempotency-Key, to replay it."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    principal = models.CharField(max_length=40, help_text="'client:<id>' or 'user:<id>'.")
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "key"], name="idempotency_key_unique_per_principal"
            )
        ]

    def __str__(self) -> str:
        return f"Idempotency-Key of {self.principal} ({self.created_at:%Y-%m-%d %H:%M})"
