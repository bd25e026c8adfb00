"""Clinics (the tenants), their staff, patients, invitations and API clients."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


def token_hash(token: str) -> str:
    """Tokens are stored only as their SHA-256: a leaked table grants nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


# Bearer tokens of API clients start with this, so that a leaked one is recognised (and
# secret scanners can find it).
TOKEN_PREFIX = "bik_"


def new_token(prefix: str = "") -> str:
    # 32 random bytes: 256 bits, well above the 128 an invitation needs.
    return prefix + secrets.token_urlsafe(32)


# The longest retention period: a century, far past any record-keeping law, and within the
# dates the sweep can compute.
RETENTION_MAX_DAYS = 36_500


def retention_days_validate(value: int) -> None:
    """Refuse a retention period under `RETENTION_MIN_DAYS` (the daily sweep erases every patient
    whose period has ended, so 0 or 1 would erase them all) or over `RETENTION_MAX_DAYS`."""
    if value > RETENTION_MAX_DAYS:
        raise ValidationError(
            "Retention days must be at most %(maximum)s (a century), or empty to keep records "
            "until the practice removes them.",
            code="retention_days_max",
            params={"maximum": RETENTION_MAX_DAYS},
        )
    minimum = settings.RETENTION_MIN_DAYS
    if value < minimum:
        raise ValidationError(
            "Retention days must be at least %(minimum)s (RETENTION_MIN_DAYS), or empty to keep "
            "records until the practice removes them.",
            code="retention_days_min",
            params={"minimum": minimum},
        )


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
    require_second_factor = models.BooleanField(
        default=False,
        help_text="Staff must sign in with an authenticator app code (or a recovery code) "
        "after their password; those without one set it up at their next sign-in.",
    )
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[retention_days_validate],
        help_text="How many days a patient's records are kept after the latest of their last "
        "intake, their last invitation and their record's creation (at least RETENTION_MIN_DAYS, "
        "a year by default). Empty: kept until the practice removes them.",
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

    def is_clinic_admin_of(self, clinic_id: int | None) -> bool:
        """A clinic admin of the clinic `clinic_id` (None: of no clinic, never)."""
        return self.is_clinic_admin and clinic_id is not None and self.clinic_id == clinic_id

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
    can_erase = models.BooleanField(
        "can erase patients",
        default=False,
        # In the table too: during a rolling deploy the previous release inserts clients
        # without this column.
        db_default=False,
        help_text="It may erase patients (DELETE /api/v1/patients/{id}/): everything held about "
        "them, for good. Needs the read-and-write scope.",
    )
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

    def clean(self) -> None:
        # A read-only client allowed to erase would erase once its scope changed, unnoticed.
        if self.can_erase and not self.can_write:
            raise ValidationError(
                {
                    "can_erase": ValidationError(
                        "Only a client with the read-and-write scope can erase patients: "
                        "choose that scope, or turn off “can erase patients”.",
                        code="can_erase_needs_write_scope",
                    )
                }
            )

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE
