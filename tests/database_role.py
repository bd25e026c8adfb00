"""The compose deployment's database, prepared and probed for tests: its application role
(deploy/postgres/app-role.sql), the migrations as the owner, statements run as either, and the
slice of the application that runs as the role."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.celery import app as celery_app
from clinic.models import Patient, User
from clinic.services import patient_create
from reports.models import Report
from screening.erasure import ErasureReason, patient_erase
from screening.models import (
    INTAKE_MUTABLE_FIELDS,
    SCREENING_MUTABLE_FIELDS,
    AlarmAction,
    Intake,
    NoteRevision,
    Screening,
)
from screening.samples import sample_document
from screening.services import (
    intake_mark_entered_in_error,
    intake_submit,
    screening_acknowledge_alarm,
    screening_review,
)
from tests.factories import PatientFactory, UserFactory

ROOT = Path(__file__).resolve().parents[1]
ROLE_SQL = ROOT / "deploy" / "postgres" / "app-role.sql"
AUDIT_TABLE = AuditEvent._meta.db_table
# The stored results' tables and the only columns of each that may change (screening/models.py).
MUTABLE_COLUMNS = {
    model._meta.db_table: {model._meta.get_field(name).column for name in mutable}
    for model, mutable in (
        (Intake, INTAKE_MUTABLE_FIELDS),
        (Screening, SCREENING_MUTABLE_FIELDS),
        (NoteRevision, []),
    )
}


@dataclass(frozen=True)
class Deployment:
    server_url: str  # the owner's, to the server's maintenance database
    owner: str
    role: str
    role_password: str
    database: str

    def url(self, *, database: str | None = None, as_owner: bool = False) -> str:
        parts = urlsplit(self.server_url)
        host = parts.netloc.rpartition("@")[2]
        owner_info = parts.netloc.rpartition("@")[0]
        userinfo = owner_info if as_owner else f"{self.role}:{quote(self.role_password, safe='')}"
        return parts._replace(
            netloc=f"{userinfo}@{host}" if userinfo else host,
            path="/" + (database or self.database),
        ).geturl()


def run(command: list[str], *, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def role_script(deployment: Deployment, database: str) -> None:
    """deploy/postgres/app-role.sql through psql, as create-app-role.sh runs it."""
    run(
        [
            "psql",
            "--no-psqlrc",
            "--quiet",
            f"--dbname={deployment.url(database=database, as_owner=True)}",
            f"--set=app_role={deployment.role}",
            f"--set=owner_role={deployment.owner}",
            f"--set=database={database}",
            f"--file={ROLE_SQL}",
        ],
        env={"APP_DB_PASSWORD": deployment.role_password},
    )


def migrate(deployment: Deployment, database: str, *target: str) -> None:
    """The compose `migrate` job: the migrations as the owner."""
    run(
        [sys.executable, "manage.py", "migrate", "--noinput", *target],
        env={"DEBUG": "true", "DATABASE_URL": deployment.url(database=database, as_owner=True)},
    )


@contextmanager
def deployment_prepared(database_url: str) -> Iterator[Deployment]:
    """A database and an application role of their own on the server of `database_url`, named
    after its database, prepared in the order of a first `docker compose up`: the initdb
    script, then migrate. Both are dropped at the end."""
    # The server, through its maintenance database (the run's own may not exist).
    server_url = urlsplit(database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(server_url, autocommit=True) as admin:
        owner = str(admin.execute("SELECT current_user").fetchone()[0])  # type: ignore[index]
    suffix = secrets.token_hex(4)
    prepared = Deployment(
        server_url=server_url,
        owner=owner,
        role=f"h_dbrole_app_{suffix}",
        role_password=secrets.token_urlsafe(24),
        database=f"{urlsplit(database_url).path.lstrip('/')}_role_{suffix}",
    )
    try:
        with fresh_database(server_url, prepared.database):
            role_script(prepared, prepared.database)
            migrate(prepared, prepared.database)
            yield prepared
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP ROLE IF EXISTS "{prepared.role}"')


@contextmanager
def fresh_database(server_url: str, name: str) -> Iterator[str]:
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def as_role(deployment: Deployment, *statements: str, owner: bool = False) -> str | None:
    """PostgreSQL's refusal of `statements` run in one transaction as the application role (or
    the owner) (SQLSTATE and message), or None when they were allowed. Rolled back either way."""
    with psycopg.connect(deployment.url(as_owner=owner)) as role_connection:
        try:
            for statement in statements:
                role_connection.execute(statement)
        except psycopg.Error as error:
            return f"{error.sqlstate} {error}"
        finally:
            role_connection.rollback()
    return None


def as_owner(deployment: Deployment, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(deployment.url(as_owner=True)) as owner_connection:
        return owner_connection.execute(sql).fetchall()


def table_privileges(deployment: Deployment, database: str) -> dict[str, set[str]]:
    """Each table of the public schema with the privileges the application role holds on it."""
    privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    checks = ", ".join(f"has_table_privilege(%s, c.oid, '{each}')" for each in privileges)
    with psycopg.connect(deployment.url(database=database, as_owner=True)) as owner_connection:
        rows = owner_connection.execute(
            f"SELECT c.relname, {checks} FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'",
            [deployment.role] * len(privileges),
        ).fetchall()
    return {
        name: {each for each, held in zip(privileges, flags, strict=True) if held}
        for name, *flags in rows
    }


def audit_changes_held(deployment: Deployment, grantee: str) -> set[str]:
    """Which of UPDATE (of any column), DELETE and TRUNCATE `grantee` holds on the audit table."""
    checks = (
        ("has_any_column_privilege", "UPDATE"),
        *(("has_table_privilege", each) for each in ("DELETE", "TRUNCATE")),
    )
    [flags] = as_owner(
        deployment,
        "SELECT "
        + ", ".join(f"{check}('{grantee}', '{AUDIT_TABLE}', '{each}')" for check, each in checks),
    )
    return {each for (_check, each), held in zip(checks, flags, strict=True) if held}


def updatable_columns(
    deployment: Deployment, grantee: str, *, database: str | None = None
) -> dict[str, set[str]]:
    """Each stored results' table with the columns `grantee` may UPDATE (a table grant: all)."""
    with psycopg.connect(deployment.url(database=database, as_owner=True)) as owner_connection:
        rows = owner_connection.execute(
            "SELECT c.relname, a.attname FROM pg_class c "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE c.relname = ANY(%s) AND has_column_privilege(%s, c.oid, a.attnum, 'UPDATE')",
            [list(MUTABLE_COLUMNS), grantee],
        ).fetchall()
    columns: dict[str, set[str]] = {table: set() for table in MUTABLE_COLUMNS}
    for table, column in rows:
        columns[table].add(column)
    return columns


