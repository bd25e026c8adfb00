"""The signed-in user's "Second factor" page: its state, new recovery codes, turning it off.

Both changes are POSTs that ask again for proof: a current code (from the app, or a recovery
code, which is then used up) or the password. The password goes through `authenticate`, so
wrong ones count towards the sign-in lock-out (django-axes) like any failed sign-in. A clinic
that requires the second factor (`Clinic.require_second_factor`) does not let its staff turn
it off; a clinic admin can reset it in the admin when a phone is lost. Changes and wrong
confirmations are audited with the second factor's events (`second_factor.record`).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice

from audit.models import AuditEvent
from clinic.models import User
from clinic.second_factor import second_factor_reset
from dashboard.second_factor import (
    RECOVERY_CODE_COUNT,
    RECOVERY_CODES_LOW,
    authenticator_app_confirmed,
    record,
    recovery_codes_create,
    recovery_codes_left,
    second_factor_required,
)

REGENERATE_PREFIX = "codes"
TURN_OFF_PREFIX = "off"
REQUIRED_MESSAGE = (
    "Your clinic requires a second factor, so it cannot be turned off. If you lost your phone, "
    "ask a clinic admin of your practice to reset it; you then set it up again."
)


class ConfirmForm(forms.Form):
    """Proof that the person at the keyboard is the user: a current code or the password."""

    code = forms.CharField(
        label="A code from your app, or a recovery code", max_length=16, required=False
    )
    password = forms.CharField(
        label="Or your password", max_length=4096, strip=False, required=False
    )

    def clean(self) -> dict[str, object]:
        cleaned: dict[str, object] = super().clean() or {}
        if not cleaned.get("code") and not cleaned.get("password"):
            raise forms.ValidationError("Enter a code or your password.")
        return cleaned


def confirmed_with(request: HttpRequest, user: User, form: ConfirmForm) -> str | None:
    """How the user proved it is them ("authenticator app", "recovery code", "password"),
    or None. A code is tried first; a recovery code that matches is used up."""
    code = "".join(str(form.cleaned_data.get("code") or "").split()).lower()
    if code:
        device = match_token(user, code)
        if device is not None:
            return "recovery code" if isinstance(device, StaticDevice) else "authenticator app"
    password = form.cleaned_data.get("password") or ""
    if password:
        signed = authenticate(request, username=user.get_username(), password=password)
        if signed is not None and signed.pk == user.pk:
            return "password"
    return None


def confirmation(
    request: HttpRequest, user: User, prefix: str, what: str
) -> tuple[ConfirmForm, str | None]:
    """The posted confirmation form and how it proved the user (None: refused and audited)."""
    form = ConfirmForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return form, None
    how = confirmed_with(request, user, form)
    if how is None:
        form.add_error(
            None, "This code or password is not right. Enter a current code or your password."
        )
        record(request, user, AuditEvent.Action.SIGN_IN_FAILED, f"confirmation wrong ({what})")
    return form, how


def manage_page(
    request: HttpRequest,
    user: User,
    *,
    regenerate: ConfirmForm | None = None,
    turn_off: ConfirmForm | None = None,
    status: int = 200,
) -> HttpResponse:
    left = recovery_codes_left(user)
    has_app = authenticator_app_confirmed(user)
    context = {
        "has_app": has_app,
        "codes_left": left,
        "codes_total": RECOVERY_CODE_COUNT,
        "codes_low": has_app and left <= RECOVERY_CODES_LOW,
        "required": second_factor_required(user),
        "regenerate_form": regenerate or ConfirmForm(prefix=REGENERATE_PREFIX),
        "turn_off_form": turn_off or ConfirmForm(prefix=TURN_OFF_PREFIX),
    }
    return render(request, "dashboard/second_factor.html", context, status=status)


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@never_cache
def second_factor_manage(request: HttpRequest) -> HttpResponse:
    """Whether the app is set up, how many recovery codes are left, and the two changes."""
    return manage_page(request, signed_in_user(request))


@login_required
@never_cache
@require_POST
def second_factor_recovery_codes_replace(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; the earlier ones stop working."""
    user = signed_in_user(request)
    if not authenticator_app_confirmed(user):
        messages.error(request, "Set up the authenticator app first: recovery codes come with it.")
        return HttpResponseRedirect(reverse("dashboard:second_factor_manage"))
    form, how = confirmation(request, user, REGENERATE_PREFIX, "replacing the recovery codes")
    if how is None:
        return manage_page(request, user, regenerate=form, status=400)
    codes = recovery_codes_create(user)
    record(
        request, user, AuditEvent.Action.UPDATE, f"recovery codes replaced (confirmed with {how})"
    )
    context = {"codes": codes, "replaced": True, "next": reverse("dashboard:second_factor_manage")}
    return render(request, "registration/second_factor_recovery_codes.html", context)


@login_required
@never_cache
@require_POST
def second_factor_turn_off(request: HttpRequest) -> HttpResponse:
    """Remove the app and the recovery codes, unless the user's clinic requires them."""
    user = signed_in_user(request)
    if second_factor_required(user):
        messages.error(request, REQUIRED_MESSAGE)
        return manage_page(request, user, status=403)
    if not any(devices_for_user(user, confirmed=None)):
        messages.info(request, "There is no second factor to turn off.")
        return HttpResponseRedirect(reverse("dashboard:second_factor_manage"))
    form, how = confirmation(request, user, TURN_OFF_PREFIX, "turning off the second factor")
    if how is None:
        return manage_page(request, user, turn_off=form, status=400)
    with transaction.atomic():
        detail = second_factor_reset(user, by=user, confirmed_with=how)
        record(request, user, AuditEvent.Action.UPDATE, detail)
    messages.success(request, "The second factor is turned off: you sign in with your password.")
    return HttpResponseRedirect(reverse("dashboard:second_factor_manage"))
