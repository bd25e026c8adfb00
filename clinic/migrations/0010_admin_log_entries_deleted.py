"""Delete the admin's own log (django_admin_log) about patient data: the audit trail is the record.

Its rows kept str() of what staff added or changed in the admin (a patient's name) and were shown,
unaudited, on the admin's index; the admin writes none any more (`clinic.admin_log`). Only the
rows about patient data go: those of the models below, whatever app owned them when the row
was written (some models moved between the project's apps). The others (clinics, staff, their
privileges, API clients, groups) stay: they are the only history of changes made before the
audit trail recorded them.
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

PROJECT_APPS = ("clinic", "audit", "screening", "reports", "webhooks", "notifications", "api")
# The models whose rows (and so whose log entries: their str(), the changed fields) are about
# a patient. A webhook delivery carries a screening's event.
PATIENT_DATA_MODELS = (
    "patient",
    "invitation",
    "intake",
    "screening",
    "noterevision",
    "report",
    "alarmnotice",
    "webhookdelivery",
)


def admin_log_entries_delete(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("admin", "LogEntry").objects.filter(
        content_type__app_label__in=PROJECT_APPS, content_type__model__in=PATIENT_DATA_MODELS
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0009_clinic_retention_days"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # Nothing to put back: the deleted rows are not kept anywhere.
        migrations.RunPython(admin_log_entries_delete, migrations.RunPython.noop, elidable=True),
    ]
