"""The second factor of a staff sign-in: a TOTP app (django-otp) with single-use recovery codes.

After the password, a staff member with a confirmed device is sent to `second_factor_verify`
before any dashboard or admin page (`SecondFactorMiddleware`); a recovery code works there
once. A clinic may require the second factor (`Clinic.require_second_factor`): its staff
without a device are sent to `second_factor_enrol` first. Enrolment, verification and
failures are audited (object type "second_factor"; codes are never recorded). The user's
own page (new recovery codes, turning it off) is `second_factor_manage`.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import audit_record
from clinic.models import User
from clinic.second_factor import OBJECT_TYPE

RECOVERY_CODE_COUNT = 10
# At this many recovery codes left (or fewer), a user of the app is warned at sign-in.
RECOVERY_CODES_LOW = 1
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def cleaned_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


def second_factor_required(user: User) -> bool:
    """Whether the user's clinic requires staff to sign in with a second factor."""
    return bool(user.clinic_id is not None and user.clinic and user.clinic.require_second_factor)


def session_verified(user: object) -> bool:
    """Whether this session was confirmed with a second factor (set by OTPMiddleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def second_factor_pending(user: object) -> str | None:
    """Where a signed-in user must go before the dashboard or admin: "verify", "enrol" or None."""
    if not isinstance(user, User) or not user.is_authenticated or session_verified(user):
        return None
    if user_has_device(user, confirmed=True):
        return "verify"
    if second_factor_required(user):
        return "enrol"
    return None


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def record(request: HttpRequest, user: User, action: str, detail: str) -> None:
    audit_record(
        clinic=user.clinic_id,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=user.pk,
        user=user,
        detail=detail,
        request=request,
    )


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code, an SVG data URI for an <img> (the CSP allows data: images)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


@login_required
@never_cache
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: its secret, a first code, then the recovery codes, once."""
    user = request.user
    assert isinstance(user, User)
    if user_has_device(user, confirmed=True):
        if not session_verified(user):
            return HttpResponseRedirect(reverse("dashboard:second_factor_verify"))
        return render(request, "registration/second_factor_enrolled.html")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_code()):
            device.confirmed = True
            device.save()
            codes = recovery_codes_create(user)
            otp_login(request, device)
            record(request, user, AuditEvent.Action.UPDATE, "second factor enrolled")
            return render(
                request,
                "registration/second_factor_recovery_codes.html",
                {"codes": codes, "next": safe_next(request, reverse("dashboard:home"))},
            )
        form.add_error("code", "This code is not right: enter the 6 digits the app shows now.")
        record(
            request, user, AuditEvent.Action.SIGN_IN_FAILED, "second factor enrolment code wrong"
        )
    context = {
        "form": form,
        "secret": b32encode(device.bin_key).decode("ascii").rstrip("="),
        "otpauth_uri": device.config_url,
        "qr": qr_data_uri(device.config_url),
        "next": safe_next(request, ""),
    }
    return render(request, "registration/second_factor_enrol.html", context)


def recovery_codes_create(user: User) -> list[str]:
    """A fresh set of single-use recovery codes (any earlier set is discarded).

    The device itself is kept: a session verified with a recovery code stays verified (the
    session names the device), and only its codes change.
    """
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticToken.objects.filter(device=device).delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def authenticator_app_confirmed(user: User) -> bool:
    """Whether the user has set up their authenticator app (its first code was right)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_warning(request: HttpRequest, user: User) -> None:
    """Warn, on the next page, a user of the app who has at most one recovery code left."""
    left = recovery_codes_left(user)
    if left > RECOVERY_CODES_LOW or not authenticator_app_confirmed(user):
        return
    words = "no recovery code" if left == 0 else "1 recovery code"
    # Tagged "error" as well: the dashboard's stylesheet sets apart only error messages.
    messages.warning(
        request,
        f"You have {words} left. Create new ones on your Second factor page.",
        extra_tags="error",
    )


@login_required
@never_cache
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The step after the password: a code from the app, or a recovery code (used up)."""
    user = request.user
    assert isinstance(user, User)
    home = reverse("dashboard:home")
    if session_verified(user):
        return HttpResponseRedirect(safe_next(request, home))
    if not user_has_device(user, confirmed=True):
        return HttpResponseRedirect(reverse("dashboard:second_factor_enrol"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_code())
        if device is not None:
            otp_login(request, device)
            kind = "recovery code" if isinstance(device, StaticDevice) else "authenticator app"
            record(request, user, AuditEvent.Action.SIGN_IN, f"second factor verified ({kind})")
            recovery_codes_warning(request, user)
            return HttpResponseRedirect(safe_next(request, home))
        form.add_error("code", "This code is not right, or was already used.")
        record(request, user, AuditEvent.Action.SIGN_IN_FAILED, "second factor code wrong")
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": safe_next(request, "")},
    )


class SecondFactorMiddleware:
    """Sends staff without a verified session to verify (or enrol) before any dashboard or
    admin page. The API is guarded in `api.permissions`; bearer tokens are not sessions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.guarded(request.path):
            pending = second_factor_pending(request.user)
            if pending is not None:
                target = reverse(f"dashboard:second_factor_{pending}")
                return HttpResponseRedirect(
                    f"{target}?{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)

    @staticmethod
    def guarded(path: str) -> bool:
        exempt = (
            reverse("dashboard:second_factor_enrol"),
            reverse("dashboard:second_factor_verify"),
        )
        if path in exempt:
            return False
        return path.startswith(reverse("dashboard:home")) or path.startswith(reverse("admin:index"))
