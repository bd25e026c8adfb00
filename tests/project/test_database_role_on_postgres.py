"""The compose deployment's application role on a real PostgreSQL: it owns nothing, cannot drop,
disable or truncate past a trigger, may only insert and read audit events and update only the
mutable columns of stored results (whatever it tells the triggers), and the application works
as it. Each run prepares a database and a role of its own as docker-compose.yml does
(deploy/postgres/app-role.sql on the empty database, then the migrations as the owner; helpers
and the application slice in tests/database_role.py), and drops both at the end."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from reports.models import Report
from tests.database_role import (
    AUDIT_TABLE,
    MUTABLE_COLUMNS,
    Deployment,
    application_slice_as_role,
    as_owner,
    as_role,
    audit_changes_held,
    deployment_prepared,
    fresh_database,
    migrate,
    pgtrigger_triggers,
    role_script,
    table_privileges,
    trigger_ignored,
    updatable_columns,
)
from tests.services import require_service

pytestmark = pytest.mark.services

INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    """A database prepared as the compose deployment does, and its application role."""
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        f"the tests run on {connection.vendor}; set DATABASE_URL=postgres://...",
    )
    require_service("psql", shutil.which("psql") is not None, "psql runs app-role.sql")
    with deployment_prepared(os.environ["DATABASE_URL"]) as prepared:
        yield prepared


@pytest.fixture(scope="module")
def worked(deployment: Deployment) -> dict[str, Any]:
    """The application slice's outcome, run as the application role."""
    return application_slice_as_role(
        deployment, redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/10")
    )


def test_the_application_role_is_no_superuser_and_owns_nothing(deployment: Deployment) -> None:
    [attributes] = as_owner(
        deployment,
        "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
        f"FROM pg_roles WHERE rolname = '{deployment.role}'",
    )
    [[owned]] = as_owner(
        deployment,
        "SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid) "
        "+ (SELECT count(*) FROM pg_proc WHERE proowner = r.oid) "
        "+ (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid) "
        f"FROM pg_roles r WHERE rolname = '{deployment.role}'",
    )

    assert attributes == (True, False, False, False, False, False)
    assert owned == 0


def test_it_reads_and_writes_every_table_but_only_inserts_and_reads_audit_events(
    deployment: Deployment,
) -> None:
    privileges = table_privileges(deployment, deployment.database)

    assert privileges.pop(AUDIT_TABLE) == {"SELECT", "INSERT"}
    assert {name: privileges.pop(name) for name in MUTABLE_COLUMNS} == {
        name: {"SELECT", "INSERT", "DELETE"} for name in MUTABLE_COLUMNS
    }
    assert privileges
    assert privileges == {name: {"SELECT", "INSERT", "UPDATE", "DELETE"} for name in privileges}


def test_it_may_update_only_the_mutable_columns_of_stored_results(deployment: Deployment) -> None:
    assert updatable_columns(deployment, deployment.role) == MUTABLE_COLUMNS
    assert MUTABLE_COLUMNS["screening_screening"] >= {"reviewed_at", "reviewed_by_id"}
    assert MUTABLE_COLUMNS["screening_noterevision"] == set()


@pytest.mark.parametrize(
    "statement",
    [
        f"DROP TABLE {AUDIT_TABLE}",
        f"TRUNCATE {AUDIT_TABLE}",
        f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER ALL",
        f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER USER",
        "SET session_replication_role = replica",  # would skip every ordinary trigger
        "SET ROLE {owner}",  # would be the owner
        "CREATE TABLE public.scratch (id integer)",
        "CREATE TEMPORARY TABLE scratch (id integer)",
        "CREATE SCHEMA scratch",
    ],
)
def test_it_cannot_remove_or_go_around_the_audit_tables_protection(
    deployment: Deployment, statement: str
) -> None:
    refusal = as_role(deployment, statement.format(owner=deployment.owner))

    assert refusal is not None, statement
    assert refusal.startswith(INSUFFICIENT_PRIVILEGE), refusal


def test_it_cannot_drop_or_disable_any_trigger_that_keeps_records_read_only(
    deployment: Deployment,
) -> None:
    triggers = pgtrigger_triggers(deployment)

    for table, name in triggers:
        for statement in (
            f'DROP TRIGGER "{name}" ON {table}',
            f'ALTER TABLE {table} DISABLE TRIGGER "{name}"',
        ):
            refusal = as_role(deployment, statement)
            assert refusal is not None, statement
            assert refusal.startswith(INSUFFICIENT_PRIVILEGE), refusal
    assert {table for table, _name in triggers} >= {
        AUDIT_TABLE,
        "screening_intake",
        "screening_screening",
        "screening_noterevision",
    }


