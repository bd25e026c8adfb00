"""Sign-in lock-out (django-axes): failing closed, the page a locked-out user sees, and the
clinic admin's page that lifts a lock-out of one of the clinic's users.

Failed sign-ins are counted by axes in the database (`AccessAttempt`), per username and per
client address (settings `AXES_*`). When that store cannot be read or written, the sign-in
answers 503: an attempt that cannot be counted is not let through.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.db import DatabaseError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.models import User
from clinic.request_origin import client_key
from dashboard.views import clinic_admin, staff_page

logger = logging.getLogger(__name__)


class LockoutStoreUnavailable(Exception):
    """The failed sign-ins could not be read or written: refuse the sign-in."""


class FailClosedDatabaseHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes' database handler, turning a database error into `LockoutStoreUnavailable`."""

    def is_allowed(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        try:
            return bool(super().is_allowed(request, credentials))
        except DatabaseError as error:
            raise LockoutStoreUnavailable from error

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        try:
            super().user_login_failed(sender, credentials, request, **kwargs)
        except DatabaseError as error:
            raise LockoutStoreUnavailable from error

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        # A sign-in without a client address (a session opened by the server itself, as in a
        # shell or a test's force_login) has no failed attempts to reset.
        if request is None or sign_in_client_address(request) is None:
            return
        try:
            super().user_logged_in(sender, request, user, **kwargs)
        except DatabaseError as error:
            raise LockoutStoreUnavailable from error


class LockoutStoreGuardMiddleware:
    """Answers 503 (in the dashboard's look) when the lock-out store is down."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, LockoutStoreUnavailable):
            return None
        logger.error("sign-in refused: the lock-out store is unavailable (%r)", exception.__cause__)
        response = render(request, "registration/signin_unavailable.html", status=503)
        response["Retry-After"] = "60"
        return response


def sign_in_client_address(request: HttpRequest) -> str | None:
    """The address failed sign-ins are counted against, read through the trusted proxies
    (`TRUSTED_PROXY_COUNT`); an IPv6 client counts as its /64, stored as the network's first
    address (axes keeps it in an address column). None without a valid address.
    """
    key = client_key(request)
    try:
        return str(ipaddress.ip_network(key, strict=False).network_address)
    except ValueError:
        return None


def cool_off_minutes() -> int:
    cool_off = get_cool_off()
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The sign-in page with the lock-out message (axes' AXES_LOCKOUT_CALLABLE), 429."""
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "cooloff_minutes": cool_off_minutes(),
        "next": request.POST.get("next", "") if request.method == "POST" else "",
    }
    return render(request, "registration/login.html", context, status=429)


def locked_usernames(usernames: list[str]) -> dict[str, int]:
    """Of these usernames, those locked out now, with their failure counts."""
    attempts = AccessAttempt.objects.filter(username__in=usernames)
    cool_off = get_cool_off()
    if cool_off:
        attempts = attempts.filter(attempt_time__gt=timezone.now() - cool_off)
    rows = attempts.values("username").annotate(failures=Sum("failures_since_start"))
    return {
        row["username"]: row["failures"]
        for row in rows
        if row["failures"] >= settings.AXES_FAILURE_LIMIT
    }


@staff_page
def locked_accounts(request: HttpRequest) -> HttpResponse:
    """The clinic's users who are locked out of signing in, each with an unlock button."""
    admin = clinic_admin(request, may="unlock sign-ins")
    assert admin.clinic_id is not None  # a clinic admin's, as clinic_admin checked
    users = {u.username: u for u in User.objects.filter(clinic_id=admin.clinic_id)}
    locked = locked_usernames(list(users))
    rows = [{"user": users[name], "failures": count} for name, count in sorted(locked.items())]
    return render(
        request,
        "registration/locked_accounts.html",
        {"rows": rows, "cooloff_minutes": cool_off_minutes()},
    )


@staff_page
@require_POST
def account_unlock(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Lift the lock-out of one user of the admin's clinic (their failed sign-ins are forgotten)."""
    admin = clinic_admin(request, may="unlock sign-ins")
    user = get_object_or_404(User, pk=pk, clinic_id=admin.clinic_id)
    axes_reset(username=user.username)
    audit_record(
        clinic=admin.clinic_id,
        action=AuditEvent.Action.UPDATE,
        object_type="user",
        object_id=user.pk,
        user=admin,
        detail="sign-in lock-out lifted",
        request=request,
    )
    messages.success(request, f"{user.get_username()} can sign in again.")
    return HttpResponseRedirect(reverse("dashboard:locked_accounts"))
