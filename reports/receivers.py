"""Reports react to the screening domain: a stored screening gets its report, in the same
transaction (the outbox); a change its report shows renders it again."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from reports.services import report_queue, report_regenerate
from screening.models import Screening
from screening.signals import screening_changed, screening_stored


@receiver(screening_stored, dispatch_uid="reports.report_of_stored_screening")
def report_of_stored_screening(*, screening: Screening, **kwargs: Any) -> None:
    # Stored just now: it has no report yet, so the row goes in without looking first.
    report_queue(screening=screening, screening_is_new=True)


@receiver(screening_changed, dispatch_uid="reports.report_of_changed_screening")
def report_of_changed_screening(*, screening: Screening, **kwargs: Any) -> None:
    report_regenerate(screening=screening)
