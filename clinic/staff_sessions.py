"""Ending a staff member's sessions: every browser signed in as them is signed out at once."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from clinic.models import User


def user_sessions_end(user: User) -> int:
    """Delete every unexpired session signed in as `user`; return how many were ended.

    Sessions are kept in the database (`SESSION_ENGINE`, Django's default `db`, or `cached_db`,
    whose cached copy goes too). The table has no user column, so each unexpired session is
    decoded to find the user's: a scan of the signed-in sessions, fine for a rare admin action.
    An engine without a table (cookies, cache alone) cannot be searched and is refused.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        raise ImproperlyConfigured(f"{settings.SESSION_ENGINE}: sessions cannot be listed by user")
    sessions = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    keys = [
        session.session_key
        for session in sessions.iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)
