"""Celery tasks of notifications: adapters that load ids and call one service each.

Messages carry a notice id only, never patient data. Delivery is at least once (late
acknowledgement, requeued when a worker is lost), so the send claims its row first. A failed
send is not retried by the task: the notice waits for its backoff and the sweep publishes it.
"""

from __future__ import annotations

from celery import shared_task

from notifications.services import (
    SEND_SOFT_TIME_LIMIT,
    SEND_TIME_LIMIT,
    alarm_notice_send,
    alarm_notices_sweep,
)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
    ignore_result=True,
)
def alarm_notice_send_task(notice_id: int) -> None:
    alarm_notice_send(notice_id=notice_id)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def alarm_notices_sweep_task() -> None:
    alarm_notices_sweep()
