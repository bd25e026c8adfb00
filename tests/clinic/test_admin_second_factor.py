"""A clinic admin resets the second factor of a staff member who lost their phone, in the user
admin: only users of their own clinic, never a superuser (unless a superuser), never their own,
audited; the user's sessions end, and they set it up again when the clinic requires it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from clinic.models import Clinic, User
from clinic.second_factor import second_factor_reset
from tests.factories import UserFactory, with_permissions

pytestmark = pytest.mark.django_db

USER_PERMISSIONS = ("clinic.view_user", "clinic.change_user")
CHANGELIST = reverse("admin:clinic_user_changelist")


@pytest.fixture
def clinic_admin(clinic_a: Clinic) -> User:
    user = UserFactory(clinic=clinic_a, role=User.Role.CLINIC_ADMIN)
    return with_permissions(user, *USER_PERMISSIONS)


@pytest.fixture
def superuser() -> User:
    return UserFactory(clinic=None, is_superuser=True, username="root")


def with_second_factor(user: User) -> User:
    """`user` with a confirmed authenticator app and two recovery codes."""
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token="abcd2345"), StaticToken(device=device, token="efgh6723")]
    )
    return user


def has_second_factor(user: User) -> bool:
    return (
        TOTPDevice.objects.filter(user=user).exists()
        or StaticDevice.objects.filter(user=user).exists()
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def password_signed_in(user: User) -> Client:
    """A browser signed in through the sign-in page (a stored session, as in production)."""
    client = Client()
    response = client.post(
        reverse("login"), {"username": user.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    return client


def reset(client: Client, *users: User) -> object:
    return client.post(
        CHANGELIST,
        {"action": "second_factor_reset", "_selected_action": [user.pk for user in users]},
        follow=True,
    )


def reset_events() -> list[tuple[int | None, str, str]]:
    return list(
        AuditEvent.objects.filter(
            object_type="second_factor", detail="admin: second factor reset"
        ).values_list("user_id", "object_id", "action")
    )


def test_the_user_admin_offers_the_reset_to_a_clinic_admin(clinic_admin: User) -> None:
    response = signed_in(clinic_admin).get(CHANGELIST)
    assert b'value="second_factor_reset"' in response.content
    assert b"Reset second factor" in response.content


def test_a_clinic_admin_resets_a_staff_member_of_their_clinic_and_it_is_audited(
    clinic_admin: User, practitioner: User
) -> None:
    with_second_factor(practitioner)

    response = reset(signed_in(clinic_admin), practitioner)

    assert response.status_code == 200
    assert f"Second factor reset for: {practitioner.username}.".encode() in response.content
    assert not has_second_factor(practitioner)
    event = AuditEvent.objects.get(object_type="second_factor")
    assert event.clinic_id == practitioner.clinic_id
    assert (event.user_id, event.object_id, event.action) == (
        clinic_admin.pk,
        str(practitioner.pk),
        AuditEvent.Action.UPDATE,
    )
    assert event.detail == "admin: second factor reset"


def test_the_reset_signs_the_user_out_everywhere_and_they_set_it_up_again_when_required(
    clinic_admin: User, practitioner: User, clinic_a: Clinic
) -> None:
    # given: a clinic requiring the second factor, a practitioner signed in with a code in two
    # browsers, a colleague signed in too, and the clinic admin
    Clinic.objects.filter(pk=practitioner.clinic_id).update(require_second_factor=True)
    with_second_factor(practitioner)
    theirs = [password_signed_in(practitioner) for _ in range(2)]
    for browser, recovery_code in zip(theirs, ["abcd2345", "efgh6723"], strict=True):
        browser.post(reverse("dashboard:second_factor_verify"), {"code": recovery_code})
        assert browser.get(reverse("dashboard:home")).status_code == 200
    colleague_user = UserFactory(clinic=clinic_a)
    colleague = password_signed_in(colleague_user)
    admin = signed_in(with_second_factor(clinic_admin))
    admin.post(reverse("dashboard:second_factor_verify"), {"code": "abcd2345"})

    # when: their phone is lost, and the clinic admin resets the second factor
    reset(admin, practitioner)

    # then: both their sessions are over (whoever holds the phone is signed out too), the
    # colleague's and the admin's are not
    for browser in theirs:
        response = browser.get(reverse("dashboard:home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert colleague.session.get("_auth_user_id") == str(colleague_user.pk)
    assert admin.get(CHANGELIST).status_code == 200
    # and signing in again, they are sent to set up the app
    again = password_signed_in(practitioner)
    response = again.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboard:second_factor_enrol"))


def test_a_clinic_admin_resets_no_user_of_another_clinic_nor_a_superuser_nor_themselves(
    clinic_admin: User, clinic_b: Clinic, superuser: User
) -> None:
    other_clinic = with_second_factor(UserFactory(clinic=clinic_b))
    with_second_factor(superuser)
    with_second_factor(clinic_admin)
    superuser_here = with_second_factor(UserFactory(clinic=clinic_admin.clinic, is_superuser=True))
    admin = signed_in(clinic_admin)
    admin.post(reverse("dashboard:second_factor_verify"), {"code": "abcd2345"})

    reset(admin, other_clinic, superuser, superuser_here, clinic_admin)

    for user in (other_clinic, superuser, superuser_here, clinic_admin):
        assert has_second_factor(user), user.username
    assert reset_events() == []


def test_a_practitioner_given_the_user_permissions_resets_nobody(
    clinic_a: Clinic, practitioner: User
) -> None:
    granted = with_permissions(UserFactory(clinic=clinic_a), *USER_PERMISSIONS)
    with_second_factor(practitioner)

    reset(signed_in(granted), practitioner)

    assert has_second_factor(practitioner)
    assert reset_events() == []


def test_a_superuser_resets_a_superuser(superuser: User) -> None:
    other = with_second_factor(UserFactory(clinic=None, is_superuser=True, username="root2"))

    reset(signed_in(superuser), other)

    assert not has_second_factor(other)
    assert reset_events() == [(superuser.pk, str(other.pk), AuditEvent.Action.UPDATE)]


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies")
def test_sessions_kept_where_they_cannot_be_listed_make_the_reset_fail_loudly(
    superuser: User, practitioner: User
) -> None:
    # A reset that could not end the sessions must not pass for one that did.
    with pytest.raises(ImproperlyConfigured):
        second_factor_reset(with_second_factor(practitioner), by=superuser)

    assert has_second_factor(practitioner)
