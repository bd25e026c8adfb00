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
from django.core.cache import cache
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

if TYPE_CHECKING:
    from clinic.models import Invitation

# Failed link look-ups (unknown or expired token) allowed per client address and window.
# A fixed window in Django's cache: with the default local-memory cache each server process
# counts on its own; point CACHES at a shared cache to count across processes.
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
    return (cache.get(_failure_key(address)) or 0) >= limit


def link_failure_record(address: str) -> None:
    window = getattr(
        settings, "INTAKE_LINK_FAILURE_WINDOW_SECONDS", LINK_FAILURE_WINDOW_SECONDS_DEFAULT
    )
    key = _failure_key(address)
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


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


class IntakeCsrfViewMiddleware(CsrfViewMiddleware):
    """Django's CSRF protection, accepting the `Origin: null` of the form pages' own posts.

    Under `Referrer-Policy: no-referrer` browsers send `Origin: null` on every POST, even to
    the same origin (Fetch standard). The CSRF token and its SameSite cookie are still checked.
    """

    # A private method of Django's middleware: the test of a null origin pins its behaviour.
    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null":
            return True
        return super()._origin_verified(request)  # type: ignore[misc]


intake_csrf_protect = decorator_from_middleware(IntakeCsrfViewMiddleware)


def private_page(view: View) -> View:
    """No caching, no referrer, no indexing: the token in the URL must not travel."""
    protected = intake_csrf_protect(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = protected(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    # The site-wide CSRF check would refuse `Origin: null`; the page checks CSRF itself.
    return csrf_exempt(never_cache(wrapped))
