"""Idle sign-out and an absolute session limit (Django extends a session only when it is saved).

A signed-in session records when it began (`user_logged_in`) and when it was last used. A
request after SESSION_IDLE_TIMEOUT seconds without one, or SESSION_ABSOLUTE_TIMEOUT seconds
after signing in, signs the user out before the view runs: pages then send them to sign in,
the API answers as to anyone not signed in. The last use is written at most once a minute, so
a page of requests costs no session write each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponseBase

SIGNED_IN_AT_KEY = "signed_in_at"
LAST_SEEN_KEY = "last_seen_at"
LAST_SEEN_RESOLUTION_SECONDS = 60


def session_signed_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Receiver of `user_logged_in`: the session's clocks start now."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT_KEY] = now
        request.session[LAST_SEEN_KEY] = now


def session_expiry_reason(session: Any, now: int) -> str | None:
    """Why this session has ended ("idle" or "absolute"), or None while it is valid."""
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    last_seen_at = session.get(LAST_SEEN_KEY, signed_in_at)
    if signed_in_at is None or last_seen_at is None:
        # Signed in before this middleware existed: its clocks start now.
        return None
    if now - int(signed_in_at) >= settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if now - int(last_seen_at) >= settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    return None


class SessionTimeoutMiddleware:
    """Signs out sessions idle too long or older than the absolute limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            self.session_check(request)
        return self.get_response(request)

    def session_check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        reason = session_expiry_reason(session, now)
        if reason is not None:
            logout(request)
            minutes = (
                settings.SESSION_IDLE_TIMEOUT
                if reason == "idle"
                else settings.SESSION_ABSOLUTE_TIMEOUT
            ) // 60
            why = "without activity" if reason == "idle" else "after signing in"
            messages.info(request, f"You were signed out {minutes} minutes {why}.")
            return
        session.setdefault(SIGNED_IN_AT_KEY, now)
        last_seen_at = int(session.get(LAST_SEEN_KEY, 0))
        if now - last_seen_at >= LAST_SEEN_RESOLUTION_SECONDS:
            session[LAST_SEEN_KEY] = now
