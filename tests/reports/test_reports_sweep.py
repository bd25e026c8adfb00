"""The reports sweep: renders whose worker was lost taken back or failed, reports that never
reached the broker published, and a broker that is down leaving them for the next run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from reports.models import Report
from reports.services import reports_sweep
from tests.factories import PatientFactory
from tests.reports.conftest import MakeScreening, celery_broker, report_of
from tests.services import CLOSED_PORT_REDIS_URL

pytestmark = pytest.mark.django_db


def test_the_sweep_takes_back_a_render_whose_worker_was_lost(
    make_screening: MakeScreening, published: list[tuple[Any, ...]]
) -> None:
    lost = report_of(make_screening())
    running = report_of(make_screening(for_patient=PatientFactory(clinic=lost.clinic)))
    long_ago = timezone.now() - timedelta(seconds=settings.REPORTS_STALE_AFTER + 1)
    Report.objects.filter(pk=lost.pk).update(
        status=Report.Status.RENDERING, attempts=1, started_at=long_ago, enqueued_at=long_ago
    )
    Report.objects.filter(pk=running.pk).update(
        status=Report.Status.RENDERING, attempts=1, started_at=timezone.now()
    )

    outcome = reports_sweep()

    assert (outcome.requeued, outcome.published) == (1, 1)
    assert published == [(lost.pk,)]
    lost.refresh_from_db()
    assert lost.status == Report.Status.QUEUED
    assert lost.last_error == (
        "attempt 1 did not finish: its worker was lost, or it ran past the "
        f"{settings.REPORTS_TIME_LIMIT} s time limit"
    )
    assert Report.objects.get(pk=running.pk).status == Report.Status.RENDERING


def test_the_sweep_fails_a_lost_render_that_used_its_last_attempt(
    make_screening: MakeScreening, published: list[tuple[Any, ...]]
) -> None:
    report = report_of(make_screening())
    long_ago = timezone.now() - timedelta(seconds=settings.REPORTS_STALE_AFTER + 1)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RENDERING,
        attempts=settings.REPORTS_MAX_ATTEMPTS,
        started_at=long_ago,
    )
    outcome = reports_sweep()
    report.refresh_from_db()
    assert outcome.failed == 1
    assert published == []
    assert report.status == Report.Status.FAILED
    assert "gave up after 5 attempts" in report.last_error


def test_the_sweep_publishes_reports_that_never_reached_the_broker(
    make_screening: MakeScreening, published: list[tuple[Any, ...]]
) -> None:
    missed = report_of(make_screening())
    just_committed = report_of(make_screening(for_patient=PatientFactory(clinic=missed.clinic)))
    sent_lately = report_of(make_screening(for_patient=PatientFactory(clinic=missed.clinic)))
    sent_long_ago = report_of(make_screening(for_patient=PatientFactory(clinic=missed.clinic)))
    now = timezone.now()
    # Publishing failed 5 minutes ago for one, a moment ago for the other (a failed publish
    # clears `enqueued_at`); the others were handed over with their commit.
    Report.objects.filter(pk=missed.pk).update(
        created_at=now - timedelta(minutes=5), enqueued_at=None
    )
    Report.objects.filter(pk=just_committed.pk).update(enqueued_at=None)
    Report.objects.filter(pk=sent_lately.pk).update(
        created_at=now - timedelta(minutes=5), enqueued_at=now - timedelta(seconds=30)
    )
    Report.objects.filter(pk=sent_long_ago.pk).update(
        created_at=now - timedelta(hours=1),
        enqueued_at=now - timedelta(seconds=settings.REPORTS_REQUEUE_AFTER + 1),
    )

    outcome = reports_sweep()

    assert sorted(published) == sorted([(missed.pk,), (sent_long_ago.pk,)])
    assert outcome.published == 2
    assert Report.objects.get(pk=just_committed.pk).enqueued_at is None
    assert Report.objects.get(pk=missed.pk).enqueued_at is not None


def test_the_sweep_with_the_broker_down_leaves_reports_queued_for_the_next_run(
    make_screening: MakeScreening,
) -> None:
    first = report_of(make_screening())
    second = report_of(make_screening(for_patient=PatientFactory(clinic=first.clinic)))
    Report.objects.filter(pk__in=[first.pk, second.pk]).update(
        created_at=timezone.now() - timedelta(minutes=5), enqueued_at=None
    )
    with celery_broker(CLOSED_PORT_REDIS_URL):
        outcome = reports_sweep()
    assert (outcome.published, outcome.unpublished) == (0, 2)
    # Both were marked as handed over before publishing, and both are unmarked again.
    for report in (first, second):
        report.refresh_from_db()
        assert (report.status, report.enqueued_at) == (Report.Status.QUEUED, None)
