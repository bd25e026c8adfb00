"""App configuration for `audit`: the audit trail."""

from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from audit import receivers

        signals.user_logged_in.connect(receivers.signed_in, dispatch_uid="audit_sign_in")
        signals.user_logged_out.connect(receivers.signed_out, dispatch_uid="audit_sign_out")
        signals.user_login_failed.connect(
            receivers.sign_in_failed, dispatch_uid="audit_sign_in_failed"
        )
