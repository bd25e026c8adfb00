"""App configuration for `api`: the API plumbing: authentication, permissions, throttling, pagination, errors, idempotency."""

from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the models are loaded, as Django connects receivers: stored responses
        # react to a patient's erasure.
        from api import receivers  # noqa: F401
