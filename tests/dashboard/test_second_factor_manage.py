"""The user's Second factor page (dashboard/second_factor_manage.py): its state, new recovery
codes, turning it off, each confirmed again and audited; the warning when codes run low."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from clinic.models import Clinic, User
from tests.dashboard.test_second_factor import (
    PASSWORD,
    code_of,
    enrolled,
    enrolled_session,
    signed_in,
)

pytestmark = pytest.mark.django_db

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
