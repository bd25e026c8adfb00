"""Idle sign-out and the absolute session limit (dashboard/sessions.py)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from clinic.models import User

pytestmark = pytest.mark.django_db

START = "2026-12-01T08:00:00Z"


def signed_in_client(user: User) -> Client:
    client = Client()
    response = client.post(
        reverse("login"), {"username": user.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    return client


def reaches_dashboard(client: Client) -> bool:
    response = client.get(reverse("dashboard:home"))
    return response.status_code == 200


@override_settings(SESSION_IDLE_TIMEOUT=15 * 60, SESSION_ABSOLUTE_TIMEOUT=8 * 60 * 60)
def test_a_session_idle_for_fifteen_minutes_is_signed_out(practitioner: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(practitioner)
        traveller.shift(15 * 60)
        response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


@override_settings(SESSION_IDLE_TIMEOUT=15 * 60, SESSION_ABSOLUTE_TIMEOUT=8 * 60 * 60)
def test_activity_within_the_idle_timeout_keeps_the_session(practitioner: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(practitioner)
        for _ in range(4):
            traveller.shift(14 * 60)
            assert reaches_dashboard(client)


@override_settings(SESSION_IDLE_TIMEOUT=15 * 60, SESSION_ABSOLUTE_TIMEOUT=8 * 60 * 60)
def test_the_sign_in_page_says_why_after_an_idle_sign_out(practitioner: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(practitioner)
        traveller.shift(20 * 60)
        response = client.get(reverse("dashboard:home"), follow=True)
    assert b"You were signed out 15 minutes without activity." in response.content


@override_settings(SESSION_IDLE_TIMEOUT=15 * 60, SESSION_ABSOLUTE_TIMEOUT=8 * 60 * 60)
def test_an_active_session_ends_at_the_absolute_limit(practitioner: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(practitioner)
        for _ in range(7 * 6 + 5):  # every 10 minutes up to 7 h 50 min
            traveller.shift(10 * 60)
            assert reaches_dashboard(client)
        traveller.shift(10 * 60)
        assert not reaches_dashboard(client)
    assert "_auth_user_id" not in client.session


@override_settings(SESSION_IDLE_TIMEOUT=5 * 60, SESSION_ABSOLUTE_TIMEOUT=60 * 60)
def test_the_limits_follow_the_settings(practitioner: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(practitioner)
        traveller.shift(4 * 60)
        assert reaches_dashboard(client)
        traveller.shift(5 * 60)
        assert not reaches_dashboard(client)


@override_settings(SESSION_IDLE_TIMEOUT=15 * 60, SESSION_ABSOLUTE_TIMEOUT=8 * 60 * 60)
def test_an_idle_session_is_refused_by_the_api_too(practitioner: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(practitioner)
        assert client.get("/api/v1/patients/").status_code == 200
        traveller.shift(16 * 60)
        assert client.get("/api/v1/patients/").status_code in (401, 403)


@override_settings(SESSION_IDLE_TIMEOUT=30 * 60, SESSION_ABSOLUTE_TIMEOUT=60 * 60)
def test_a_shorter_absolute_limit_ends_an_active_session(practitioner: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in_client(practitioner)
        traveller.shift(20 * 60)
        assert reaches_dashboard(client)
        traveller.shift(20 * 60)
        assert reaches_dashboard(client)
        traveller.shift(20 * 60)
        assert not reaches_dashboard(client)
