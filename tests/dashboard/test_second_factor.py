"""The second factor of staff sign-ins (dashboard/second_factor.py): enrolment, verification
with an app code or a recovery code (once), a clinic's requirement, the API, the audit trail;
and the user's Second factor page (dashboard/second_factor_manage.py): new recovery codes,
turning it off, each confirmed again and audited."""

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


# The Second factor page: state, new recovery codes, turning it off.

MANAGE = "dashboard:second_factor_manage"
REPLACE = "dashboard:second_factor_recovery_codes"
TURN_OFF = "dashboard:second_factor_turn_off"


def second_factor_events(user: User, action: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(user=user, object_type="second_factor", action=action)
        .order_by("pk")
        .values_list("detail", flat=True)
    )


def test_the_dashboard_links_to_the_second_factor_page(practitioner: User) -> None:
    response = signed_in(practitioner).get(reverse("dashboard:home"))
    assert f'href="{reverse(MANAGE)}"'.encode() in response.content


def test_the_page_shows_the_app_is_set_up_and_the_recovery_codes_left(
    practitioner: User,
) -> None:
    client, _device, codes = enrolled_session(practitioner)
    signed_in(practitioner).post(reverse("dashboard:second_factor_verify"), {"code": codes[0]})

    response = client.get(reverse(MANAGE))

    assert response.status_code == 200
    assert response.context["has_app"] and response.context["codes_left"] == 9
    assert b"9 of 10" in response.content
    assert b"Create new recovery codes" in response.content
    assert b"Turn off the second factor" in response.content
    assert b'id="codes-low"' not in response.content


def test_without_a_device_the_page_offers_to_set_one_up(practitioner: User) -> None:
    response = signed_in(practitioner).get(reverse(MANAGE))

    assert not response.context["has_app"]
    assert f'href="{reverse("dashboard:second_factor_enrol")}"'.encode() in response.content
    assert b"Create new recovery codes" not in response.content


def test_new_recovery_codes_replace_the_old_ones_after_an_app_code_and_are_audited(
    practitioner: User,
) -> None:
    # given: an enrolled user with a verified session
    client, device, old_codes = enrolled_session(practitioner)

    # when: they ask for new codes, confirming with the app's next code
    response = client.post(reverse(REPLACE), {"codes-code": code_of(device, steps_ahead=1)})

    # then: ten new codes, shown once; the old ones no longer work, a new one does
    assert response.status_code == 200
    new_codes = list(response.context["codes"])
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert all(code.encode() in response.content for code in new_codes)
    assert b"the earlier ones no longer work" in response.content
    assert second_factor_events(practitioner, AuditEvent.Action.UPDATE)[-1] == (
        "recovery codes replaced (confirmed with authenticator app)"
    )
    new = signed_in(practitioner)
    new.post(reverse("dashboard:second_factor_verify"), {"code": new_codes[0]})
    assert new.get(reverse("dashboard:home")).status_code == 200
    old = signed_in(practitioner)
    response = old.post(reverse("dashboard:second_factor_verify"), {"code": old_codes[1]})
    assert response.status_code == 200 and b"already used" in response.content
    assert old.get(reverse("dashboard:home")).status_code == 302


def test_new_recovery_codes_can_be_confirmed_with_the_password(practitioner: User) -> None:
    client, _device, _codes = enrolled_session(practitioner)

    response = client.post(reverse(REPLACE), {"codes-password": PASSWORD})

    assert response.status_code == 200 and len(response.context["codes"]) == 10
    assert second_factor_events(practitioner, AuditEvent.Action.UPDATE)[-1] == (
        "recovery codes replaced (confirmed with password)"
    )


def test_a_session_verified_with_a_recovery_code_stays_verified_after_new_codes(
    practitioner: User,
) -> None:
    _device, codes = enrolled(practitioner)
    client = signed_in(practitioner)
    client.post(reverse("dashboard:second_factor_verify"), {"code": codes[0]})

    response = client.post(reverse(REPLACE), {"codes-code": codes[1]})

    assert response.status_code == 200
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert second_factor_events(practitioner, AuditEvent.Action.UPDATE)[-1] == (
        "recovery codes replaced (confirmed with recovery code)"
    )


def test_new_recovery_codes_are_refused_without_a_right_code_or_password(
    practitioner: User,
) -> None:
    client, _device, codes = enrolled_session(practitioner)

    nothing = client.post(reverse(REPLACE), {})
    wrong = client.post(reverse(REPLACE), {"codes-code": "123456", "codes-password": "guess"})

    assert nothing.status_code == 400 and b"Enter a code or your password." in nothing.content
    assert wrong.status_code == 400
    assert b"This code or password is not right." in wrong.content
    assert b'aria-describedby="codes-error"' in wrong.content
    assert set(
        StaticToken.objects.filter(device__user=practitioner).values_list("token", flat=True)
    ) == set(codes)
    assert second_factor_events(practitioner, AuditEvent.Action.SIGN_IN_FAILED) == [
        "confirmation wrong (replacing the recovery codes)"
    ]


