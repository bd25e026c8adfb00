"""Celery tasks of webhooks: a delivery attempt, and the sweep of due deliveries.

Their names are those of the first release ("clinic.tasks..."), so messages already queued and
the beat schedule keep working.

Adapters only: each loads ids and calls one service. Messages carry ids, never patient data.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from webhooks.services import (
    report_ready_events_catch_up,
    webhook_deliveries_due,
    webhook_deliveries_publish,
    webhook_delivery_attempt,
)

logger = logging.getLogger(__name__)

# A retry sooner than this is scheduled on the broker; a later one is left to the sweep
# (long countdowns on Redis do not survive a restart and outlive the visibility timeout).
MAX_COUNTDOWN_SECONDS = 300


@shared_task(
    name="clinic.tasks.webhook_deliver_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
)
def webhook_deliver_task(self, delivery_id: int) -> None:  # type: ignore[no-untyped-def]
    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    if delivery is None or delivery.status != delivery.Status.PENDING:
        return
    countdown = (delivery.next_attempt_at - timezone.now()).total_seconds()
    if countdown <= MAX_COUNTDOWN_SECONDS:
        try:
            self.apply_async(args=(delivery_id,), countdown=max(countdown, 0))
        except Exception:  # noqa: BLE001 - the sweep publishes it when due
            logger.warning("retry of webhook delivery %s not scheduled", delivery_id)


@shared_task(
    name="clinic.tasks.webhooks_sweep_task", ignore_result=True, soft_time_limit=50, time_limit=60
)
def webhooks_sweep_task() -> None:
    """Publish every due delivery (after a broker outage, a lost worker, a long backoff) and
    record report.ready events of freshly rendered reports."""
    report_ready_events_catch_up()
    webhook_deliveries_publish(delivery_ids=webhook_deliveries_due())
