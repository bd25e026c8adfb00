"""Sign-in lock-out (django-axes): after N failures per username or per address, until the
cool-off passes or a clinic admin unlocks; 503 when the lock-out store is down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import Clinic, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
START = "2026-12-01T10:00:00Z"


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and response.url == reverse("dashboard:home")


def fail(client: Client, username: str, times: int, address: str = "10.0.0.1") -> Any:
    response = None
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", address)
    return response


@override_settings(AXES_FAILURE_LIMIT=5)
def test_four_failures_then_the_right_password_signs_in(practitioner: User) -> None:
    client = Client()
    fail(client, practitioner.username, 4)
    assert signed_in(sign_in(client, practitioner.username, PASSWORD))


@override_settings(AXES_FAILURE_LIMIT=5)
def test_the_fifth_failure_locks_out_with_a_clear_message(practitioner: User) -> None:
    response = fail(Client(), practitioner.username, 5)
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content
    assert b"ask a clinic admin" in response.content
    assert b'name="password"' in response.content  # the sign-in page, not axes' default


@override_settings(AXES_FAILURE_LIMIT=5)
def test_the_right_password_is_refused_while_locked(practitioner: User) -> None:
    client = Client()
    fail(client, practitioner.username, 5)
    response = sign_in(client, practitioner.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=5)
def test_a_locked_username_is_refused_from_another_address(practitioner: User) -> None:
    fail(Client(), practitioner.username, 5, address="10.0.0.1")
    response = sign_in(Client(), practitioner.username, PASSWORD, address="10.9.9.9")
    assert response.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=5)
def test_an_address_with_five_failures_is_locked_for_every_username(clinic_a: Clinic) -> None:
    other = UserFactory(clinic=clinic_a)
    for name in ("nobody1", "nobody2", "nobody3", "nobody4", "nobody5"):
        sign_in(Client(), name, "wrong-password", address="10.0.0.7")
    assert sign_in(Client(), other.username, PASSWORD, address="10.0.0.7").status_code == 429
    assert signed_in(sign_in(Client(), other.username, PASSWORD, address="10.0.0.8"))


@override_settings(AXES_FAILURE_LIMIT=5, AXES_COOLOFF_TIME=timedelta(minutes=30))
def test_the_lock_out_ends_after_the_cool_off_time(practitioner: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        fail(Client(), practitioner.username, 5)
        traveller.shift(29 * 60)
        assert sign_in(Client(), practitioner.username, PASSWORD).status_code == 429
        traveller.shift(2 * 60)
        assert signed_in(sign_in(Client(), practitioner.username, PASSWORD))


@pytest.fixture
def clinic_admin(clinic_a: Clinic) -> User:
    return UserFactory(clinic=clinic_a, role=User.Role.CLINIC_ADMIN)


@override_settings(AXES_FAILURE_LIMIT=5)
def test_a_clinic_admin_sees_and_unlocks_a_locked_user_of_the_clinic(
    practitioner: User, clinic_admin: User
) -> None:
    # given
    fail(Client(), practitioner.username, 5)
    admin_client = Client()
    admin_client.force_login(clinic_admin)
    # when
    page = admin_client.get(reverse("dashboard:locked_accounts"))
    response = admin_client.post(reverse("dashboard:account_unlock", args=[practitioner.pk]))
    # then
    assert page.status_code == 200
    assert f"Unlock {practitioner.username}".encode() in page.content
    assert response.status_code == 302
    assert signed_in(sign_in(Client(), practitioner.username, PASSWORD))
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_type="user")
    assert event.user == clinic_admin and event.object_id == str(practitioner.pk)
    assert event.detail == "sign-in lock-out lifted"


@override_settings(AXES_FAILURE_LIMIT=5)
def test_a_clinic_admin_cannot_unlock_a_user_of_another_clinic(
    clinic_admin: User, clinic_b: Clinic
) -> None:
    stranger = UserFactory(clinic=clinic_b)
    fail(Client(), stranger.username, 5)
    admin_client = Client()
    admin_client.force_login(clinic_admin)
    assert (
        stranger.username.encode()
        not in admin_client.get(reverse("dashboard:locked_accounts")).content
    )
    response = admin_client.post(reverse("dashboard:account_unlock", args=[stranger.pk]))
    assert response.status_code == 404
    assert sign_in(Client(), stranger.username, PASSWORD).status_code == 429


def test_a_practitioner_cannot_unlock(practitioner: User, clinic_a: Clinic) -> None:
    colleague = UserFactory(clinic=clinic_a)
    client = Client()
    client.force_login(practitioner)
    assert client.get(reverse("dashboard:locked_accounts")).status_code == 403
    response = client.post(reverse("dashboard:account_unlock", args=[colleague.pk]))
    assert response.status_code == 403


def axes_store_down(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
    if "axes_accessattempt" in sql:
        raise OperationalError("could not connect to server")
    return execute(sql, *args)


@pytest.mark.parametrize("password", ["wrong-password", PASSWORD])
def test_sign_in_answers_503_when_the_lockout_store_is_down(
    practitioner: User, password: str
) -> None:
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(axes_store_down):
        response = sign_in(client, practitioner.username, password)
    assert response.status_code == 503
    assert b"Sign-in unavailable" in response.content
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=5, TRUSTED_PROXY_COUNT=1)
def test_behind_the_trusted_proxy_failures_count_against_the_forwarded_address(
    clinic_a: Clinic,
) -> None:
    user = UserFactory(clinic=clinic_a)
    for name in ("nobody1", "nobody2", "nobody3", "nobody4", "nobody5"):
        Client().post(
            reverse("login"),
            {"username": name, "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    locked = Client().post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    other = Client().post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert locked.status_code == 429
    assert signed_in(other)
