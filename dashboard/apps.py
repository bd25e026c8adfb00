"""App configuration for `dashboard`: the practitioner dashboard (pages only, no models)."""

from __future__ import annotations

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from dashboard.sessions import session_signed_in

        user_logged_in.connect(session_signed_in, dispatch_uid="dashboard-session-signed-in")
