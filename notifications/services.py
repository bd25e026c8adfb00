"""Alarm notices: queue with the screening, publish after commit, send once, sweep.

A screening with alarm features (`refer_first`) gets an `AlarmNotice` row in its own
transaction (the outbox). After the commit the send task is published with the notice's id; a
broker that cannot be reached is logged, never raised, and the periodic sweep publishes what
was not sent. An attempt claims the row with a compare-and-set that counts it and holds the
row for a lease, so a message delivered twice sends one email; a failed send waits for a
backoff and is published again by the sweep, up to ALARM_NOTICE_MAX_ATTEMPTS, then `failed`.

The email names the clinic and links to the screening in the dashboard, nothing else: no
patient, no answer, no finding. Logs carry ids and counts only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.celery import outbox_publish
from clinic.links import Links
from clinic.models import Clinic, User
from notifications.models import AlarmNotice
from reports.services import error_in_words
from screening.models import Screening

logger = logging.getLogger(__name__)

# The send task's limits; an attempt holds its notice longer than the hard limit, so a send
# still running is never claimed a second time.
SEND_SOFT_TIME_LIMIT = 30
SEND_TIME_LIMIT = 45
ATTEMPT_LEASE = timedelta(seconds=SEND_TIME_LIMIT + 30)
# Backoff after failed attempt n: BASE * 2**(n-1), capped (the default 8 attempts span an hour).
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# Notices the sweep handles in one run; the next run takes the rest.
SWEEP_BATCH = 500
# A notice committed this recently is still being published by its own request.
PUBLISH_GRACE = timedelta(seconds=10)
# Who is told when a clinic has chosen no alarm contacts.
SEND_TASK = "notifications.tasks.alarm_notice_send_task"
DEFAULT_RECIPIENT_ROLES = (User.Role.PRACTITIONER, User.Role.CLINIC_ADMIN)


def alarm_notices_queue(*, screening: Screening) -> AlarmNotice | None:
    """The alarm notice of a just-created screening with alarm features, in the caller's
    transaction (None without alarm features); its task is published after the commit."""
    if not screening.refer_first:
        return None
    notice = AlarmNotice.objects.create(
        clinic_id=screening.clinic_id, screening_id=screening.pk, enqueued_at=timezone.now()
    )
    transaction.on_commit(partial(alarm_notice_publish, notice_id=notice.pk))
    return notice


def alarm_notice_publish(*, notice_id: int) -> bool:
    """Hand the send task to the broker: True when sent. When not, the failure is logged and
    the notice is marked unsent (`enqueued_at` cleared) for the sweep: False."""
    if outbox_publish(SEND_TASK, notice_id, what="alarm notice"):
        return True
    alarm_notices_mark_unsent(notice_ids=[notice_id])
    return False


def alarm_notices_mark_unsent(*, notice_ids: list[int]) -> None:
    AlarmNotice.objects.filter(pk__in=notice_ids, status=AlarmNotice.Status.PENDING).update(
        enqueued_at=None
    )


def screening_url(*, screening_id: int, base_url: str) -> str:
    """The absolute link to a screening in the dashboard (as `invitation_url` builds links)."""
    return Links(base_url.rstrip("/")).dashboard_screening(screening_id)


def alarm_recipients(*, clinic: Clinic) -> list[str]:
    """The addresses to tell: the clinic's chosen alarm contacts, or when it chose none (or
    none of them is active with an email), every active practitioner and clinic admin."""
    staff = User.objects.filter(clinic=clinic, is_active=True).exclude(email="")
    # Only the clinic's own staff, whatever the relation holds.
    chosen = staff.filter(pk__in=clinic.alarm_contacts.values("pk"))
    emails = list(chosen.values_list("email", flat=True))
    if not emails:
        emails = list(
            staff.filter(role__in=DEFAULT_RECIPIENT_ROLES).values_list("email", flat=True)
        )
    return sorted(set(emails))


def alarm_notice_message(*, notice: AlarmNotice) -> tuple[str, str]:
    """Subject and body: the clinic's name and the link, no patient and no health data."""
    context = {
        # One line: a name with line breaks must not break the header.
        "clinic_name": " ".join(notice.clinic.name.split()),
        "url": screening_url(screening_id=notice.screening_id, base_url=settings.PUBLIC_BASE_URL),
    }
    subject = render_to_string("notifications/email/alarm_notice_subject.txt", context)
    body = render_to_string("notifications/email/alarm_notice.txt", context)
    return " ".join(subject.split()), body


