"""Sign-in, failed sign-in and sign-out, recorded in the audit trail (connected in `AuditConfig`).

Who (the user; for a failed sign-in the user the username names, if any), from where (the
request's address and user agent), when. Never a password, and never an unknown username: it
may be a password typed in the wrong field. An event of no clinic (an unknown username, a
staff member of no clinic) has a null clinic and its own chain.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.models import User


def signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(
        clinic=user.clinic_id,
        action=AuditEvent.Action.SIGN_IN,
        object_type="user",
        object_id=user.pk,
        user=user,
        request=request,
    )


def signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None or not user.is_authenticated:
        return  # signing out without a session: nothing happened
    audit_record(
        clinic=user.clinic_id,
        action=AuditEvent.Action.SIGN_OUT,
        object_type="user",
        object_id=user.pk,
        user=user,
        request=request,
    )


def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    model = get_user_model()
    username = credentials.get(model.USERNAME_FIELD)
    named = (
        model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        if isinstance(username, str) and username
        else None
    )
    audit_record(
        clinic=getattr(named, "clinic_id", None),
        action=AuditEvent.Action.SIGN_IN_FAILED,
        object_type="user",
        object_id=named.pk if named is not None else "",
        user=named,
        detail="" if named is not None else "unknown username",
        request=request,
    )