@pytest.mark.parametrize("ignored", [False, True], ids=["trigger", "pgtrigger.ignore"])
@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {AUDIT_TABLE} SET detail = 'x' WHERE id = (SELECT max(id) FROM {AUDIT_TABLE})",
        f"UPDATE {AUDIT_TABLE} SET hash = ''",
        f"DELETE FROM {AUDIT_TABLE} WHERE id = (SELECT max(id) FROM {AUDIT_TABLE})",
        f"DELETE FROM {AUDIT_TABLE}",
        f"TRUNCATE {AUDIT_TABLE}",
        f"INSERT INTO {AUDIT_TABLE} SELECT * FROM {AUDIT_TABLE} "
        "ON CONFLICT (id) DO UPDATE SET hash = ''",
        f"MERGE INTO {AUDIT_TABLE} AS e USING {AUDIT_TABLE} AS s ON e.id = s.id "
        "WHEN MATCHED THEN DELETE",
    ],
)
def test_it_cannot_change_or_delete_audit_events_even_telling_the_trigger_to_ignore_it(
    deployment: Deployment, worked: dict[str, Any], statement: str, ignored: bool
) -> None:
    # given a session that may have named the append-only trigger in `pgtrigger.ignore`
    ignore = [trigger_ignored(deployment, AUDIT_TABLE)] if ignored else []

    refusal = as_role(deployment, *ignore, statement)

    # then PostgreSQL refuses the privilege before any trigger runs
    assert refusal is not None, statement
    assert refusal.startswith(INSUFFICIENT_PRIVILEGE), refusal


def test_the_ignore_setting_does_skip_the_trigger_for_a_role_with_the_privileges(
    deployment: Deployment, worked: dict[str, Any]
) -> None:
    # given the owner, who keeps UPDATE and DELETE: what the grants hold against
    delete = f"DELETE FROM {AUDIT_TABLE}"

    refused = as_role(deployment, delete, owner=True)
    allowed = as_role(deployment, trigger_ignored(deployment, AUDIT_TABLE), delete, owner=True)

    assert refused is not None
    assert "pgtrigger: Cannot update or delete rows" in refused
    assert allowed is None


def test_nothing_of_the_owner_changes_audit_events_on_the_roles_behalf(
    deployment: Deployment,
) -> None:
    """Privileges hold against the invoker, not where an object acts as its owner: a rule or
    view over the table, a SECURITY DEFINER function, a foreign key's cascade."""
    [[rules, definers, cascades]] = as_owner(
        deployment,
        "SELECT (SELECT count(*) FROM pg_depend WHERE classid = 'pg_rewrite'::regclass "
        f"AND refobjid = '{AUDIT_TABLE}'::regclass), "
        "(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')), "
        "(SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
        f"AND conrelid = '{AUDIT_TABLE}'::regclass AND (confdeltype, confupdtype) <> ('a', 'a'))",
    )

    assert (rules, definers, cascades) == (0, 0, 0)


def test_the_audit_migration_takes_back_what_any_role_was_granted_on_the_trail(
    deployment: Deployment,
) -> None:
    # given grants beyond insert and read: a column's UPDATE to the role, the rest to everyone
    with psycopg.connect(deployment.url(as_owner=True)) as owner_connection:
        owner_connection.execute(f'GRANT UPDATE (detail) ON {AUDIT_TABLE} TO "{deployment.role}"')
        owner_connection.execute(f"GRANT DELETE, TRUNCATE ON {AUDIT_TABLE} TO PUBLIC")
    assert audit_changes_held(deployment, deployment.role) == {"UPDATE", "DELETE", "TRUNCATE"}

    # when the migration runs again (its reverse changes nothing)
    migrate(deployment, deployment.database, "audit", "0004")
    assert audit_changes_held(deployment, "public") == {"DELETE", "TRUNCATE"}
    migrate(deployment, deployment.database, "audit")

    assert audit_changes_held(deployment, deployment.role) == set()
    assert audit_changes_held(deployment, "public") == set()


STORED_COLUMN_CHANGES = [
    ("screening_intake", "UPDATE screening_intake SET source = 'changed'"),
    ("screening_intake", "UPDATE screening_intake SET document = '{}', document_sha256 = ''"),
    ("screening_intake", "UPDATE screening_intake SET patient_id = patient_id"),
    ("screening_screening", "UPDATE screening_screening SET overall = 'changed'"),
    ("screening_screening", "UPDATE screening_screening SET result_json = '', intake_sha256 = ''"),
    (
        "screening_screening",
        "INSERT INTO screening_screening SELECT * FROM screening_screening "
        "ON CONFLICT (id) DO UPDATE SET refer_first = NOT screening_screening.refer_first",
    ),
    (
        "screening_screening",
        "MERGE INTO screening_screening AS s USING screening_screening AS o ON s.id = o.id "
        "WHEN MATCHED THEN UPDATE SET pattern_codes = ''",
    ),
    ("screening_noterevision", "UPDATE screening_noterevision SET notes = 'changed'"),
    ("screening_noterevision", "UPDATE screening_noterevision SET reviewed = reviewed"),
]


