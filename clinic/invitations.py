"""Invitation links and their email. (The patient form guards the link itself:
`clinic.intake_form.guard`; logs leave its token out: `clinic.access_log`.)"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from clinic.links import Links
from clinic.models import Invitation, token_hash


def invitation_url(*, token: str, base_url: str) -> str:
    return Links(base_url.rstrip("/")).intake_form(token)


def invitation_send(*, invitation: Invitation, token: str, base_url: str) -> int:
    """Email the private link to the patient; the number of messages sent (0 or 1)."""
    if token_hash(token) != invitation.token_sha256:
        raise ValueError("the token does not belong to this invitation")
    patient = invitation.patient
    if not patient.email:
        raise ValueError("the patient has no email address")
    context = {
        "clinic_name": invitation.clinic.name,
        "url": invitation_url(token=token, base_url=base_url),
        "expires_on": invitation.expires_at.date(),
    }
    # The subject and body name the clinic, never the patient or their health.
    return send_mail(
        subject=f"Your health questionnaire from {invitation.clinic.name}",
        message=render_to_string("clinic/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[patient.email],
    )
