"""The audit trail's one entry point: who read or changed which patient data, when, from where."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest
from django.utils import timezone

from audit.chain import CHAINED_FIELDS, canonical_text
from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, User
from clinic.request_origin import client_address

# The request being answered, set by `audit.middleware.AuditOriginMiddleware`: events written
# while answering it name its address and user agent without every caller passing it.
current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)

USER_AGENT_LENGTH = 200


def audit_record(
    *,
    clinic: Clinic | int | None,
    action: str,
    object_type: str,
    object_id: Any = "",
    object_ids: Iterable[Any] | None = None,
    user: User | None = None,
    api_client: ApiClient | None = None,
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent | None:
    """Record one read or write of patient data: the one way into the audit trail.

    Callers pass ids, never patient data. `object_ids`: the rows a list (or a read of several)
    showed, named compactly in the detail (`25 rows: ids 120-96`), so the event's cost does not
    grow with the page; nothing is recorded for an empty list. A write's event commits with
    the write. A read's event is a transaction of its own, committed before the response leaves
    (see `read_event_save`).

    From where: the address and user agent of `request`, or of the request being answered.
    `clinic` is None only for sign-in events of no clinic. The event is linked into its
    clinic's hash chain (`event_chain`).
    """
    if object_ids is not None:
        ids = [int(each) for each in object_ids]
        if not ids:
            return None
        if action == AuditEvent.Action.LIST or len(ids) > 1:
            object_id, detail = "", (detail + " " if detail else "") + ids_in_words(ids)
        else:
            object_id = ids[0]
    address, user_agent = request_origin(request or current_request.get())
    event = AuditEvent(
        clinic_id=clinic.pk if isinstance(clinic, Clinic) else clinic,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        user=user if user is not None and user.is_authenticated else None,
        api_client=api_client,
        detail=detail[:DETAIL_LENGTH],
        address=address,
        user_agent=user_agent,
    )
    if action in READ_ACTIONS and settings.AUDIT_READS_ASYNCHRONOUS_COMMIT:
        read_event_save(event)
    else:
        event_chain(event)
    return event


def request_origin(request: HttpRequest | None) -> tuple[str, str]:
    """The client address (read through the trusted proxies: `clinic.request_origin`) and the
    user agent, cut."""
    if request is None:
        return "", ""
    try:
        address = str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        address = ""
    return address, str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_LENGTH]


def event_chain(
    event: AuditEvent, using: str | None = None, *, asynchronous_commit: bool = False
) -> None:
    """Save the event as the newest link of its clinic's chain, in one INSERT.

    The INSERT reads the chain's head and hashes it with the event's canonical text in the
    database (`audit.chain`; the text is split around the previous hash), so linking costs no
    round trip of its own. The chain cannot fork: a unique index holds one successor per hash
    in a clinic (`audit_chain_unforked`). Two concurrent writers reading the same head both
    insert; the second waits for the first to end and, if it committed, inserts nothing (`ON
    CONFLICT DO NOTHING`, no error to abort its transaction) and tries again with the new head.
    The chain's order is the order of ids within a clinic.

    Hand-written because the ORM way (lock the head with `select_for_update`, hash in Python,
    `save()`) adds three round trips (BEGIN, SELECT ... FOR UPDATE, COMMIT) to the audit event
    of every API read; this statement adds none: one list request (page of 25, PostgreSQL,
    one process, 300 requests) measured 3.6-3.9 ms with it against 3.84-3.90 ms for a plain
    `save()` without a chain, and the statement counts pinned by the tests are unchanged.
    """
    alias = using or router.db_for_write(AuditEvent)
    connection = connections[alias]
    for _ in range(CHAIN_ATTEMPTS):
        event.at = timezone.now()
        fields = {name: getattr(event, name) for name in CHAINED_FIELDS}
        with connection.cursor() as cursor:
            cursor.execute(
                *chain_insert(connection, fields, asynchronous_commit=asynchronous_commit)
            )
            linked = cursor.fetchone()
        if linked is not None:
            event.pk, event.previous_hash, event.hash = linked
            event._state.adding = False
            event._state.db = alias
            return
    raise RuntimeError(f"audit chain of clinic {event.clinic_id}: no link after {CHAIN_ATTEMPTS}")


# Each failed attempt means another writer linked an event: some writer always progresses.
CHAIN_ATTEMPTS = 100


def chain_insert(
    connection: BaseDatabaseWrapper, fields: dict[str, Any], *, asynchronous_commit: bool = False
) -> tuple[str, list[Any]]:
    """The INSERT that links one event after its chain's head, and its parameters.

    `asynchronous_commit` (PostgreSQL, a statement that is its own transaction): the statement
    sets `synchronous_commit` off for its own transaction (`read_event_save`).
    """
    before, _, after = canonical_text("", fields).partition(PREVIOUS_HASH_SLOT)
    before, after = before + PREVIOUS_HASH_SLOT[:-1], PREVIOUS_HASH_SLOT[-1] + after
    quote = connection.ops.quote_name
    table = quote(AuditEvent._meta.db_table)
    values = [
        connection.ops.adapt_datetimefield_value(value) if name == "at" else value
        for name, value in fields.items()
    ]
    # A row saved around this service has no hash: the chain passes over it (`audit_verify`
    # names it) rather than stall on it.
    head = "hash <> '' AND " + (
        "clinic_id IS NULL" if fields["clinic_id"] is None else "clinic_id = %s"
    )
    digest = (
        "encode(sha256(convert_to(%s::text || head.hash || %s::text, 'UTF8')), 'hex')"
        if connection.vendor == "postgresql"
        else "SHA256(%s || head.hash || %s)"
    )
    # Only the table's and columns' own names are put in the text; every value is a parameter.
    # `WHERE ...`: SQLite's parser needs one before ON CONFLICT in an INSERT ... SELECT; on
    # PostgreSQL it can carry the transaction-local setting of an asynchronous commit.
    where = "WHERE " + (ASYNCHRONOUS_COMMIT if asynchronous_commit else "true")
    columns = ", ".join(map(quote, [*fields, "previous_hash", "hash"]))
    sql = " ".join(
        [
            "INSERT INTO",
            table,
            f"({columns})",
            "SELECT",
            ", ".join(["%s"] * len(values)),
            ", head.hash,",
            digest,
            "FROM (SELECT COALESCE((SELECT hash FROM",
            table,
            "WHERE",
            head,
            "ORDER BY id DESC LIMIT 1), '') AS hash) AS head",
            where,
            "ON CONFLICT DO NOTHING RETURNING id, previous_hash, hash",
        ]
    )
    clinic = [] if fields["clinic_id"] is None else [fields["clinic_id"]]
    return sql, [*values, before, after, *clinic]


# Evaluated once, before the row is inserted: the setting holds until the statement's own
# transaction commits (PostgreSQL applies `synchronous_commit` at commit, before resetting
# transaction-local settings).
ASYNCHRONOUS_COMMIT = "set_config('synchronous_commit', 'off', true) = 'off'"

# Where the previous hash sits in the canonical text of an event (keys are sorted, values
# escaped, so this text occurs once).
PREVIOUS_HASH_SLOT = '"previous_hash":""'


READ_ACTIONS = frozenset(
    {AuditEvent.Action.READ, AuditEvent.Action.LIST, AuditEvent.Action.DOWNLOAD}
)


def read_event_save(event: AuditEvent) -> None:
    """Save a read's audit event without waiting for PostgreSQL's disk flush.

    When the event is a transaction of its own (autocommit, no atomic block open), its INSERT
    sets `synchronous_commit` off for that transaction alone: committed and visible at once,
    on disk within 600 ms (3 x wal_writer_delay); only a crash of the database server in that
    time (or a failover to a synchronous standby) could lose it. Elsewhere it is saved as usual.

    The setting rides in the INSERT itself (`chain_insert`) rather than in a `SET LOCAL` of an
    atomic block: that was BEGIN, SET, INSERT and COMMIT, four round trips for one event, now
    one. Measured on the screening list (PostgreSQL, 100,000 screenings, one process, best of
    4 x 300 requests, three runs interleaved): 3.97-4.27 ms a request before, 3.38-3.51 ms
    after; CPU 3.3-3.5 ms before, 3.0-3.1 ms after.
    """
    connection = connections[router.db_for_write(AuditEvent)]
    asynchronous = (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and connection.get_autocommit()
    )
    event_chain(event, using=connection.alias, asynchronous_commit=asynchronous)


DETAIL_LENGTH = 200


def ids_in_words(ids: list[int]) -> str:
    """`25 rows: ids 120-96` - runs of consecutive ids collapsed, within the detail's length."""
    runs: list[list[int]] = []
    for object_id in ids:
        if (
            runs
            and abs(object_id - runs[-1][-1]) == 1
            and (len(runs[-1]) == 1 or object_id - runs[-1][-1] == runs[-1][-1] - runs[-1][-2])
        ):
            runs[-1].append(object_id)
        else:
            runs.append([object_id])
    listed = ",".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
    text = f"{len(ids)} rows: ids {listed}"
    if len(text) <= DETAIL_LENGTH:
        return text
    return f"{len(ids)} rows: ids {ids[0]} .. {ids[-1]} (not all listed)"
