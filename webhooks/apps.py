"""App configuration for `webhooks`: webhook endpoints and deliveries."""

from __future__ import annotations

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the models are loaded, as Django connects receivers: webhook events
        # react to the screening domain, and deliveries to a patient's erasure.
        from webhooks import receivers, services  # noqa: F401
