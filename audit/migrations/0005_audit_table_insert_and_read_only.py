"""Only the audit table's owner may UPDATE, DELETE or TRUNCATE its rows (PostgreSQL).

The append-only trigger (0002) is django-pgtrigger's, and a pgtrigger trigger skips itself when
the session setting `pgtrigger.ignore` names it: any role may run
`SELECT set_config('pgtrigger.ignore', '{pgtrigger_append_only_...}', true)` and then change or
delete audit events. The trigger alone does not hold the trail against the application's role.
The application never needs those privileges on this table: `audit_record` INSERTs (`INSERT ...
SELECT ... ON CONFLICT DO NOTHING RETURNING`, no row lock), and the API, the dashboard, the admin,
the exports and `audit_verify` SELECT. So every role but the owner loses UPDATE, DELETE and
TRUNCATE here (table and column grants, and what was granted on from them: CASCADE); PostgreSQL
then refuses the statement before any trigger runs, whatever the session's settings. The
compose deployment's role script (deploy/postgres/app-role.sql) revokes the same when it runs
after this migration; its default privileges grant them again to a table created later, so a
migration that recreates this table must revoke them again.

Reversing leaves the privileges as they are: granting them back would reopen the gap, and the
owner never lost them. SQLite has no roles: nothing to do there.
"""

from django.db import migrations

# The table's name when this migration was written (AuditEvent.Meta.db_table), resolved in the
# search path as Django created it; `format` quotes every name.
REVOKE_FROM_ALL_BUT_THE_OWNER = """
DO $revoke$
DECLARE
    audit_table regclass := to_regclass('clinic_auditevent');
    holder text;
BEGIN
    IF audit_table IS NULL THEN
        RETURN;
    END IF;
    FOR holder IN
        SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                             ELSE format('%I', pg_get_userbyid(acl.grantee)) END
        FROM pg_class AS c
        CROSS JOIN LATERAL aclexplode(c.relacl) AS acl
        WHERE c.oid = audit_table
          AND acl.grantee <> c.relowner
          AND acl.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
        UNION
        SELECT CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                    ELSE format('%I', pg_get_userbyid(acl.grantee)) END
        FROM pg_attribute AS a
        JOIN pg_class AS c ON c.oid = a.attrelid
        CROSS JOIN LATERAL aclexplode(a.attacl) AS acl
        WHERE a.attrelid = audit_table
          AND acl.grantee <> c.relowner
          AND acl.privilege_type = 'UPDATE'
    LOOP
        -- A table privilege's REVOKE takes the same privilege on each column with it.
        EXECUTE format(
            'REVOKE UPDATE, DELETE, TRUNCATE ON TABLE %s FROM %s CASCADE', audit_table, holder
        );
    END LOOP;
END
$revoke$;
"""


def audit_table_changes_revoke(apps, schema_editor):
    """Revoke UPDATE, DELETE and TRUNCATE on the audit table from every role but its owner.

    Hand-written: privileges are no ORM concept; one DO block, PostgreSQL only.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    # No parameters: the statement's `%` are format()'s, not placeholders.
    schema_editor.execute(REVOKE_FROM_ALL_BUT_THE_OWNER, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_auditevent_erase_action"),
    ]

    operations = [
        migrations.RunPython(audit_table_changes_revoke, migrations.RunPython.noop, elidable=False),
    ]
