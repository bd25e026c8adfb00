"""On PostgreSQL two writers that read the same chain head cannot fork the chain."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.chain import CHAINED_FIELDS
from audit.services import audit_record, chain_insert
from clinic.models import Clinic, User

# Committed rows only: the two writers are two connections, as two requests would be.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


def other_connection() -> psycopg.Connection:
    return psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=connection.settings_dict["HOST"] or None,
        port=connection.settings_dict["PORT"] or None,
        user=connection.settings_dict["USER"] or None,
    )


def test_a_writer_that_read_a_stale_head_links_after_the_concurrent_event(
    clinic_a: Clinic, practitioner: User, capsys: pytest.CaptureFixture[str]
) -> None:
    # given another transaction that linked an event to the empty chain, not yet committed
    fields = dict.fromkeys(CHAINED_FIELDS, "")
    fields.update(clinic_id=clinic_a.pk, user_id=None, api_client_id=None, at=timezone.now())
    with other_connection() as other:
        [(_, other_previous, other_hash)] = other.execute(
            *chain_insert(connection, fields)
        ).fetchall()
        threading.Timer(0.5, other.commit).start()
        # when this connection links an event meanwhile (it waits for the other to end)
        event = audit_record(clinic=clinic_a, user=practitioner, action="read", object_type="x")
    # then it follows the other's event: one chain, not two
    assert other_previous == ""
    assert event is not None and event.previous_hash == other_hash
    call_command("audit_verify")
    assert "ok: 2 audit events checked" in capsys.readouterr().out
