"""What the API keeps between requests: the responses of idempotent POSTs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from clinic.models import Clinic


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
        db_table = "clinic_idempotencykey"
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "key"], name="idempotency_key_unique_per_principal"
            )
        ]

    def __str__(self) -> str:
        return f"Idempotency-Key of {self.principal} ({self.created_at:%Y-%m-%d %H:%M})"
