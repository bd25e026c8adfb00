"""Celery tasks of the API: the purge of expired idempotency keys (its first release's name)."""

from __future__ import annotations

from celery import shared_task

from api.idempotency import idempotency_keys_purge


@shared_task(
    name="clinic.tasks.idempotency_keys_purge_task",
    ignore_result=True,
    soft_time_limit=50,
    time_limit=60,
)
def idempotency_keys_purge_task() -> None:
    idempotency_keys_purge()
