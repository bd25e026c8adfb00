"""App configuration for `reports`."""

from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the models are loaded, as Django connects receivers: the worker's
        # start-up checks, and the reactions to the screening domain.
        from reports import receivers, worker  # noqa: F401
