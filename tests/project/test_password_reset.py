"""Password-reset emails are limited per account and per client address; the page never tells."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from clinic.models import Clinic, User
from tests.factories import UserFactory

URL = "/accounts/password_reset/"
CLIENT_IP = "198.51.100.20"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings: Any) -> None:
    settings.PASSWORD_RESET_EMAILS_PER_ACCOUNT = 3
    settings.PASSWORD_RESET_EMAILS_PER_ADDRESS = 10


def request_reset(email: str, client_ip: str = CLIENT_IP) -> Any:
    return Client(REMOTE_ADDR=client_ip).post(URL, {"email": email})


def test_ten_requests_for_one_account_send_only_its_limit_of_emails(practitioner: User) -> None:
    responses = [request_reset(practitioner.email) for _ in range(10)]

    assert len(mail.outbox) == 3
    assert {message.to[0] for message in mail.outbox} == {practitioner.email}
    assert {(response.status_code, response["Location"]) for response in responses} == {
        (302, "/accounts/password_reset/done/")
    }


def test_the_account_limit_holds_whatever_address_asks(practitioner: User) -> None:
    for number in range(6):
        request_reset(practitioner.email, client_ip=f"192.0.2.{number}")

    assert len(mail.outbox) == 3


def test_one_address_sends_at_most_its_limit_of_emails_over_all_accounts(
    clinic_a: Clinic,
) -> None:
    users = UserFactory.create_batch(12, clinic=clinic_a)

    for user in users:
        request_reset(user.email)

    assert len(mail.outbox) == 10
    assert len(mail.outbox) == len({message.to[0] for message in mail.outbox})


def test_a_limited_an_unknown_and_a_served_request_answer_alike(practitioner: User) -> None:
    served = request_reset(practitioner.email)
    for _ in range(3):
        limited = request_reset(practitioner.email)
    unknown = request_reset("nobody@example.org")

    assert len(mail.outbox) == 3
    for response in (served, limited, unknown):
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password_reset/done/"


def test_behind_the_trusted_proxy_each_client_has_its_own_budget(
    settings: Any, clinic_a: Clinic
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PASSWORD_RESET_EMAILS_PER_ADDRESS = 2
    users = UserFactory.create_batch(4, clinic=clinic_a)

    for number, user in enumerate(users):
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{number % 2}").post(
            URL, {"email": user.email}
        )
    Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.0").post(
        URL, {"email": users[0].email}
    )

    assert len(mail.outbox) == 4


def test_the_reset_page_is_django_s_own_form_at_the_usual_address() -> None:
    response = Client().get(URL)

    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
