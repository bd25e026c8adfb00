"""The second factor of staff sign-ins (dashboard/second_factor.py): enrolment, verification
with an app code or a recovery code (once), a clinic's requirement, the API, the audit trail.
The user's Second factor page is tested in test_second_factor_manage.py."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from clinic.models import Clinic, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows (`steps_ahead` 30-second steps later: each code works once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def signed_in(user: User) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrolled_session(user: User) -> tuple[Client, TOTPDevice, list[str]]:
    """Enrol `user` through the pages: the session (verified), the app's device, the codes."""
    client = signed_in(user)
    client.get(reverse("dashboard:second_factor_enrol"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("dashboard:second_factor_enrol"), {"code": code_of(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    return client, device, list(response.context["codes"])


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    """Enrol `user` through the pages; the app's device and the recovery codes shown."""
    _client, device, codes = enrolled_session(user)
    return device, codes


def test_enrolment_shows_the_secret_then_ten_recovery_codes_and_is_audited(
    practitioner: User,
) -> None:
    client = signed_in(practitioner)
    page = client.get(reverse("dashboard:second_factor_enrol"))
    device = TOTPDevice.objects.get(user=practitioner, confirmed=False)
    assert page.context["secret"].encode() in page.content
    assert b"data:image/svg+xml" in page.content

    response = client.post(reverse("dashboard:second_factor_enrol"), {"code": code_of(device)})

    device.refresh_from_db()
    assert device.confirmed
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code.encode() in response.content for code in codes)
    event = AuditEvent.objects.get(object_type="second_factor", action=AuditEvent.Action.UPDATE)
    assert event.user == practitioner and event.detail == "second factor enrolled"
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_a_wrong_enrolment_code_does_not_confirm_the_device(practitioner: User) -> None:
    client = signed_in(practitioner)
    client.get(reverse("dashboard:second_factor_enrol"))
    response = client.post(reverse("dashboard:second_factor_enrol"), {"code": "000000x"})
    assert response.status_code == 200
    assert b"This code is not right" in response.content
    assert not TOTPDevice.objects.get(user=practitioner).confirmed


def test_after_the_password_a_user_with_a_device_must_enter_a_code(practitioner: User) -> None:
    device, _codes = enrolled(practitioner)
    client = signed_in(practitioner)

    for path in (reverse("dashboard:home"), reverse("dashboard:patients"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("dashboard:second_factor_verify"))

    response = client.post(
        reverse("dashboard:second_factor_verify"),
        {"code": code_of(device, steps_ahead=1), "next": reverse("dashboard:patients")},
    )
    assert response.status_code == 302 and response.url == reverse("dashboard:patients")
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert AuditEvent.objects.filter(
        object_type="second_factor",
        action=AuditEvent.Action.SIGN_IN,
        detail="second factor verified (authenticator app)",
    ).exists()


def test_a_wrong_code_is_refused_and_audited(practitioner: User) -> None:
    enrolled(practitioner)
    client = signed_in(practitioner)

    response = client.post(reverse("dashboard:second_factor_verify"), {"code": "123456"})

    assert response.status_code == 200
    assert b"This code is not right, or was already used." in response.content
    assert client.get(reverse("dashboard:home")).status_code == 302
    event = AuditEvent.objects.get(
        object_type="second_factor", action=AuditEvent.Action.SIGN_IN_FAILED
    )
    assert event.user == practitioner and "123456" not in event.detail


def test_a_recovery_code_works_once(practitioner: User) -> None:
    _device, codes = enrolled(practitioner)

    first = signed_in(practitioner)
    response = first.post(reverse("dashboard:second_factor_verify"), {"code": codes[0]})
    assert response.status_code == 302
    assert first.get(reverse("dashboard:home")).status_code == 200
    assert StaticToken.objects.filter(device__user=practitioner).count() == 9

    second = signed_in(practitioner)
    response = second.post(reverse("dashboard:second_factor_verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert second.get(reverse("dashboard:home")).status_code == 302


def test_a_clinic_requiring_the_second_factor_sends_staff_without_one_to_enrol(
    practitioner: User,
) -> None:
    client = signed_in(practitioner)
    assert client.get(reverse("dashboard:home")).status_code == 200
    Clinic.objects.filter(pk=practitioner.clinic_id).update(require_second_factor=True)

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboard:second_factor_enrol"))
    assert client.get("/admin/").url.startswith(reverse("dashboard:second_factor_enrol"))


def test_without_the_requirement_or_a_device_no_code_is_asked(practitioner: User) -> None:
    assert signed_in(practitioner).get(reverse("dashboard:home")).status_code == 200


def test_the_api_refuses_an_unverified_staff_session_of_a_requiring_clinic(
    practitioner: User,
) -> None:
    client = signed_in(practitioner)
    assert client.get("/api/v1/patients/").status_code == 200
    Clinic.objects.filter(pk=practitioner.clinic_id).update(require_second_factor=True)

    assert client.get("/api/v1/patients/").status_code == 403

    client.get(reverse("dashboard:second_factor_enrol"))
    device = TOTPDevice.objects.get(user=practitioner)
    client.post(reverse("dashboard:second_factor_enrol"), {"code": code_of(device)})
    assert client.get("/api/v1/patients/").status_code == 200


def test_a_user_with_a_device_cannot_enrol_another_before_verifying(practitioner: User) -> None:
    enrolled(practitioner)
    client = signed_in(practitioner)

    response = client.get(reverse("dashboard:second_factor_enrol"))

    assert response.status_code == 302
    assert response.url == reverse("dashboard:second_factor_verify")
    assert TOTPDevice.objects.filter(user=practitioner).count() == 1


def test_the_clinic_form_in_the_admin_offers_the_requirement(practitioner: User) -> None:
    admin = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    admin.clinic_id = practitioner.clinic_id
    admin.role = User.Role.CLINIC_ADMIN
    admin.save()
    client = signed_in(admin)

    response = client.get(f"/admin/clinic/clinic/{practitioner.clinic_id}/change/")

    assert response.status_code == 200
    assert b'name="require_second_factor"' in response.content
