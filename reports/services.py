"""Writes of reports: queue with the screening, publish after commit, render once, sweep.

The life of a report: `queued` (written in the screening's transaction) -> `rendering` (claimed
by exactly one worker with a compare-and-set) -> `ready` or `failed`. A worker that dies leaves
`rendering` behind; the sweep puts it back to `queued` once it is older than the hard time
limit, and gives up with `failed` after REPORTS_MAX_ATTEMPTS claims.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.celery import outbox_publish
from reports import constants
from reports.files import report_file_name
from reports.models import Report, reports_storage
from reports.selectors import report_context_for
from reports.signals import report_ready
from screening.models import Screening

logger = logging.getLogger(__name__)

# Failures worth another try later: storage and network I/O, a database that went away.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, OperationalError, InterfaceError)

# Reports the sweep handles in one run; the next run takes the rest.
SWEEP_BATCH = 500
RENDER_TASK = "reports.tasks.report_render_task"
# A report committed this recently is still being published by its own request.
PUBLISH_GRACE = timedelta(seconds=10)


def report_queue(*, screening: Screening, screening_is_new: bool = False) -> Report:
    """The screening's report for the current template, created in the caller's transaction.

    The render task is published only after the commit, and a failure to publish is logged,
    never raised: the row is the outbox, and the sweep publishes what was not sent. The row
    commits with `enqueued_at` set, as handed to this request's publish; a failed publish
    clears it, so the next sweep sends it. Should the process die between the commit and the
    publish, the sweep sends it once REPORTS_REQUEUE_AFTER has passed.
    `screening_is_new`: the screening was created in this transaction, so it has no report
    yet; the row is inserted without looking first (and without the savepoint
    `get_or_create` takes), the unique constraint still refusing a second one.
    """
    if screening_is_new:
        report = Report.objects.create(
            clinic_id=screening.clinic_id,
            screening=screening,
            template_version=constants.TEMPLATE_VERSION,
            enqueued_at=timezone.now(),
        )
    else:
        report, _ = Report.objects.get_or_create(
            screening=screening,
            template_version=constants.TEMPLATE_VERSION,
            defaults={"clinic_id": screening.clinic_id, "enqueued_at": timezone.now()},
        )
    transaction.on_commit(partial(report_publish, report_id=report.pk))
    return report


@transaction.atomic
def report_regenerate(*, screening: Screening) -> Report:
    """Render the screening's report again (after a failure, or with newer notes).

    A report already queued is left alone: its render has not started yet.
    """
    report = report_queue(screening=screening)
    # A render under way started from what was saved before: it is taken back, so that the
    # task published at this commit renders what is saved now (`report_finish` of the old
    # attempt then matches no row). Its attempt count stays, to tell the two attempts apart.
    Report.objects.filter(pk=report.pk, status=Report.Status.RENDERING).update(
        status=Report.Status.QUEUED, last_error="", enqueued_at=timezone.now()
    )
    Report.objects.filter(
        pk=report.pk, status__in=[Report.Status.READY, Report.Status.FAILED]
    ).update(
        status=Report.Status.QUEUED,
        attempts=0,
        last_error="",
        enqueued_at=timezone.now(),
        started_at=None,
        finished_at=None,
    )
    report.refresh_from_db()
    return report


def report_publish(*, report_id: int) -> bool:
    """Hand the render task to the broker: True when sent. When not, the failure is logged
    and the report is marked unsent (`enqueued_at` cleared) for the sweep: False."""
    if outbox_publish(RENDER_TASK, report_id, what="report"):
        return True
    reports_mark_unsent(report_ids=[report_id])
    return False


def reports_mark_unsent(*, report_ids: list[int]) -> None:
    """Queued reports whose task did not reach the broker: due at the next sweep."""
    Report.objects.filter(pk__in=report_ids, status=Report.Status.QUEUED).update(enqueued_at=None)


def report_render(*, report: Report) -> Report:
    """Render and store the report if it is still queued; a no-op for any other state."""
    previous_file = report.file.name
    attempt = report_claim(report_id=report.pk)
    if attempt is None:
        report.refresh_from_db()
        logger.info("report %s not claimed: it is %s", report.pk, report.status)
        return report
    try:
        context = report_context_for(report=report)
        from reports import pdf  # imported once per process, before the pool forks

        render_started = time.perf_counter()
        rendered = pdf.render(context)
        render_ms = round((time.perf_counter() - render_started) * 1000)
        name = report_store(report=report, content=rendered.content)
    except SoftTimeLimitExceeded:
        return report_fail(
            report=report,
            attempt=attempt,
            error=f"rendering took longer than {settings.REPORTS_SOFT_TIME_LIMIT} s",
        )
    except TRANSIENT_ERRORS as error:
        report_release(report=report, attempt=attempt, error=error)
        raise
    except Exception as error:
        logger.exception("report %s failed to render", report.pk)
        return report_fail(report=report, attempt=attempt, error=error_in_words(error))
    report = report_finish(
        report=report,
        attempt=attempt,
        name=name,
        content=rendered.content,
        page_count=rendered.page_count,
        render_ms=render_ms,
    )
    if previous_file and previous_file != report.file.name:
        reports_storage().delete(previous_file)  # a regenerated report replaces its file
    return report


def report_claim(*, report_id: int) -> int | None:
    """Move a queued report to rendering; its attempt number, or None if another has it."""
    claimed = Report.objects.filter(
        pk=report_id, status=Report.Status.QUEUED, attempts__lt=settings.REPORTS_MAX_ATTEMPTS
    ).update(status=Report.Status.RENDERING, attempts=F("attempts") + 1, started_at=timezone.now())
    if not claimed:
        report_give_up(report_ids=[report_id])
        return None
    return Report.objects.values_list("attempts", flat=True).get(pk=report_id)


def report_store(*, report: Report, content: bytes) -> str:
    """Store the PDF under a name derived from its content: a second render reuses the file."""
    digest = hashlib.sha256(content).hexdigest()
    name = report_file_name(clinic_id=report.clinic_id, report_id=report.pk, digest=digest)
    storage = reports_storage()
    if not storage.exists(name):
        saved = storage.save(name, ContentFile(content))
        if saved != name:  # another render stored the same bytes in between
            storage.delete(saved)
    return name


def report_finish(
    *, report: Report, attempt: int, name: str, content: bytes, page_count: int, render_ms: int = 0
) -> Report:
    with transaction.atomic():
        finished = Report.objects.filter(
            pk=report.pk, status=Report.Status.RENDERING, attempts=attempt
        ).update(
            status=Report.Status.READY,
            file=name,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            page_count=page_count,
            last_error="",
            finished_at=timezone.now(),
        )
        if not finished and not Report.objects.filter(pk=report.pk).exists():
            # Erased while it rendered (its patient's erasure): the PDF must not outlive it.
            reports_storage().delete(name)
            logger.info("report %s erased while rendering; its file was removed", report.pk)
            return report
        report.refresh_from_db()
        if finished:
            audit_record(
                clinic=report.clinic_id,
                action=AuditEvent.Action.CREATE,
                object_type="report",
                object_id=report.pk,
                detail=f"rendered, attempt {attempt}",
            )
            # Announced with the status change; the webhook sweep catches up on any missed.
            report_ready.send(sender=Report, report=report)
    if finished:
        logger.info(
            "report %s ready (attempt %s, %s bytes, %s pages, rendered in %s ms)",
            report.pk,
            attempt,
            len(content),
            page_count,
            render_ms,
        )
    else:
        # The sweep took the report back from this render (it ran past the stale limit).
        logger.warning("report %s attempt %s finished after being taken back", report.pk, attempt)
        if report.file.name != name and report.status == Report.Status.READY:
            reports_storage().delete(name)
    return report


def report_release(*, report: Report, attempt: int, error: BaseException) -> None:
    """Back to queued after a transient failure, for the task's retry; failed after the last."""
    exhausted = attempt >= settings.REPORTS_MAX_ATTEMPTS
    try:
        Report.objects.filter(
            pk=report.pk, status=Report.Status.RENDERING, attempts=attempt
        ).update(
            status=Report.Status.FAILED if exhausted else Report.Status.QUEUED,
            last_error=error_in_words(error),
            finished_at=timezone.now() if exhausted else None,
        )
    except DatabaseError:
        # The database itself is away: the row stays rendering and the sweep recovers it.
        logger.warning("report %s could not be released", report.pk, exc_info=True)


