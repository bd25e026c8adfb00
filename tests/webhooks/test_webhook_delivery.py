"""Webhook deliveries to a loopback receiver: signed, retried with backoff after a failure up
to the attempt cap, redirects not followed, every attempt recorded, and the sweep catching up
when the broker is down."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.models import Clinic, Patient
from screening.samples import sample_document
from screening.services import intake_submit
from tests.webhooks.conftest import endpoint_for
from tests.webhooks.webhook_receiver import webhook_receiver
from webhooks import services as webhooks
from webhooks import tasks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


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
