"""Periodic tasks of the tenants: the retention sweep."""

from __future__ import annotations

from celery import shared_task

from clinic.retention import retention_sweep


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def retention_sweep_task() -> None:
    retention_sweep()
