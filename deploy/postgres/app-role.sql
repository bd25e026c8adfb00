-- The application's database role: reads and writes rows, owns nothing.
--
-- Run by psql (15 or later) as the owner of the database's tables (the role `migrate` connects
-- as), with the password in the environment (APP_DB_PASSWORD, kept off the command line) and
--   --set app_role=clinic_app --set owner_role=clinic --set database=clinic
-- by `create-app-role.sh` when the db container first initialises its data volume, by hand on
-- an existing deployment (README, Deployment), and by tests/project/
-- test_database_role_on_postgres.py. Running it again changes nothing but the password.
--
-- The role is no superuser and owns no table, trigger or function, so it cannot DROP or ALTER
-- them (nor DISABLE TRIGGER, nor SET session_replication_role); without the TRUNCATE privilege
-- it cannot empty a table past the row triggers. On the audit trail (clinic_auditevent) it
-- may only INSERT and SELECT: a django-pgtrigger trigger skips itself for a session that names
-- it in `pgtrigger.ignore`, a setting any role may set, so without UPDATE and DELETE on that
-- table PostgreSQL refuses them before the trigger runs (audit migration 0005 revokes them too,
-- for a database whose script ran before the table existed). For the same reason it may UPDATE
-- only the mutable columns of stored intakes, screenings and note revisions (the review,
-- acknowledgement and entered-in-error columns; of a note revision none): the columns that
-- their read-only trigger (`pgtrigger_stored_columns_read_only_*`, compiled from the lists in
-- screening/models.py) does not watch; screening migration 0006 grants the same. It needs no
-- more at run time: the audit chain's INSERT ... SELECT ... ON CONFLICT DO NOTHING (it locks no
-- audit row), the services' SELECT ... FOR UPDATE on other tables and of stored intakes (one
-- updatable column is enough), and `SET LOCAL synchronous_commit` (a user setting) are open to
-- it; django-axes, sessions and the Celery tasks only use rows.

\set ON_ERROR_STOP on
\getenv app_password APP_DB_PASSWORD
\if :{?app_password}
SELECT :'app_password' = '' AS password_missing \gset
\else
\set password_missing true
\endif
\if :password_missing
DO $$ BEGIN RAISE EXCEPTION 'set APP_DB_PASSWORD: the application role needs a password'; END $$;
\endif

-- A role is cluster-wide: create it once, then (again) set every attribute and the password.
SELECT format('CREATE ROLE %I', :'app_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec

ALTER ROLE :"app_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION
    NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD :'app_password';

-- Nobody but the owner creates objects, and only the roles granted below connect.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app_role";
GRANT USAGE ON SCHEMA public TO :"app_role";

-- One transaction: a session of the role never sees the table grants before the revokes below.
BEGIN;

-- Tables and sequences that exist already (an existing deployment) ...
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";

-- ... and those every later migration creates as the owner.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";

-- The audit trail is insert and read only, also after the GRANT above on an existing
-- deployment (a new database has no such table yet: its migration revokes the same).
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON TABLE %s FROM %I', audit_table, :'app_role')
FROM to_regclass('public.clinic_auditevent') AS audit_table
WHERE audit_table IS NOT NULL \gexec

-- Stored results: UPDATE of the columns that the table's read-only trigger does not watch,
-- never of the table, also after the GRANT above (a new database has no such table yet: screening
-- migration 0006 restricts the same). The trigger's WHEN clause compares each stored column
-- (PostgreSQL records a dependency on each); one that compares the whole row (OLD.*, a note
-- revision) depends on no column, and then no column may change. REVOKE on the table takes the
-- role's column privileges with it, so running this again grants the same.
SELECT format('REVOKE UPDATE ON TABLE %s FROM %I', t.tgrelid::regclass, :'app_role')
FROM pg_trigger AS t
WHERE t.tgname LIKE 'pgtrigger\_stored\_columns\_read\_only\_%' \gexec

SELECT format(
    'GRANT UPDATE (%s) ON TABLE %s TO %I',
    string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum), t.tgrelid::regclass, :'app_role'
)
FROM pg_trigger AS t
JOIN pg_attribute AS a ON a.attrelid = t.tgrelid AND a.attnum > 0 AND NOT a.attisdropped
WHERE t.tgname LIKE 'pgtrigger\_stored\_columns\_read\_only\_%'
  AND NOT EXISTS (
      SELECT FROM pg_depend AS d
      WHERE d.classid = 'pg_trigger'::regclass AND d.objid = t.oid
        AND d.refclassid = 'pg_class'::regclass AND d.refobjid = t.tgrelid
        AND d.refobjsubid = a.attnum
  )
  AND EXISTS (
      SELECT FROM pg_depend AS d
      WHERE d.classid = 'pg_trigger'::regclass AND d.objid = t.oid
        AND d.refclassid = 'pg_class'::regclass AND d.refobjid = t.tgrelid
        AND d.refobjsubid > 0
  )
GROUP BY t.oid, t.tgrelid \gexec

COMMIT;
