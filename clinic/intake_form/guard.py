"""Guarding the private intake link: unknown links limited per client address, pages never
cached, indexed or referred elsewhere.

The limit never refuses a valid link: a token is looked up first, and only a further unknown
(or expired) one from an address past its limit is refused. A shared address (a clinic's
Wi-Fi, a proxy) therefore cannot lock its patients out, and the address is the client's as the
trusted proxies report it (`clinic.request_origin`), never the proxy's own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.cache import never_cache

from api.throttling import counter_get, counter_incr
from clinic.request_origin import client_key

# Failed link look-ups (unknown or expired token) allowed per client address and window.
# Counted from the first failure on, in the counters all server processes share.
LINK_FAILURE_LIMIT_DEFAULT = 20
LINK_FAILURE_WINDOW_SECONDS_DEFAULT = 15 * 60


View = Callable[..., HttpResponseBase]


def client_address(request: HttpRequest) -> str:
    """The key failures are counted under: the client's address through the trusted proxies."""
    return client_key(request)


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
