"""Celery tasks of reports: adapters that load ids and call one service each.

Messages carry a report id only, never patient data. Delivery is at least once (late
acknowledgement, requeued when a worker is lost), so the render claims its row first.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from reports.files import report_files_sweep
from reports.models import Report
from reports.services import TRANSIENT_ERRORS, report_render, reports_sweep

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,  # short countdowns only: ETAs on Redis outlive no restart
    retry_jitter=True,
    max_retries=settings.REPORTS_MAX_ATTEMPTS,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORTS_SOFT_TIME_LIMIT,
    time_limit=settings.REPORTS_TIME_LIMIT,
    ignore_result=True,
)
def report_render_task(report_id: int) -> None:
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        logger.warning("report %s does not exist (deleted?)", report_id)
        return
    report_render(report=report)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def reports_sweep_task() -> None:
    reports_sweep()


# Well under the broker's visibility timeout; a sweep cut short is finished by the next run.
@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def report_files_sweep_task() -> None:
    report_files_sweep()
