"""Sign-in, failed sign-in and sign-out are in the audit trail: who, from where, when."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import Patient, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
ORIGIN = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Mozilla/5.0 " + "x" * 300}


def sign_in(client: Client, username: str, password: str) -> None:
    client.post(reverse("login"), {"username": username, "password": password}, **ORIGIN)


def sign_ins() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="user").order_by("id"))


def test_a_sign_in_and_a_sign_out_name_the_user_and_where_from(
    client: Client, practitioner: User
) -> None:
    # when the practitioner signs in and out
    sign_in(client, practitioner.username, PASSWORD)
    client.post(reverse("logout"), **ORIGIN)
    # then both are recorded for their clinic, from their address, with the agent cut
    events = sign_ins()
    assert [event.action for event in events] == ["sign_in", "sign_out"]
    for event in events:
        assert (event.user, event.clinic_id) == (practitioner, practitioner.clinic_id)
        assert event.object_id == str(practitioner.pk)
        assert event.address == "203.0.113.9"
        assert event.user_agent == ORIGIN["HTTP_USER_AGENT"][:200]


def test_a_failed_sign_in_names_the_user_and_never_the_password(
    client: Client, practitioner: User
) -> None:
    sign_in(client, practitioner.username, "wrong-password-123")
    [event] = sign_ins()
    assert (event.action, event.user, event.clinic_id) == (
        "sign_in_failed",
        practitioner,
        practitioner.clinic_id,
    )
    assert event.address == "203.0.113.9"
    assert "wrong-password" not in str(vars(event))


def test_a_failed_sign_in_of_an_unknown_username_has_no_clinic_and_no_username(
    client: Client,
) -> None:
    sign_in(client, "my-password-typed-here", "whatever-123")
    [event] = sign_ins()
    assert (event.action, event.user, event.clinic) == ("sign_in_failed", None, None)
    assert event.detail == "unknown username"
    assert "my-password" not in str(vars(event))


def test_a_staff_member_of_no_clinic_signs_in_on_the_chain_of_no_clinic(client: Client) -> None:
    superuser = UserFactory(clinic=None, is_superuser=True, is_staff=True)
    sign_in(client, superuser.username, PASSWORD)
    [event] = sign_ins()
    assert (event.action, event.user, event.clinic) == ("sign_in", superuser, None)
    assert event.previous_hash == "" and len(event.hash) == 64


def test_reads_record_the_address_and_user_agent(
    client: Client, practitioner: User, patient: Patient
) -> None:
    # (a list of no rows records nothing: the clinic has a patient to show)
    client.force_login(practitioner)
    assert client.get(reverse("dashboard:patients"), **ORIGIN).status_code == 200
    [read] = AuditEvent.objects.exclude(object_type="user")
    assert (read.address, read.user_agent) == ("203.0.113.9", ORIGIN["HTTP_USER_AGENT"][:200])
