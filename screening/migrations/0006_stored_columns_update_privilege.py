"""Roles but the owner may UPDATE only the mutable columns of stored results (PostgreSQL).

The read-only triggers (`stored_columns_read_only`) are django-pgtrigger's, and a pgtrigger
trigger skips itself when the session setting `pgtrigger.ignore` names it: any role may run
`SELECT set_config('pgtrigger.ignore', '{pgtrigger_stored_columns_read_only_...}', true)` and
then change a stored intake, result or note revision. The privileges hold where the trigger does
not: every role but a table's owner that holds UPDATE on it (of the table or of any column,
PUBLIC too) loses UPDATE on the table (and what it granted on: CASCADE) and is granted UPDATE on
the mutable columns only: the intake's entered-in-error mark, the screening's review,
acknowledgement and copied mark; of a note revision, none. PostgreSQL then refuses an UPDATE of
any other column before a trigger runs. SELECT ... FOR UPDATE needs UPDATE of one column, so
intakes and screenings can still be locked; nothing locks a note revision. INSERT, SELECT and
DELETE stay (a patient's erasure deletes the rows, through its audited path).

The mutable fields are imported from screening.models: the one list, that the triggers are
compiled from too (written out here it could drift from them); the historical models give
their columns (a foreign key's ends in `_id`). A field not in the model at this migration's
state is skipped, so that replaying it stays possible after the list grows: the migration
that adds a mutable field (or that changes the lists) must grant again, e.g. with a RunPython
of `stored_columns_update_restrict`. The compose deployment's role script
(deploy/postgres/app-role.sql) does the same when it runs again, deriving the columns from the
read-only triggers in the database; its default privileges grant UPDATE on a table created
later, so a migration that recreates one of these tables must restrict it again.

Reversing leaves the privileges as they are: granting the table back would reopen the gap, and
the owner never lost it. SQLite has no roles: nothing to do there.
"""

from django.db import migrations

from screening.models import INTAKE_MUTABLE_FIELDS, SCREENING_MUTABLE_FIELDS

MUTABLE_FIELDS = {
    "Intake": INTAKE_MUTABLE_FIELDS,
    "Screening": SCREENING_MUTABLE_FIELDS,
    "NoteRevision": [],  # results_immutable(mutable=[])
}

# Each role but the owner holding UPDATE on the table or on one of its columns, quoted by
# format(); PUBLIC is grantee 0.
UPDATE_HOLDERS = """
SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                     ELSE format('%%I', pg_get_userbyid(acl.grantee)) END
FROM pg_class AS c
CROSS JOIN LATERAL aclexplode(c.relacl) AS acl
WHERE c.oid = to_regclass(%(table)s)
  AND acl.grantee <> c.relowner
  AND acl.privilege_type = 'UPDATE'
UNION
SELECT CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
            ELSE format('%%I', pg_get_userbyid(acl.grantee)) END
FROM pg_attribute AS a
JOIN pg_class AS c ON c.oid = a.attrelid
CROSS JOIN LATERAL aclexplode(a.attacl) AS acl
WHERE a.attrelid = to_regclass(%(table)s)
  AND acl.grantee <> c.relowner
  AND acl.privilege_type = 'UPDATE'
"""


def stored_columns_update_restrict(apps, schema_editor):
    """Give every role but the owner UPDATE of the mutable columns of stored results only.

    Hand-written: privileges are no ORM concept; one catalogue query and the REVOKE and GRANT
    statements per holder, PostgreSQL only.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for model_name, mutable in MUTABLE_FIELDS.items():
        options = apps.get_model("screening", model_name)._meta
        table = quote(options.db_table)
        present = {field.name for field in options.get_fields()}
        columns = ", ".join(
            quote(options.get_field(name).column) for name in mutable if name in present
        )
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(UPDATE_HOLDERS, {"table": table})
            holders = sorted(holder for (holder,) in cursor.fetchall())
        for holder in holders:
            # A table privilege's REVOKE takes the same privilege on each column with it.
            # No parameters: a `%` in a quoted name is no placeholder.
            schema_editor.execute(
                f"REVOKE UPDATE ON TABLE {table} FROM {holder} CASCADE", params=None
            )
            if columns:
                schema_editor.execute(
                    f"GRANT UPDATE ({columns}) ON TABLE {table} TO {holder}", params=None
                )


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0005_erasure_deletes_rows"),
    ]

    operations = [
        migrations.RunPython(
            stored_columns_update_restrict, migrations.RunPython.noop, elidable=False
        ),
    ]
