"""Celery tasks of the screening domain: the daily retention sweep.

Its name is that of its first release ("clinic.tasks..."), so the beat schedule and messages
already queued keep working; it moved here because it now erases (`screening.erasure`), which
the tenants' layer cannot reach.
"""

from __future__ import annotations

from celery import shared_task

from screening.erasure import retention_sweep


# Each patient is erased in a transaction of its own: a run cut short by the time limit keeps
# what it erased, and the next day's run takes the rest.
@shared_task(
    name="clinic.tasks.retention_sweep_task",
    ignore_result=True,
    soft_time_limit=540,
    time_limit=600,
)
def retention_sweep_task() -> None:
    retention_sweep()
