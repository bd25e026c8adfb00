"""The guards around the private intake link: CSRF, private pages, expiry, unknown and guessed
links, tokens stored only as hashes, and other patients' links untouched."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from clinic.models import Invitation, Patient
from clinic.services import invitation_create
from tests.clinic.intake_form.filling import ANSWERS, fill_sections, start, url
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_a_post_without_the_csrf_token_is_refused(token: str) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get(url(token, "welcome")).status_code == 200
    response = client.post(url(token, "welcome"), {"consent": "on"})
    assert response.status_code == 403


def test_every_form_page_is_private(client: Client, token: str, patient: Patient) -> None:
    pages = [client.get(url(token, "welcome"))]
    start(client, token)
    pages += [client.get(url(token, "bloating")), client.get(url(token, "no-such-step"))]
    pages.append(client.get(url("wrong-token-0000000000000000000000")))
    for response in pages:
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "same-origin"
        html = response.content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert patient.family_name not in html and patient.given_name not in title
        assert token not in title


def test_an_expired_link_shows_a_friendly_page(client: Client, patient: Patient) -> None:
    invitation, token = invitation_create(patient=patient)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(url(token))

    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has expired" in html
    assert patient.clinic.name in html


def test_the_link_expires_after_the_configured_days(
    client: Client, patient: Patient, settings: Any
) -> None:
    settings.INVITATION_TTL_DAYS = 3
    invitation, _ = invitation_create(patient=patient)
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - timedelta(days=3)) < timedelta(seconds=1)


def test_an_unknown_link_shows_a_friendly_page(client: Client) -> None:
    response = client.get(url("a" * 43))
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert client.get(url("a" * 500, "welcome")).status_code == 404


def test_wrong_links_are_rate_limited_per_client_address(
    client: Client, token: str, settings: Any
) -> None:
    settings.INTAKE_LINK_FAILURE_LIMIT = 5
    for attempt in range(5):
        assert client.get(url(f"guess-{attempt}")).status_code == 404

    # then: further wrong links wait, from that address only; a right link never waits
    response = client.get(url("guess-again", "welcome"))
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.content.decode()
    assert client.get(url(token, "welcome")).status_code == 200
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert elsewhere.get(url("guess-elsewhere", "welcome")).status_code == 404


def test_a_token_is_stored_only_as_its_hash(token: str, invitation: Invitation) -> None:
    assert len(token) >= 43  # 32 random bytes: 256 bits
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())


def test_another_patient_is_unaffected(client: Client, token: str, clinic_a: Any) -> None:
    other = PatientFactory(clinic=clinic_a)
    _, other_token = invitation_create(patient=other)
    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")

    assert client.get(url(other_token))["Location"] == url(other_token, "welcome")