def alarm_notice_send(*, notice_id: int, now: datetime | None = None) -> AlarmNotice | None:
    """Send the notice's email once; the updated row, or None when it was not due (sent,
    failed, an attempt under way or waiting for its backoff)."""
    attempt = alarm_notice_claim(notice_id=notice_id, now=now)
    if attempt is None:
        logger.info("alarm notice %s not claimed: sent, failed or not due", notice_id)
        return None
    notice = AlarmNotice.objects.select_related("clinic").get(pk=notice_id)
    recipients = alarm_recipients(clinic=notice.clinic)
    if not recipients:
        logger.warning(
            "alarm notice %s of clinic %s not sent: no alarm contacts and no active "
            "practitioner or clinic admin with an email",
            notice.pk,
            notice.clinic_id,
        )
        return alarm_notice_finish(
            notice=notice,
            attempt=attempt,
            status=AlarmNotice.Status.FAILED,
            error="no recipients: the clinic has no alarm contacts and no active practitioner "
            "or clinic admin with an email address",
        )
    try:
        subject, body = alarm_notice_message(notice=notice)
        send_mail(
            subject=subject,
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    except Exception as error:  # noqa: BLE001 - SMTP, network, a time limit: tried again later
        logger.warning("alarm notice %s attempt %s failed", notice.pk, attempt, exc_info=True)
        return alarm_notice_release(notice=notice, attempt=attempt, error=error)
    notice = alarm_notice_finish(
        notice=notice,
        attempt=attempt,
        status=AlarmNotice.Status.SENT,
        recipient_count=len(recipients),
    )
    logger.info(
        "alarm notice %s sent to %s recipients (attempt %s)", notice.pk, len(recipients), attempt
    )
    return notice


def alarm_notice_claim(*, notice_id: int, now: datetime | None = None) -> int | None:
    """Take a due pending notice for one attempt; its attempt number, or None if not due."""
    now = now or timezone.now()
    claimed = (
        AlarmNotice.objects.filter(
            pk=notice_id,
            status=AlarmNotice.Status.PENDING,
            attempts__lt=settings.ALARM_NOTICE_MAX_ATTEMPTS,
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(attempts=F("attempts") + 1, next_attempt_at=now + ATTEMPT_LEASE, enqueued_at=None)
    )
    if not claimed:
        alarm_notices_give_up(notice_ids=[notice_id], now=now)
        return None
    return AlarmNotice.objects.values_list("attempts", flat=True).get(pk=notice_id)


def alarm_notice_finish(
    *,
    notice: AlarmNotice,
    attempt: int,
    status: str,
    error: str = "",
    recipient_count: int | None = None,
) -> AlarmNotice:
    """Sent or failed, if this attempt still holds the notice."""
    finished = AlarmNotice.objects.filter(
        pk=notice.pk, status=AlarmNotice.Status.PENDING, attempts=attempt
    ).update(
        status=status,
        sent_at=timezone.now() if status == AlarmNotice.Status.SENT else None,
        recipient_count=recipient_count,
        last_error=error,
        next_attempt_at=None,
    )
    if not finished:
        logger.warning("alarm notice %s attempt %s finished after its lease", notice.pk, attempt)
    notice.refresh_from_db()
    return notice


def alarm_notice_release(*, notice: AlarmNotice, attempt: int, error: BaseException) -> AlarmNotice:
    """After a failed send: pending again after a backoff (the sweep publishes it), or failed
    after the last attempt."""
    exhausted = attempt >= settings.ALARM_NOTICE_MAX_ATTEMPTS
    now = timezone.now()
    AlarmNotice.objects.filter(
        pk=notice.pk, status=AlarmNotice.Status.PENDING, attempts=attempt
    ).update(
        status=AlarmNotice.Status.FAILED if exhausted else AlarmNotice.Status.PENDING,
        last_error=error_in_words(error),
        next_attempt_at=None if exhausted else now + backoff_after(attempt),
        enqueued_at=None,
    )
    if exhausted:
        logger.error("alarm notice %s failed after %s attempts", notice.pk, attempt)
    notice.refresh_from_db()
    return notice


def backoff_after(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def alarm_notices_give_up(*, notice_ids: list[int], now: datetime | None = None) -> int:
    """Fail pending notices that used every attempt (and hold no attempt under way)."""
    now = now or timezone.now()
    exhausted = AlarmNotice.objects.filter(
        pk__in=notice_ids,
        status=AlarmNotice.Status.PENDING,
        attempts__gte=settings.ALARM_NOTICE_MAX_ATTEMPTS,
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    failed = 0
    for notice in exhausted.only("pk", "attempts", "last_error"):
        failed += AlarmNotice.objects.filter(
            pk=notice.pk, status=AlarmNotice.Status.PENDING
        ).update(
            status=AlarmNotice.Status.FAILED,
            last_error=f"gave up after {notice.attempts} attempts; last error: "
            f"{notice.last_error or 'the send did not finish'}",
            next_attempt_at=None,
        )
    if failed:
        logger.error("%s alarm notices failed: every attempt used", failed)
    return failed


@dataclass(frozen=True)
class SweepOutcome:
    published: int
    failed: int
    unpublished: int  # the broker was unreachable


def alarm_notices_sweep(*, now: datetime | None = None) -> SweepOutcome:
    """Publish every pending notice that needs it: not handed to the broker (an outage), its
    message lost, its attempt's worker lost, or its backoff over.

    Runs periodically (Celery beat): an alarm screening accepted while the broker was away is
    told to the practice once it is back.
    """
    now = now or timezone.now()
    due = (
        AlarmNotice.objects.filter(status=AlarmNotice.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(
            Q(enqueued_at__isnull=True, created_at__lt=now - PUBLISH_GRACE)
            | Q(enqueued_at__lt=now - timedelta(seconds=settings.ALARM_NOTICE_REQUEUE_AFTER))
        )
    )
    notice_ids = list(due.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    failed = alarm_notices_give_up(notice_ids=notice_ids, now=now)
    to_publish = list(
        AlarmNotice.objects.filter(
            pk__in=notice_ids, status=AlarmNotice.Status.PENDING
        ).values_list("pk", flat=True)
    )
    # Marked as handed over first, in one statement; what cannot be sent is unmarked.
    AlarmNotice.objects.filter(pk__in=to_publish).update(enqueued_at=now)
    published = unpublished = 0
    for index, notice_id in enumerate(to_publish):
        if not alarm_notice_publish(notice_id=notice_id):
            # The broker is down: the next sweep tries again, no point waiting on each row.
            alarm_notices_mark_unsent(notice_ids=to_publish[index + 1 :])
            unpublished = len(to_publish) - published
            break
        published += 1
    if published or failed or unpublished:
        logger.info(
            "alarm notices sweep: %s published, %s failed, %s not published",
            published,
            failed,
            unpublished,
        )
    return SweepOutcome(published, failed, unpublished)
