"""The audit trail: one row per read or write of patient data."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinic.models import ApiClient, Clinic


class AuditEvent(models.Model):
    """One read or write of patient data, or one sign-in event: who, which clinic, what, when,
    from where.

    Append-only: no application path changes or deletes a row, and on PostgreSQL a trigger
    refuses UPDATE and DELETE whatever their origin. Each row carries the SHA-256 of its
    clinic's previous row and of itself (`audit.chain`); `manage.py audit_verify` walks it.
    """

    class Action(models.TextChoices):
        READ = "read", "Read"
        LIST = "list", "List"
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        # A row removed in the admin: a clinic's settings, staff, API clients, groups (never
        # patient data, which is erased with ERASE).
        DELETE = "delete", "Delete"
        DOWNLOAD = "download", "Download"
        # An export: of the audit trail (CSV), or of everything held about a patient (zip).
        EXPORT = "export", "Export"
        # A patient's erasure (on request, or at the end of the clinic's retention period):
        # the event names the patient's id and counts, the patient's earlier events stay.
        ERASE = "erase", "Erase"
        SIGN_IN = "sign_in", "Sign-in"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        SIGN_OUT = "sign_out", "Sign-out"

    # Who acted stays on record: a user or client with events is deactivated or revoked, and
    # cannot be deleted.
    # Null only for sign-in events of no clinic: an unknown username, a staff member of none.
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
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
    # From where, when a request was at hand: the client address and its user agent (cut).
    address = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "clinic_auditevent"
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["clinic", "at"]),
            # The chain's head: a clinic's newest event, found without a sort.
            models.Index(fields=["clinic", "-id"], name="audit_chain_head_idx"),
        ]
        constraints = [
            # One successor per link: two writers that read the same head cannot both insert.
            # (A row saved around `audit_record` has no hash and is no link.)
            models.UniqueConstraint(
                Coalesce("clinic", Value(0)),
                F("previous_hash"),
                condition=~Q(hash=""),
                name="audit_chain_unforked",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id} at {self.at:%Y-%m-%d %H:%M}"
