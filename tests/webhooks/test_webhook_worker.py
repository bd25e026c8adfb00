"""The webhook broker path, end to end: a real Redis, a real worker process and PostgreSQL
deliver a screening.created event (skips without them, except on CI)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from clinic.celery import app as celery_app
from clinic.models import Clinic, Patient
from screening.samples import sample_document
from screening.services import intake_submit
from tests.services import redis_available, require_service
from tests.webhooks.conftest import endpoint_for
from tests.webhooks.webhook_receiver import webhook_receiver
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_url() -> Iterator[str]:
    """This process publishes to the test's own Redis database while the test runs."""
    url = os.environ.get("API_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
    require_service("Redis", redis_available(url), f"no answer at {url}")

    def use(broker: str) -> None:
        # Connection and producer pools are created on first use, for the configured URL.
        celery_app.conf.broker_url = broker
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    def purge() -> None:
        # Messages left over (e.g. a report render the worker did not reach) go with the test.
        client = redis.Redis.from_url(url)
        client.delete("celery", "unacked", "unacked_index")
        client.close()

    previous = celery_app.conf.broker_url
    purge()
    use(url)
    yield url
    use(previous)
    purge()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_a_screening_created_event(
    clinic_a: Clinic, patient: Patient, tmp_path: Path, broker_url: str
) -> None:
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "the worker shares the test database; set DATABASE_URL=postgres://...",
    )
    database = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
            f"/{database['NAME']}"
        ),
        "REDIS_URL": broker_url,
        "MEDIA_ROOT": str(tmp_path),
    }
    with webhook_receiver(secret="whsec_test-secret") as receiver:
        endpoint_for(clinic_a, receiver.url)
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "clinic", "worker", "--pool", "solo"),
                *("--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "warning"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # when an intake commits: its on_commit publishes the delivery to Redis
            intake_submit(patient=patient, document=sample_document())
            # then the worker delivers it
            assert receiver.arrived.wait(timeout=60), "no delivery within 60 s"
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    request = receiver.received[0]
    assert request.verified is True
    # (the worker may have rendered the report meanwhile: its report.ready is another delivery)
    delivery = WebhookDelivery.objects.get(event_type="screening.created")
    for _ in range(50):
        delivery.refresh_from_db()
        if delivery.status == WebhookDelivery.Status.DELIVERED:
            break
        time.sleep(0.1)
    assert delivery.status == WebhookDelivery.Status.DELIVERED
