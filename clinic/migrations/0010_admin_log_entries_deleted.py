"""Delete the admin's own log (django_admin_log): the audit trail is the one record.

Its rows kept str() of what staff added or changed in the admin (a patient's name) and were shown,
unaudited, on the admin's index; the admin writes none any more (`clinic.admin_log`).
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def admin_log_entries_delete(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("admin", "LogEntry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0009_clinic_retention_days"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        # Nothing to put back: the deleted rows are not kept anywhere.
        migrations.RunPython(admin_log_entries_delete, migrations.RunPython.noop, elidable=True),
    ]
