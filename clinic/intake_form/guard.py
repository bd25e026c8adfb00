"""Guarding the private intake link: failed look-ups limited per address, pages never cached,
indexed or referred elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.cache import never_cache

from api.throttling import counter_get, counter_incr

# Failed link look-ups (unknown or expired token) allowed per client address and window.
# Counted from the first failure on, in the counters all server processes share.
LINK_FAILURE_LIMIT_DEFAULT = 20
LINK_FAILURE_WINDOW_SECONDS_DEFAULT = 15 * 60


View = Callable[..., HttpResponseBase]


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
