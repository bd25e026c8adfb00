"""Webhooks: recorded with the screening, delivered signed to a loopback receiver, retried with
backoff after a failure, every attempt recorded; HTTPS and public addresses only in production."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone
from pytest_django import Settings as SettingsWrapper
from rest_framework.test import APIClient

from clinic.models import Clinic, Patient
from reports.models import Report
from reports.services import report_finish
from screening.samples import sample_document
from screening.services import intake_submit
from tests.services import redis_available, require_service
from tests.webhooks.webhook_receiver import webhook_receiver
from webhooks import services as webhooks
from webhooks import tasks
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_hooks(settings: SettingsWrapper) -> None:
    # Plain HTTP to loopback is allowed only with DEBUG on: the receiver runs on 127.0.0.1.
    settings.DEBUG = True


def endpoint_for(clinic: Clinic, url: str, events: list[str] | None = None) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        clinic=clinic, url=url, secret="whsec_test-secret", events=events or []
    )


def test_a_screening_records_one_delivery_per_subscribed_endpoint(
    clinic_a: Clinic, clinic_b: Clinic, patient: Patient
) -> None:
    # given
    wanted = endpoint_for(clinic_a, "https://hooks.example.org/all")
    only_reports = endpoint_for(clinic_a, "https://hooks.example.org/r", ["report.ready"])
    paused = endpoint_for(clinic_a, "https://hooks.example.org/paused")
    paused.is_active = False
    paused.save()
    other_clinic = endpoint_for(clinic_b, "https://hooks.example.org/b")
    # when
    screening = intake_submit(patient=patient, document=sample_document())
    # then
    deliveries = WebhookDelivery.objects.all()
    assert [delivery.endpoint_id for delivery in deliveries] == [wanted.pk]
    payload = json.loads(deliveries[0].payload)
    assert payload["type"] == "screening.created"
    assert payload["data"]["screening"] == screening.pk
    # ids, links and the alarm codes only: no other clinical data in the event
    assert set(payload["data"]) == {
        "screening",
        "intake",
        "patient",
        "refer_first",
        "red_flags",
        "links",
    }
    assert (payload["data"]["refer_first"], payload["data"]["red_flags"]) == (False, [])
    assert only_reports.deliveries.count() == paused.deliveries.count() == 0
    assert other_clinic.deliveries.count() == 0


def test_a_screening_with_alarm_features_announces_refer_first_and_its_red_flag_codes(
    clinic_a: Clinic, patient: Patient
) -> None:
    endpoint_for(clinic_a, "https://hooks.example.org/all")
    document = sample_document(
        answers={"red_flags.weight_loss": True, "history.symptom_onset_year": 2025}
    )
    intake_submit(patient=patient, document=document)
    data = json.loads(WebhookDelivery.objects.get().payload)["data"]
    assert data["refer_first"] is True
    # the codes of SCREENING.md, in its order (onset_after_50 last)
    assert data["red_flags"] == ["weight_loss", "onset_after_50"]


def test_a_delivery_is_signed_with_the_endpoint_secret(
    local_hooks: None, clinic_a: Clinic, patient: Patient
) -> None:
    with webhook_receiver(secret="whsec_test-secret") as receiver:
        # given
        endpoint = endpoint_for(clinic_a, receiver.url)
        intake_submit(patient=patient, document=sample_document())
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        # when
        attempted = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
    # then
    assert attempted is not None and attempted.status == WebhookDelivery.Status.DELIVERED
    [request] = receiver.received
    assert request.path == "/hooks/barrier"
    assert request.body == delivery.payload.encode()
    # Standard Webhooks, verified by its library in the receiver
    assert request.verified is True
    assert request.headers["Webhook-Signature"].startswith("v1,")
    assert request.headers["Webhook-Event"] == "screening.created"
    assert request.headers["Webhook-Id"] == str(delivery.event_id)
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status_code == 200
    assert delivery.delivered_at is not None


def test_a_delivery_answered_500_is_retried_with_backoff(
    local_hooks: None, clinic_a: Clinic, patient: Patient
) -> None:
    with webhook_receiver(statuses=[500, 200], secret="whsec_test-secret") as receiver:
        # given
        endpoint_for(clinic_a, receiver.url)
        intake_submit(patient=patient, document=sample_document())
        delivery = WebhookDelivery.objects.get()
        # when the first attempt fails
        first = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
        # then it waits for the backoff
        assert first is not None and first.status == WebhookDelivery.Status.PENDING
        assert first.last_status_code == 500 and first.last_error == "HTTP 500"
        wait = first.next_attempt_at - timezone.now()
        assert timedelta(seconds=20) < wait < timedelta(seconds=40)
        assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) is None
        assert webhooks.webhook_deliveries_due() == []
        # when its time comes
        later = first.next_attempt_at + timedelta(seconds=1)
        assert webhooks.webhook_deliveries_due(now=later) == [delivery.pk]
        second = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, now=later)
    # then
    assert second is not None and second.status == WebhookDelivery.Status.DELIVERED
    assert second.attempts == 2
    assert [r.body for r in receiver.received] == [delivery.payload.encode()] * 2
    # each attempt signed afresh, as the same message: receivers deduplicate by Webhook-Id
    assert [r.verified for r in receiver.received] == [True, True]
    assert {r.headers["Webhook-Id"] for r in receiver.received} == {str(delivery.event_id)}


def test_a_delivery_that_keeps_failing_stops_at_the_attempt_cap(
    local_hooks: None, clinic_a: Clinic, patient: Patient
) -> None:
    with webhook_receiver(statuses=[503]) as receiver:
        endpoint_for(clinic_a, receiver.url)
        intake_submit(patient=patient, document=sample_document())
        delivery = WebhookDelivery.objects.get()
        now = timezone.now()
        for _ in range(webhooks.MAX_ATTEMPTS + 2):
            now += timedelta(days=1)
            webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, now=now)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


def test_redirects_are_not_followed(local_hooks: None, clinic_a: Clinic, patient: Patient) -> None:
    with webhook_receiver(statuses=[302]) as receiver:
        endpoint_for(clinic_a, receiver.url)
        intake_submit(patient=patient, document=sample_document())
        delivery = webhooks.webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    assert delivery is not None and delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_status_code == 302
    assert len(receiver.received) == 1


def test_an_unreachable_endpoint_is_recorded_and_retried(
    local_hooks: None, clinic_a: Clinic, patient: Patient
) -> None:
    endpoint_for(clinic_a, "http://127.0.0.1:9/closed")
    intake_submit(patient=patient, document=sample_document())
    delivery = webhooks.webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    assert delivery is not None and delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_status_code is None
    assert "ConnectionRefusedError" in delivery.last_error


def test_the_task_schedules_a_near_retry_and_leaves_a_far_one_to_the_sweep(
    local_hooks: None, clinic_a: Clinic, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduled: list[dict[str, Any]] = []
    monkeypatch.setattr(
        tasks.webhook_deliver_task, "apply_async", lambda **kwargs: scheduled.append(kwargs)
    )
    with webhook_receiver(statuses=[500]) as receiver:
        endpoint_for(clinic_a, receiver.url)
        intake_submit(patient=patient, document=sample_document())
        delivery = WebhookDelivery.objects.get()
        tasks.webhook_deliver_task(delivery.pk)
        assert len(scheduled) == 1 and 20 < scheduled[0]["countdown"] < 40
        # Six failures later the backoff is long: the sweep, not a countdown, picks it up.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=6, next_attempt_at=timezone.now()
        )
        tasks.webhook_deliver_task(delivery.pk)
    assert len(scheduled) == 1
    assert len(receiver.received) == 2


def test_an_intake_is_accepted_when_the_broker_is_down_and_the_sweep_catches_up(
    clinic_a: Clinic,
    patient: Patient,
    writer: APIClient,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a broker that refuses every message
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", broker_down)
    monkeypatch.setattr("reports.tasks.report_render_task.delay", broker_down)
    endpoint_for(clinic_a, "https://hooks.example.org/a")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = writer.post(
            "/api/v1/intakes/",
            {"patient": patient.pk, "document": sample_document()},
            format="json",
        )
    # then the data is saved and the delivery waits, due, for the sweep
    assert response.status_code == 201
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    published: list[int] = []
    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", published.append)
    tasks.webhooks_sweep_task()
    assert published == [delivery.pk]


def test_report_ready_is_announced_once_per_render(clinic_a: Clinic, patient: Patient) -> None:
    endpoint = endpoint_for(clinic_a, "https://hooks.example.org/a", ["report.ready"])
    screening = intake_submit(patient=patient, document=sample_document())
    Report.objects.filter(screening=screening).update(
        status=Report.Status.READY, finished_at=timezone.now()
    )
    assert webhooks.report_ready_events_catch_up() == 1
    assert webhooks.report_ready_events_catch_up() == 0
    [delivery] = endpoint.deliveries.all()
    assert json.loads(delivery.payload)["data"]["screening"] == screening.pk
    # A render that finishes again (regenerated) is a new event.
    Report.objects.filter(screening=screening).update(
        finished_at=timezone.now() + timedelta(minutes=1)
    )
    assert webhooks.report_ready_events_catch_up() == 1


def test_webhook_urls_must_be_https_and_public_outside_debug(
    writer: APIClient, public_dns: None, settings: SettingsWrapper
) -> None:
    settings.DEBUG = False
    for url, accepted in [
        ("https://hooks.example.org/in", True),
        ("http://hooks.example.org/in", False),
        ("https://user:pw@hooks.example.org/in", False),
    ]:
        response = writer.post("/api/v1/webhooks/", {"url": url}, format="json")
        assert (response.status_code == 201) is accepted, (url, response.content)
        if not accepted:
            assert response.json()["errors"][0]["field"] == "url"


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "fd00::1"]
)
def test_webhook_urls_may_not_point_into_private_networks(
    address: str, writer: APIClient, monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper
) -> None:
    import socket

    settings.DEBUG = False
    monkeypatch.setattr(
        "webhooks.targets.socket.getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))],
    )
    response = writer.post(
        "/api/v1/webhooks/", {"url": "https://innocent.example.org/"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "url_not_allowed"


def test_the_secret_is_shown_once_and_deliveries_are_listed(
    local_hooks: None, writer: APIClient, patient: Patient
) -> None:
    created = writer.post(
        "/api/v1/webhooks/", {"url": "http://127.0.0.1:9/x", "events": []}, format="json"
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    endpoint_id = created.json()["id"]
    assert "secret" not in writer.get(f"/api/v1/webhooks/{endpoint_id}/").json()
    intake_submit(patient=patient, document=sample_document())
    deliveries = writer.get(f"/api/v1/webhooks/{endpoint_id}/deliveries/").json()["results"]
    assert [d["event_type"] for d in deliveries] == ["screening.created"]
    assert deliveries[0]["status"] == "pending" and deliveries[0]["attempts"] == 0


# The broker path, end to end: a real Redis, a real worker process, PostgreSQL.


@pytest.fixture
def broker_url() -> Any:
    """This process publishes to the test's own Redis database while the test runs."""
    from clinic.celery import app

    url = os.environ.get("API_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
    require_service("Redis", redis_available(url), f"no answer at {url}")

    def use(broker: str) -> None:
        # Connection and producer pools are created on first use, for the configured URL.
        app.conf.broker_url = broker
        app._pool = None
        app.amqp._producer_pool = None

    def purge() -> None:
        # Messages left over (e.g. a report render the worker did not reach) go with the test.
        import redis

        client = redis.Redis.from_url(url)
        client.delete("celery", "unacked", "unacked_index")
        client.close()

    previous = app.conf.broker_url
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
    from django.db import connection

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


def test_a_finished_render_announces_report_ready_at_once(
    clinic_a: Clinic, patient: Patient
) -> None:
    # given an endpoint for report.ready and a report being rendered
    endpoint = endpoint_for(clinic_a, "https://hooks.example.org/a", ["report.ready"])
    screening = intake_submit(patient=patient, document=sample_document())
    report = Report.objects.get(screening=screening)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RENDERING, attempts=1)
    # when the render finishes
    report_finish(report=report, attempt=1, name="r.pdf", content=b"%PDF", page_count=1)
    # then the event is recorded with the status change, and the sweep adds nothing
    [delivery] = endpoint.deliveries.all()
    assert delivery.event_type == "report.ready"
    assert json.loads(delivery.payload)["data"]["report"] == report.pk
    assert webhooks.report_ready_events_catch_up() == 0
