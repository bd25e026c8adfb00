"""How reports are set up around the services: the worker's HarfBuzz check at start, the
Celery settings that close the measured traps, and the read-only admin."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.conf import settings

from clinic.celery import app as celery_app
from reports import pdf
from reports.worker import HARFBUZZ_MISSING, reports_worker_init
from tests.reports.conftest import MakeScreening, report_of

pytestmark = pytest.mark.django_db


def test_the_worker_warns_at_start_when_harfbuzz_subsetting_is_missing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(pdf, "harfbuzz_subsetting_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="reports.worker"):
        reports_worker_init()
    assert HARFBUZZ_MISSING in caplog.text


def test_this_machine_renders_with_harfbuzz_subsetting() -> None:
    assert pdf.harfbuzz_subsetting_available()


def test_the_celery_settings_close_the_measured_traps() -> None:
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.worker_max_tasks_per_child <= 200
    assert conf.worker_max_memory_per_child
    assert conf.accept_content == ["json"] and conf.task_ignore_result
    options = conf.broker_transport_options
    assert options["socket_timeout"] <= 5 and options["socket_connect_timeout"] <= 5
    assert (
        options["visibility_timeout"] > settings.REPORTS_STALE_AFTER > settings.REPORTS_TIME_LIMIT
    )
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 30
    assert conf.task_publish_retry_policy["max_retries"] <= 1
    schedule = conf.beat_schedule["reports-sweep"]
    assert schedule["task"] == "reports.tasks.reports_sweep_task"
    assert schedule["schedule"] <= 120
    task = celery_app.tasks["reports.tasks.report_render_task"]
    assert task.acks_late and task.reject_on_worker_lost and task.ignore_result
    assert task.soft_time_limit == settings.REPORTS_SOFT_TIME_LIMIT
    assert task.time_limit == settings.REPORTS_TIME_LIMIT
    assert task.max_retries == settings.REPORTS_MAX_ATTEMPTS
    assert task.retry_backoff and task.retry_backoff_max <= 60 and task.retry_jitter
    assert OSError in task.autoretry_for


def test_the_admin_lists_reports_read_only(
    make_screening: MakeScreening, admin_client: Any
) -> None:
    report = report_of(make_screening())
    assert admin_client.get("/admin/reports/report/").status_code == 200
    page = admin_client.get(f"/admin/reports/report/{report.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content  # shown, not editable