def trigger_ignored(deployment: Deployment, table: str, kind: str = "") -> str:
    """The statement that tells django-pgtrigger to skip the trigger of `table` (named `kind`),
    in the session's transaction: a setting any role may set."""
    [name] = [name for on, name in pgtrigger_triggers(deployment) if on == table and kind in name]
    return f"SELECT set_config('pgtrigger.ignore', '{{{name}}}', true)"


def pgtrigger_triggers(deployment: Deployment) -> list[tuple[str, str]]:
    return [
        (str(table), str(name))
        for table, name in as_owner(
            deployment,
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE tgname LIKE 'pgtrigger_%' ORDER BY 1, 2",
        )
    ]


PASSWORD = "correct-horse-battery"  # the factories' staff password
PATIENT_FIELDS = ("external_id", "given_name", "family_name", "birth_date")


def application_slice_as_role(deployment: Deployment, *, redis_url: str) -> dict[str, Any]:
    """The outcome of `application_slice`, run in a child process connected as the role."""
    code = (
        "import django, json; django.setup(); "
        "from tests.database_role import application_slice; "
        "print(json.dumps(application_slice()))"
    )
    completed = run(
        [sys.executable, "-c", code],
        env={
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": deployment.url(),
            "REDIS_URL": redis_url,
        },
    )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def synthetic_patient(user: User) -> Patient:
    built = PatientFactory.build()
    return patient_create(
        clinic=user.clinic, **{name: getattr(built, name) for name in PATIENT_FIELDS}
    )


def application_slice() -> dict[str, Any]:
    """What web, worker and beat do with the database (run in the child process as the role):
    every write to stored results (review, acknowledgement, entered in error, erasure)."""
    setup_test_environment()  # the test client's host and the in-memory mail outbox
    practitioner = UserFactory(clinic__slug="role-check")
    clinic = practitioner.clinic
    screening = intake_submit(patient=synthetic_patient(practitioner), document=sample_document())
    screening_review(screening=screening, user=practitioner, notes="Discussed.", reviewed=False)
    # a second patient's screening with alarm features: acknowledged, reviewed, then erased
    alarmed = intake_submit(
        patient=synthetic_patient(practitioner),
        document=sample_document(answers={"red_flags.anaemia": True}),
    )
    screening_acknowledge_alarm(
        screening=alarmed, user=practitioner, action=AlarmAction.OTHER, note="Phoned."
    )
    screening_review(screening=alarmed, user=practitioner, notes="Referred.", reviewed=True)
    alarmed.refresh_from_db()
    erasure = patient_erase(
        patient=alarmed.patient,
        reason=ErasureReason.RECORDED_IN_ERROR,
        by_user=UserFactory(clinic=clinic, role=User.Role.CLINIC_ADMIN),
    )
    intake_mark_entered_in_error(intake=screening.intake, user=practitioner, reason="Test entry.")
    audit_record(
        clinic=clinic,
        user=practitioner,
        action="read",
        object_type="screening",
        object_id=screening.pk,
    )
    client = Client(REMOTE_ADDR="203.0.113.9")
    signed_in = client.post(
        reverse("login"), {"username": practitioner.username, "password": PASSWORD}
    )
    listed = client.get(reverse("api:patient-list"))
    for report_id in Report.objects.values_list("pk", flat=True):
        celery_app.tasks["reports.tasks.report_render_task"](report_id)
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        celery_app.tasks[entry["task"]]()
    verified = StringIO()
    call_command("audit_verify", stdout=verified)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        [connected_as] = cursor.fetchone()
    return {
        "connected_as": connected_as,
        "acknowledged": alarmed.alarm_ack_at is not None,
        "reviewed": alarmed.reviewed_at is not None,
        "erased": {
            "counts": erasure.counts,
            "patient_left": Patient.objects.filter(pk=erasure.patient_id).exists(),
        },
        "entered_in_error": [
            Intake.objects.get(pk=screening.intake_id).entered_in_error_at is not None,
            Screening.objects.get(pk=screening.pk).entered_in_error,
        ],
        "sign_in": signed_in.status_code,
        "list": listed.status_code,
        "reports": list(Report.objects.values_list("status", flat=True)),
        "actions": list(AuditEvent.objects.order_by("id").values_list("action", flat=True)),
        "audit_verify": verified.getvalue().strip(),
    }