def test_new_recovery_codes_need_the_app_set_up_first(practitioner: User) -> None:
    client = signed_in(practitioner)

    response = client.post(reverse(REPLACE), {"codes-password": PASSWORD})

    assert response.status_code == 302 and response.url == reverse(MANAGE)
    assert not StaticToken.objects.filter(device__user=practitioner).exists()


@pytest.mark.parametrize("name", [REPLACE, TURN_OFF])
def test_the_changes_are_post_only(practitioner: User, name: str) -> None:
    client, _device, _codes = enrolled_session(practitioner)
    assert client.get(reverse(name)).status_code == 405


def test_the_changes_ask_an_unverified_session_for_its_code_first(practitioner: User) -> None:
    _device, codes = enrolled(practitioner)
    client = signed_in(practitioner)

    response = client.post(reverse(TURN_OFF), {"off-code": codes[0]})

    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboard:second_factor_verify"))
    assert TOTPDevice.objects.filter(user=practitioner).exists()


def test_turning_off_removes_the_app_and_the_codes_and_is_audited(practitioner: User) -> None:
    client, _device, codes = enrolled_session(practitioner)

    response = client.post(reverse(TURN_OFF), {"off-code": codes[0]})

    assert response.status_code == 302 and response.url == reverse(MANAGE)
    assert not TOTPDevice.objects.filter(user=practitioner).exists()
    assert not StaticToken.objects.filter(device__user=practitioner).exists()
    assert second_factor_events(practitioner, AuditEvent.Action.UPDATE)[-1] == (
        "second factor turned off (confirmed with recovery code)"
    )
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert signed_in(practitioner).get(reverse("dashboard:home")).status_code == 200


def test_turning_off_is_refused_with_a_wrong_password(practitioner: User) -> None:
    client, _device, _codes = enrolled_session(practitioner)

    response = client.post(reverse(TURN_OFF), {"off-password": "not-the-password"})

    assert response.status_code == 400
    assert b"This code or password is not right." in response.content
    assert TOTPDevice.objects.filter(user=practitioner, confirmed=True).exists()
    assert second_factor_events(practitioner, AuditEvent.Action.SIGN_IN_FAILED) == [
        "confirmation wrong (turning off the second factor)"
    ]
    # The wrong password counts as a failed sign-in too (and towards the lock-out).
    assert AuditEvent.objects.filter(
        user=practitioner, object_type="user", action=AuditEvent.Action.SIGN_IN_FAILED
    ).exists()


def test_turning_off_is_refused_when_the_clinic_requires_the_second_factor(
    practitioner: User,
) -> None:
    client, _device, _codes = enrolled_session(practitioner)
    Clinic.objects.filter(pk=practitioner.clinic_id).update(require_second_factor=True)

    page = client.get(reverse(MANAGE))
    response = client.post(reverse(TURN_OFF), {"off-password": PASSWORD})

    assert b'id="turn-off-required"' in page.content
    assert f'action="{reverse(TURN_OFF)}"'.encode() not in page.content
    assert response.status_code == 403
    assert b"Your clinic requires a second factor, so it cannot be turned off." in (
        response.content
    )
    assert TOTPDevice.objects.filter(user=practitioner, confirmed=True).exists()
    assert not [
        detail
        for detail in second_factor_events(practitioner, AuditEvent.Action.UPDATE)
        if "turned off" in detail
    ]


@pytest.mark.parametrize(
    ("left", "warning"),
    [(1, b"You have 1 recovery code left."), (0, b"You have no recovery code left.")],
)
def test_signing_in_with_one_or_no_recovery_code_left_warns(
    practitioner: User, left: int, warning: bytes
) -> None:
    # given: only left + 1 codes remain, and one is used to sign in
    _device, codes = enrolled(practitioner)
    StaticToken.objects.filter(device__user=practitioner).exclude(
        token__in=codes[: left + 1]
    ).delete()
    client = signed_in(practitioner)

    # when
    response = client.post(
        reverse("dashboard:second_factor_verify"), {"code": codes[0]}, follow=True
    )

    # then: the dashboard warns, and the Second factor page too
    assert warning in response.content
    page = client.get(reverse(MANAGE))
    assert page.context["codes_low"] and b'id="codes-low"' in page.content


def test_signing_in_with_two_recovery_codes_left_does_not_warn(practitioner: User) -> None:
    _device, codes = enrolled(practitioner)
    StaticToken.objects.filter(device__user=practitioner).exclude(token__in=codes[:3]).delete()
    client = signed_in(practitioner)

    response = client.post(
        reverse("dashboard:second_factor_verify"), {"code": codes[0]}, follow=True
    )

    assert b"recovery code left" not in response.content