def report_fail(*, report: Report, attempt: int, error: str) -> Report:
    Report.objects.filter(pk=report.pk, status=Report.Status.RENDERING, attempts=attempt).update(
        status=Report.Status.FAILED, last_error=error, finished_at=timezone.now()
    )
    logger.error("report %s failed: %s", report.pk, error)
    report.refresh_from_db()
    return report


def report_give_up(*, report_ids: list[int]) -> int:
    """Fail queued reports that have used every attempt, keeping the last error readable."""
    exhausted = Report.objects.filter(
        pk__in=report_ids,
        status=Report.Status.QUEUED,
        attempts__gte=settings.REPORTS_MAX_ATTEMPTS,
    )
    failed = 0
    for report in exhausted:
        failed += Report.objects.filter(pk=report.pk, status=Report.Status.QUEUED).update(
            status=Report.Status.FAILED,
            last_error=f"gave up after {report.attempts} attempts; last error: "
            f"{report.last_error or 'the render did not finish'}",
            finished_at=timezone.now(),
        )
    return failed


@dataclass(frozen=True)
class SweepOutcome:
    requeued: int  # taken back from lost workers
    published: int
    failed: int
    unpublished: int  # the broker was unreachable


def reports_sweep(*, now: datetime | None = None) -> SweepOutcome:
    """Take back reports of lost workers and publish every queued report that needs it.

    Runs periodically (Celery beat): after a broker or worker outage, every intake accepted in
    the meantime gets its report, and a render killed mid-way is done again.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.REPORTS_STALE_AFTER)
    requeued = 0
    lost = Report.objects.filter(status=Report.Status.RENDERING, started_at__lt=stale_before)
    for report in lost.only("pk", "started_at", "attempts")[:SWEEP_BATCH]:
        requeued += Report.objects.filter(
            pk=report.pk, status=Report.Status.RENDERING, started_at=report.started_at
        ).update(
            status=Report.Status.QUEUED,
            last_error=f"attempt {report.attempts} did not finish: its worker was lost, or it "
            f"ran past the {settings.REPORTS_TIME_LIMIT} s time limit",
            enqueued_at=None,
        )
    due = Report.objects.filter(status=Report.Status.QUEUED).filter(
        Q(enqueued_at__isnull=True, created_at__lt=now - PUBLISH_GRACE)
        | Q(enqueued_at__lt=now - timedelta(seconds=settings.REPORTS_REQUEUE_AFTER))
        | Q(enqueued_at__isnull=True, started_at__isnull=False)
    )
    report_ids = list(due.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    failed = report_give_up(report_ids=report_ids)
    published = unpublished = 0
    to_publish = list(
        Report.objects.filter(pk__in=report_ids, status=Report.Status.QUEUED).values_list(
            "pk", flat=True
        )
    )
    # Marked as handed over first, all in one statement; what cannot be sent is unmarked.
    Report.objects.filter(pk__in=to_publish, status=Report.Status.QUEUED).update(enqueued_at=now)
    for index, report_id in enumerate(to_publish):
        if not report_publish(report_id=report_id):
            # The broker is down: the next sweep tries again, no point waiting on each row.
            reports_mark_unsent(report_ids=to_publish[index + 1 :])
            unpublished = len(to_publish) - published
            break
        published += 1
    if requeued or published or failed or unpublished:
        logger.info(
            "reports sweep: %s taken back, %s published, %s failed, %s not published",
            requeued,
            published,
            failed,
            unpublished,
        )
    return SweepOutcome(requeued, published, failed, unpublished)


def error_in_words(error: BaseException) -> str:
    text = str(error).strip() or "no detail"
    return f"{type(error).__name__}: {text}"[:2000]
