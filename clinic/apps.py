"""App configuration for `clinic`."""

from __future__ import annotations

from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the models are loaded, as Django connects receivers: webhook events
        # react to the screening domain.
        from clinic import webhooks  # noqa: F401
