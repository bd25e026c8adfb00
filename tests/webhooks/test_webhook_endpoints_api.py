"""Webhook endpoints through the API: HTTPS and public addresses only outside debug, the
secret shown once, and the deliveries listed."""

from __future__ import annotations

import socket

import pytest
from pytest_django import Settings as SettingsWrapper
from rest_framework.test import APIClient

from clinic.models import Patient
from screening.samples import sample_document
from screening.services import intake_submit

pytestmark = pytest.mark.django_db


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
