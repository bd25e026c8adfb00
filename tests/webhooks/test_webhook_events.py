"""Webhook events: recorded with the screening for each subscribed endpoint, carrying ids,
links and alarm codes only; report.ready announced once per render."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.models import Clinic, Patient
from reports.models import Report
from reports.services import report_finish
from screening.samples import sample_document
from screening.services import intake_submit
from tests.webhooks.conftest import endpoint_for
from webhooks import services as webhooks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


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
