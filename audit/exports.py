"""The audit trail as CSV, streamed: one row per event, cells safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.models import ApiClient, User

CSV_COLUMNS = [
    "id",
    "at",
    "action",
    "object_type",
    "object_id",
    "user",
    "api_client",
    "detail",
    "address",
    "user_agent",
    "previous_hash",
    "hash",
]

# A cell starting with one of these is read as a formula by spreadsheets (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """The value, quoted with a leading apostrophe when a spreadsheet would run it."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def audit_event_cells(event: AuditEvent) -> list[str]:
    cells = [
        str(event.pk),
        event.at.isoformat(),
        event.action,
        event.object_type,
        event.object_id,
        event.user.get_username() if event.user else "",
        event.api_client.name if event.api_client else "",
        event.detail,
        event.address,
        event.user_agent,
        event.previous_hash,
        event.hash,
    ]
    return [csv_safe(cell) for cell in cells]


class LineBuffer:
    """A file the csv writer writes one line to, returned rather than kept."""

    def write(self, line: str) -> str:
        return line


def audit_events_csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(LineBuffer())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=500):
        yield writer.writerow(audit_event_cells(event))


def audit_events_csv_response(events: QuerySet[AuditEvent], filename: str) -> StreamingHttpResponse:
    """The events as a CSV download, streamed row by row from the database."""
    return StreamingHttpResponse(
        audit_events_csv_lines(events),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def audit_events_export(
    *,
    events: QuerySet[AuditEvent],
    clinic_id: int,
    user: User | None = None,
    api_client: ApiClient | None = None,
    detail: str = "",
) -> StreamingHttpResponse:
    """The clinic's (filtered) events as CSV, the export itself recorded first (`export`).

    The export holds the events recorded before its own: what was on record when it was asked.
    """
    event = audit_record(
        clinic=clinic_id,
        action=AuditEvent.Action.EXPORT,
        object_type="audit_event",
        user=user,
        api_client=api_client,
        detail=("csv " + detail).strip(),
    )
    assert event is not None
    return audit_events_csv_response(
        events.filter(id__lt=event.pk), filename=f"audit-events-{event.at:%Y%m%d-%H%M%S}.csv"
    )
