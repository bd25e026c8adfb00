"""Fixtures for report tests: screenings stored without the engine, files in a fresh folder,
and the Celery app pointed at a chosen broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import kombu.pools
import pytest
from django.db import transaction

from clinic.celery import app as celery_app
from clinic.models import Patient
from reports.models import Report
from reports.services import report_queue
from screening.models import Screening
from screening.services import intake_build, screening_build
from tests.reports.builders import busy_result, full_document

MakeScreening = Callable[..., Screening]


@pytest.fixture
def report_files(settings: Any, tmp_path: Path) -> Path:
    """A folder of its own for the report files of one test."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_pdfs(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pdf"))


@pytest.fixture
def make_screening(patient: Patient) -> MakeScreening:
    """Store an intake and a hand-made result, and queue its report, as intake_submit does."""

    def make(
        *,
        document: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
        for_patient: Patient | None = None,
    ) -> Screening:
        owner = for_patient or patient
        document = document or full_document()
        result = result or busy_result()
        with transaction.atomic():
            intake = intake_build(patient=owner, document=document)
            intake.save()
            screening = screening_build(intake=intake, result=result)
            screening.save()
            report_queue(screening=screening)
        return screening

    return make


def report_of(screening: Screening) -> Report:
    return Report.objects.get(screening=screening)


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Point the Celery app (and its connection pools) at `url` for a while."""
    saved = celery_app.conf.broker_url

    def reset_pools() -> None:
        # Closes every kombu pool and forgets them, so the next publish connects afresh.
        kombu.pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset_pools()
    celery_app.conf.broker_url = url
    try:
        yield
    finally:
        reset_pools()
        celery_app.conf.broker_url = saved


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Capture the render tasks sent to the broker, instead of sending them."""
    from reports.tasks import report_render_task

    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(report_render_task, "delay", lambda *args, **kwargs: sent.append(args))
    return sent
