"""Invitation links: delivery by email, guarding the link (guessing, caching, referrers, CSRF),
keeping it out of logs.

Settings configure logging before the apps are loaded and name the log filter below, so this
module imports no models at import time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponseBase
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache

from clinic.counters import counter_get, counter_incr

if TYPE_CHECKING:
    from clinic.models import Invitation

# Failed link look-ups (unknown or expired token) allowed per client address and window.
# Counted from the first failure on, in the counters all server processes share.
LINK_FAILURE_LIMIT_DEFAULT = 20
LINK_FAILURE_WINDOW_SECONDS_DEFAULT = 15 * 60

_INTAKE_PATH = re.compile(r"(/intake/)[^/\s?#\"']+")


View = Callable[..., HttpResponseBase]


def invitation_url(*, token: str, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("intake:start", kwargs={"token": token})


def invitation_send(*, invitation: Invitation, token: str, base_url: str) -> int:
    """Email the private link to the patient; the number of messages sent (0 or 1)."""
    from clinic.models import token_hash

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


def client_address(request: HttpRequest) -> str:
    """The peer address. X-Forwarded-For is not trusted: anyone can send it.

    Behind a reverse proxy, the proxy must set REMOTE_ADDR (e.g. gunicorn's forwarded-allow-ips).
    """
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _failure_key(address: str) -> str:
    return f"intake-link-failures:{address}"


def link_failures_exceeded(address: str) -> bool:
    limit = getattr(settings, "INTAKE_LINK_FAILURE_LIMIT", LINK_FAILURE_LIMIT_DEFAULT)
    return counter_get(_failure_key(address)) >= limit


def link_failure_record(address: str) -> None:
    window = getattr(
        settings, "INTAKE_LINK_FAILURE_WINDOW_SECONDS", LINK_FAILURE_WINDOW_SECONDS_DEFAULT
    )
    counter_incr(_failure_key(address), timeout=window)


def redact_intake_path(text: str) -> str:
    return _INTAKE_PATH.sub(r"\1[token]", text)


class RedactIntakeTokens(logging.Filter):
    """Replaces the token of intake links in log messages (Django logs the path of 4xx)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/intake/" in message:
            record.msg = redact_intake_path(message)
            record.args = ()
        return True


def private_page(view: View) -> View:
    """No caching, no indexing, no referrer beyond our own origin: the token must not travel.

    `same-origin` rather than `no-referrer`: the pages load nothing from elsewhere, and under
    `no-referrer` browsers send `Origin: null` on the form's own posts, which Django's CSRF
    check rightly refuses.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapped)
