"""Invitation links: the email, the management command, and tokens kept out of logs."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from audit.models import AuditEvent
from clinic.access_log import RedactUrls, redact_intake_path
from clinic.invitations import invitation_send
from clinic.models import Invitation, Patient, token_hash
from clinic.services import invitation_create

pytestmark = pytest.mark.django_db


def test_the_invitation_email_carries_the_link_and_no_health_data(patient: Patient) -> None:
    patient.email = "patient@example.org"
    patient.save()
    invitation, token = invitation_create(patient=patient)

    sent = invitation_send(invitation=invitation, token=token, base_url="https://intake.example/")

    assert sent == 1
    message = mail.outbox[0]
    assert message.to == ["patient@example.org"]
    assert f"https://intake.example/intake/{token}/" in message.body
    assert patient.clinic.name in message.subject
    assert patient.family_name not in message.subject + message.body


def test_an_invitation_is_not_sent_with_a_foreign_token_or_without_an_address(
    patient: Patient,
) -> None:
    invitation, token = invitation_create(patient=patient)
    patient.email = ""
    with pytest.raises(ValueError, match="no email"):
        invitation_send(invitation=invitation, token=token, base_url="https://x.example")
    with pytest.raises(ValueError, match="does not belong"):
        invitation_send(invitation=invitation, token="other", base_url="https://x.example")
    assert mail.outbox == []


def test_invite_patient_prints_a_working_link(patient: Patient, client: Client) -> None:
    out = io.StringIO()

    call_command(
        "invite_patient",
        "--clinic",
        patient.clinic.slug,
        "--patient",
        patient.external_id,
        "--base-url",
        "http://testserver",
        stdout=out,
        stderr=io.StringIO(),
    )

    link = out.getvalue().strip()
    token = link.removeprefix("http://testserver/intake/").rstrip("/")
    invitation = Invitation.objects.get(patient=patient)
    assert invitation.token_sha256 == token_hash(token)
    assert client.get(link.removeprefix("http://testserver")).status_code == 302
    assert mail.outbox == []
    assert AuditEvent.objects.filter(object_type="invitation", object_id=invitation.pk).exists()


def test_invite_patient_emails_the_link_when_asked(patient: Patient) -> None:
    patient.email = "patient@example.org"
    patient.save()
    out = io.StringIO()

    call_command(
        "invite_patient",
        "--clinic",
        patient.clinic.slug,
        "--patient",
        patient.external_id,
        "--email",
        stdout=out,
        stderr=io.StringIO(),
    )

    assert len(mail.outbox) == 1
    assert out.getvalue().strip() in mail.outbox[0].body


def test_invite_patient_says_so_when_the_patient_has_no_address(patient: Patient) -> None:
    err = io.StringIO()
    call_command(
        "invite_patient",
        "--clinic",
        patient.clinic.slug,
        "--patient",
        patient.external_id,
        "--email",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "no email address" in err.getvalue()
    assert mail.outbox == []


def test_invite_patient_refuses_a_patient_of_another_clinic(
    patient: Patient, clinic_b: Any
) -> None:
    with pytest.raises(CommandError, match="No such patient"):
        call_command(
            "invite_patient",
            "--clinic",
            clinic_b.slug,
            "--patient",
            patient.external_id,
            stdout=io.StringIO(),
        )


def test_the_redaction_hides_the_token_and_keeps_the_rest() -> None:
    assert (
        redact_intake_path('"GET /intake/abc-DEF_123/review/?from=review HTTP/1.1" 404')
        == '"GET /intake/[token]/review/?from=review HTTP/1.1" 404'
    )
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        "",
        0,
        "Gone: %s",
        ("/intake/secret-token/welcome/",),
        None,
    )
    assert RedactUrls().filter(record)
    assert record.getMessage() == "Gone: /intake/[token]/welcome/"


def test_django_request_logs_of_a_wrong_link_do_not_contain_the_token(
    client: Client, token: str, invitation: Invitation, caplog: pytest.LogCaptureFixture
) -> None:
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        with caplog.at_level(logging.INFO):
            client.get("/intake/wrong-secret-token/welcome/")  # 404
            Invitation.objects.filter(pk=invitation.pk).update(expires_at="2000-01-01T00:00Z")
            client.get(f"/intake/{token}/")  # 410
    finally:
        console.setStream(previous)

    logged = stream.getvalue() + caplog.text
    assert "/intake/[token]/" in logged
    assert "wrong-secret-token" not in logged
    assert token not in logged
