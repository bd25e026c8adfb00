"""The Celery application: configured from Django settings (CELERY_*), tasks autodiscovered."""

from __future__ import annotations

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

logger = logging.getLogger(__name__)

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task_publish(name: str, *ids: int) -> None:
    """Hand the task registered as `name` to the broker, with ids only (never patient data).

    Services publish their tasks by name: a tasks module imports its services, so a service
    importing its tasks module back would make an import cycle. Raises what the broker raises;
    callers keep their outbox row for the sweep when it fails.
    """
    if name not in app.tasks:
        # A web process never started a worker, which is when Celery imports the apps' tasks
        # modules: import them once, here.
        app.loader.import_default_modules()
    app.tasks[name].delay(*ids)


def outbox_publish(name: str, row_id: int, *, what: str) -> bool:
    """Publish the task of one outbox row (a report, a delivery, a notice): True when sent.

    A broker failure is logged, never raised: the row is committed already, and its sweep
    publishes it later. The caller marks it unsent when the sweep needs to know.
    """
    try:
        task_publish(name, row_id)
    except Exception:  # noqa: BLE001 - any broker failure; the row is committed already
        logger.warning(
            "%s %s not published (broker unreachable?); the sweep will publish it",
            what,
            row_id,
            exc_info=True,
        )
        return False
    return True
