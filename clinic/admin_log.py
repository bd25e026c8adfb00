"""The admin without Django's own log: the audit trail is the one record of what staff did there.

Django's admin writes a `LogEntry` (table django_admin_log) for every add, change and deletion,
with str() of the row (a patient's name) and the changed fields, and lists the user's latest on
the index ("Recent actions") and on each history page. That would be a second trail beside
`audit.AuditEvent`: unaudited when shown and keeping names after an erasure. Every admin of the
project derives from `WithoutAdminLog` (through `clinic.admin.AdminAuditMixin`), which writes
none and hands the audit trail the names of the fields a form changed; migration clinic/0010
deleted the rows written before about patient data.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString


class WithoutAdminLog(admin.ModelAdmin):
    """A model admin that writes no `LogEntry`: its history page shows none."""

    # Django ignores what these return; its stubs promise the LogEntry written.
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> None:  # type: ignore[override]
        return None

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> None:  # type: ignore[override]
        return None

    def log_deletions(self, request: HttpRequest, queryset: Any) -> list[Any]:
        return []

    def construct_change_message(  # type: ignore[override]
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[str]:
        """The names of the fields the form changed, never their values: what Django passes to
        `log_addition` and `log_change` (after a saved form or a password set), which the audit
        mixin records. No admin here has inline formsets, so the form's fields are all."""
        return list(form.changed_data)


def changed_fields_detail(fields: list[str]) -> str:
    """An audit event's detail for a saved admin form: the changed fields' names."""
    return "admin form: " + (", ".join(fields) or "nothing")


def audit_trail_link(object_type: str, object_id: Any) -> SafeString:
    """A sentence linking to the events of one object in the admin's audit trail."""
    query = urlencode({"object_type": object_type, "object_id": object_id})
    link = f"{reverse('admin:audit_auditevent_changelist')}?{query}"
    return format_html('Its history is in the <a href="{}">audit trail</a>.', link)