@pytest.mark.parametrize("ignored", [False, True], ids=["trigger", "pgtrigger.ignore"])
@pytest.mark.parametrize(("table", "statement"), STORED_COLUMN_CHANGES)
def test_it_cannot_change_stored_columns_even_telling_the_read_only_trigger_to_ignore_it(
    deployment: Deployment, worked: dict[str, Any], table: str, statement: str, ignored: bool
) -> None:
    # given stored rows, and a session that may have named the read-only trigger in
    # `pgtrigger.ignore`
    [[rows]] = as_owner(deployment, f"SELECT count(*) FROM {table}")
    assert rows > 0
    ignore = [trigger_ignored(deployment, table, "read_only")] if ignored else []

    refusal = as_role(deployment, *ignore, statement)

    # then PostgreSQL refuses the privilege before any trigger runs
    assert refusal is not None, statement
    assert refusal.startswith(INSUFFICIENT_PRIVILEGE), refusal


@pytest.mark.parametrize("ignored", [False, True], ids=["trigger", "pgtrigger.ignore"])
@pytest.mark.parametrize(
    ("table", "statement"),
    [
        (
            "screening_screening",
            "UPDATE screening_screening SET practitioner_notes = 'Seen.', reviewed_at = now(), "
            "reviewed_by_id = NULL, alarm_ack_note = '', entered_in_error = true",
        ),
        (
            "screening_intake",
            "UPDATE screening_intake SET entered_in_error_at = now(), "
            "entered_in_error_reason = 'Duplicate.'",
        ),
    ],
)
def test_it_may_change_the_review_and_mark_columns_with_or_without_the_trigger(
    deployment: Deployment, worked: dict[str, Any], table: str, statement: str, ignored: bool
) -> None:
    ignore = [trigger_ignored(deployment, table, "read_only")] if ignored else []

    assert as_role(deployment, *ignore, statement, f"SELECT 1 FROM {table} FOR UPDATE") is None


def test_the_ignore_setting_does_skip_the_read_only_trigger_for_a_role_with_the_privileges(
    deployment: Deployment, worked: dict[str, Any]
) -> None:
    # given the owner, who keeps UPDATE of every column: what the column grants hold against
    change = "UPDATE screening_intake SET source = 'changed'"

    refused = as_role(deployment, change, owner=True)
    allowed = as_role(
        deployment, trigger_ignored(deployment, "screening_intake", "read_only"), change, owner=True
    )

    assert refused is not None
    assert "pgtrigger: Cannot update rows" in refused
    assert allowed is None


def test_the_screening_migration_gives_every_role_update_of_the_mutable_columns_only(
    deployment: Deployment,
) -> None:
    # given UPDATE of the whole table granted again, to the role and to everyone
    with psycopg.connect(deployment.url(as_owner=True)) as owner_connection:
        for table in MUTABLE_COLUMNS:
            owner_connection.execute(f'GRANT UPDATE ON {table} TO "{deployment.role}", PUBLIC')
    assert all(
        columns > MUTABLE_COLUMNS[table]
        for table, columns in updatable_columns(deployment, "public").items()
    )

    # when the migration runs again (its reverse changes nothing)
    migrate(deployment, deployment.database, "screening", "0005")
    migrate(deployment, deployment.database, "screening")

    # then each holds UPDATE of the mutable columns only (of a note revision, none)
    assert updatable_columns(deployment, deployment.role) == MUTABLE_COLUMNS
    assert updatable_columns(deployment, "public") == MUTABLE_COLUMNS


def test_the_application_works_as_that_role(deployment: Deployment, worked: dict[str, Any]) -> None:
    assert worked["connected_as"] == deployment.role
    assert worked["sign_in"] == 302
    assert worked["list"] == 200
    assert worked["reports"] == [Report.Status.READY]
    assert worked["acknowledged"] is True
    assert worked["reviewed"] is True
    assert worked["erased"]["patient_left"] is False
    assert worked["erased"]["counts"]["screenings"] == 1
    assert worked["erased"]["counts"]["note revisions"] == 1
    assert worked["entered_in_error"] == [True, True]
    assert {"update", "read", "sign_in", "list", "erase"} <= set(worked["actions"])
    count = len(worked["actions"])
    assert worked["audit_verify"] == f"ok: {count} audit events checked"


def test_running_the_script_again_on_an_existing_deployment_grants_its_tables(
    deployment: Deployment,
) -> None:
    # given a deployment migrated before the role existed (an existing data volume)
    with fresh_database(deployment.server_url, f"{deployment.database}_existing") as existing:
        migrate(deployment, existing)
        # when the script runs by hand, twice
        role_script(deployment, existing)
        role_script(deployment, existing)
        privileges = table_privileges(deployment, existing)
        with psycopg.connect(deployment.url(database=existing)) as role_connection:
            [[events]] = role_connection.execute(f"SELECT count(*) FROM {AUDIT_TABLE}").fetchall()
        # then the role reads and writes every table that was already there but the audit
        # trail, which it may only insert into and read, and no more
        assert privileges.pop(AUDIT_TABLE) == {"SELECT", "INSERT"}
        assert {name: privileges.pop(name) for name in MUTABLE_COLUMNS} == {
            name: {"SELECT", "INSERT", "DELETE"} for name in MUTABLE_COLUMNS
        }
        assert privileges
        assert set(map(frozenset, privileges.values())) == {
            frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
        }
        # and of stored results only the columns that the migration grants (screening/models.py)
        assert updatable_columns(deployment, deployment.role, database=existing) == MUTABLE_COLUMNS
        assert events == 0
