"""The audit trail's one entry point: who read or changed which patient data, when."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, User


def audit_record(
    *,
    clinic: Clinic | int,
    action: str,
    object_type: str,
    object_id: Any = "",
    object_ids: Iterable[Any] | None = None,
    user: User | None = None,
    api_client: ApiClient | None = None,
    detail: str = "",
) -> AuditEvent | None:
    """Record one read or write of patient data: the one way into the audit trail.

    Callers pass ids, never patient data. `object_ids`: the rows a list (or a read of several)
    showed, named compactly in the detail (`25 rows: ids 120-96`), so the event's cost does not
    grow with the page; nothing is recorded for an empty list. A write's event commits with
    the write. A read's event is a transaction of its own, committed before the response leaves
    (see `read_event_save`).
    """
    if object_ids is not None:
        ids = [int(each) for each in object_ids]
        if not ids:
            return None
        if action == AuditEvent.Action.LIST or len(ids) > 1:
            object_id, detail = "", (detail + " " if detail else "") + ids_in_words(ids)
        else:
            object_id = ids[0]
    event = AuditEvent(
        clinic_id=clinic if isinstance(clinic, int) else clinic.pk,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        user=user if user is not None and user.is_authenticated else None,
        api_client=api_client,
        at=timezone.now(),
        detail=detail[:DETAIL_LENGTH],
    )
    if action in READ_ACTIONS and settings.AUDIT_READS_ASYNCHRONOUS_COMMIT:
        read_event_save(event)
    else:
        event.save()
    return event


READ_ACTIONS = frozenset(
    {AuditEvent.Action.READ, AuditEvent.Action.LIST, AuditEvent.Action.DOWNLOAD}
)


def read_event_save(event: AuditEvent) -> None:
    """Save a read's audit event without waiting for PostgreSQL's disk flush.

    When the event is a transaction of its own (autocommit, no atomic block open), it commits
    with `synchronous_commit` off for that transaction alone: committed and visible at once,
    on disk within 600 ms (3 x wal_writer_delay); only a crash of the database server in that
    time (or a failover to a synchronous standby) could lose it. Elsewhere it is saved as usual.
    """
    connection = connections[router.db_for_write(AuditEvent)]
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or not connection.get_autocommit()
    ):
        event.save()
        return
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        event.save(using=connection.alias)


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
