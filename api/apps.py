"""App configuration for `api`: the API plumbing: authentication, permissions, throttling, pagination, errors, idempotency."""

from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    default_auto_field = "django.db.models.BigAutoField"
