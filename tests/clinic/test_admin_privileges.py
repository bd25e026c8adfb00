"""The user admin grants nothing beyond the roles: only a superuser changes privileges."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import Clinic, User
from tests.factories import UserFactory, with_permissions

pytestmark = pytest.mark.django_db

USER_PERMISSIONS = ("clinic.view_user", "clinic.add_user", "clinic.change_user")


@pytest.fixture
def granted_practitioner(clinic_a: Clinic) -> User:
    """A practitioner someone gave the user permissions to: the role still decides."""
    return with_permissions(UserFactory(clinic=clinic_a), *USER_PERMISSIONS)


@pytest.fixture
def clinic_admin(clinic_a: Clinic) -> User:
    user = UserFactory(clinic=clinic_a, role=User.Role.CLINIC_ADMIN)
    return with_permissions(user, *USER_PERMISSIONS)


@pytest.fixture
def colleague(clinic_a: Clinic) -> User:
    """A user of the same clinic with no privileges at all."""
    return UserFactory(clinic=clinic_a, is_staff=False)


@pytest.fixture
def superuser() -> User:
    return UserFactory(clinic=None, is_superuser=True, username="root")


@pytest.fixture
def audit_deleters() -> Group:
    group = Group.objects.create(name="audit deleters")
    group.permissions.add(Permission.objects.get(codename="delete_auditevent"))
    return group


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored_privileges(user: User) -> dict[str, Any]:
    stored = User.objects.get(pk=user.pk)
    return {
        "is_superuser": stored.is_superuser,
        "is_staff": stored.is_staff,
        "is_active": stored.is_active,
        "clinic": stored.clinic_id,
        "role": stored.role,
        "groups": sorted(stored.groups.values_list("pk", flat=True)),
        "user_permissions": sorted(stored.user_permissions.values_list("pk", flat=True)),
    }


def full_user_form(user: User) -> dict[str, Any]:
    """The superuser's change form of `user`, filled in with its stored values."""
    stored = User.objects.get(pk=user.pk)
    data: dict[str, Any] = {
        "username": stored.username,
        "first_name": stored.first_name,
        "last_name": stored.last_name,
        "email": stored.email,
        "clinic": stored.clinic_id or "",
        "role": stored.role,
        "groups": list(stored.groups.values_list("pk", flat=True)),
        "user_permissions": list(stored.user_permissions.values_list("pk", flat=True)),
        "date_joined_0": stored.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": stored.date_joined.strftime("%H:%M:%S"),
        "last_login_0": stored.last_login.strftime("%Y-%m-%d") if stored.last_login else "",
        "last_login_1": stored.last_login.strftime("%H:%M:%S") if stored.last_login else "",
    }
    for flag in ("is_active", "is_staff", "is_superuser"):
        if getattr(stored, flag):
            data[flag] = "on"
    return data


def toggle(data: dict[str, Any], flag: str) -> None:
    if data.pop(flag, None) is None:
        data[flag] = "on"


# Each crafted change of one privilege field, applied to a valid form.
PrivilegeChange = Callable[[dict[str, Any], Clinic, Group], None]
PRIVILEGE_CHANGES: dict[str, PrivilegeChange] = {
    "is_superuser": lambda data, other_clinic, group: data.update(is_superuser="on"),
    "is_staff": lambda data, other_clinic, group: toggle(data, "is_staff"),
    "groups": lambda data, other_clinic, group: data.update(groups=[group.pk]),
    "user_permissions": lambda data, other_clinic, group: data.update(
        user_permissions=[Permission.objects.get(codename="delete_auditevent").pk]
    ),
    "clinic": lambda data, other_clinic, group: data.update(clinic=other_clinic.pk),
    "role": lambda data, other_clinic, group: data.update(role=User.Role.CLINIC_ADMIN),
}

# A clinic admin may set the role of their clinic's users (within the two roles): for them a
# role is not a privilege.
CASES = [
    (actor, target, field)
    for actor in ("granted_practitioner", "clinic_admin")
    for target in ("self", "colleague")
    for field in PRIVILEGE_CHANGES
    if not (actor == "clinic_admin" and field == "role")
]


@pytest.mark.parametrize(("actor", "target", "field"), CASES)
def test_it_lets_no_role_below_superuser_raise_a_privilege(
    request: pytest.FixtureRequest,
    actor: str,
    target: str,
    field: str,
    colleague: User,
    clinic_b: Clinic,
    audit_deleters: Group,
) -> None:
    # given a staff member with the user permissions, and a valid form of the target user with
    # one privilege field crafted in
    user: User = request.getfixturevalue(actor)
    client = signed_in(user)
    edited = user if target == "self" else colleague
    before = stored_privileges(edited)
    data = full_user_form(edited)
    PRIVILEGE_CHANGES[field](data, clinic_b, audit_deleters)

    # when it is posted to the user's change page
    response = client.post(reverse("admin:clinic_user_change", args=[edited.pk]), data)

    # then a practitioner is refused, a clinic admin's form saves, and no privilege moved
    assert response.status_code == (302 if actor == "clinic_admin" else 403)
    assert stored_privileges(edited) == before


@pytest.mark.parametrize("field", list(PRIVILEGE_CHANGES))
def test_a_superuser_can_change_every_privilege_field(
    field: str, superuser: User, colleague: User, clinic_b: Clinic, audit_deleters: Group
) -> None:
    # given the same crafted form as above, posted by a superuser
    before = stored_privileges(colleague)
    data = full_user_form(colleague)
    PRIVILEGE_CHANGES[field](data, clinic_b, audit_deleters)

    # when
    response = signed_in(superuser).post(
        reverse("admin:clinic_user_change", args=[colleague.pk]), data
    )

    # then the field changed, and only that one
    assert response.status_code == 302
    after = stored_privileges(colleague)
    assert after[field] != before[field]
    assert {k: v for k, v in after.items() if k != field} == {
        k: v for k, v in before.items() if k != field
    }


def crafted_new_user(clinic_b: Clinic, group: Group) -> dict[str, Any]:
    return {
        "username": "newcomer",
        "usable_password": "true",
        "password1": "a-long-synthetic-passphrase",
        "password2": "a-long-synthetic-passphrase",
        "first_name": "New",
        "last_name": "Comer",
        "email": "newcomer@example.org",
        "is_active": "on",
        "role": User.Role.PRACTITIONER,
        "is_superuser": "on",
        "is_staff": "on",
        "clinic": clinic_b.pk,
        "groups": [group.pk],
        "user_permissions": [Permission.objects.get(codename="delete_auditevent").pk],
    }


def test_a_clinic_admin_adds_users_to_their_own_clinic_without_privileges(
    clinic_admin: User, clinic_b: Clinic, audit_deleters: Group
) -> None:
    # when a clinic admin posts a new user with every privilege field crafted in
    response = signed_in(clinic_admin).post(
        reverse("admin:clinic_user_add"), crafted_new_user(clinic_b, audit_deleters)
    )

    # then the user exists in the clinic admin's clinic, with the role asked and nothing more
    assert response.status_code == 302
    created = User.objects.get(username="newcomer")
    assert stored_privileges(created) == {
        "is_superuser": False,
        "is_staff": False,
        "is_active": True,
        "clinic": clinic_admin.clinic_id,
        "role": User.Role.PRACTITIONER,
        "groups": [],
        "user_permissions": [],
    }
    assert created.check_password("a-long-synthetic-passphrase")


def test_a_practitioner_adds_no_user_even_with_the_permission(
    granted_practitioner: User, clinic_b: Clinic, audit_deleters: Group
) -> None:
    client = signed_in(granted_practitioner)
    assert client.get(reverse("admin:clinic_user_add")).status_code == 403
    response = client.post(
        reverse("admin:clinic_user_add"), crafted_new_user(clinic_b, audit_deleters)
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="newcomer").exists()


def test_a_clinic_admin_edits_their_clinic_users_within_the_two_roles(
    clinic_admin: User, colleague: User
) -> None:
    # given the colleague's page, which offers no privilege field
    client = signed_in(clinic_admin)
    url = reverse("admin:clinic_user_change", args=[colleague.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="role"' in page.content and b'name="is_active"' in page.content
    for field in (b"is_superuser", b"is_staff", b"groups", b"user_permissions", b"clinic"):
        assert b'name="' + field + b'"' not in page.content
    add_page = client.get(reverse("admin:clinic_user_add"))
    assert add_page.status_code == 200 and b'name="is_superuser"' not in add_page.content

    # when a form with new names and the clinic admin role is saved
    data = full_user_form(colleague) | {"first_name": "Renamed", "role": User.Role.CLINIC_ADMIN}
    response = client.post(url, data)

    # then
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert (colleague.first_name, colleague.role) == ("Renamed", User.Role.CLINIC_ADMIN)


def test_a_clinic_admin_cannot_demote_or_deactivate_themselves(clinic_admin: User) -> None:
    # given their own form with the practitioner role and the active box unticked
    data = full_user_form(clinic_admin) | {"role": User.Role.PRACTITIONER, "first_name": "Me"}
    del data["is_active"]

    # when
    response = signed_in(clinic_admin).post(
        reverse("admin:clinic_user_change", args=[clinic_admin.pk]), data
    )

    # then the names changed; the role and the active state did not
    assert response.status_code == 302
    clinic_admin.refresh_from_db()
    assert clinic_admin.first_name == "Me"
    assert clinic_admin.role == User.Role.CLINIC_ADMIN and clinic_admin.is_active


def test_a_clinic_admin_never_reaches_another_clinics_user(
    clinic_admin: User, clinic_b: Clinic
) -> None:
    # given a user of another clinic
    elsewhere = UserFactory(clinic=clinic_b)
    before = stored_privileges(elsewhere)
    client = signed_in(clinic_admin)
    data = full_user_form(elsewhere) | {"first_name": "Taken"}

    # when the clinic admin opens, posts to and resets the password of that user
    page = client.get(reverse("admin:clinic_user_change", args=[elsewhere.pk]))
    posted = client.post(reverse("admin:clinic_user_change", args=[elsewhere.pk]), data)
    password = client.post(
        reverse("admin:auth_user_password_change", args=[elsewhere.pk]),
        {"password1": "taken-over-1234", "password2": "taken-over-1234"},
    )

    # then the user is not found (the admin redirects to its index) and nothing changed
    assert page.status_code == posted.status_code == 302
    assert posted.url == reverse("admin:index")
    assert password.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.first_name != "Taken" and not elsewhere.check_password("taken-over-1234")
    assert stored_privileges(elsewhere) == before


def test_a_clinic_admin_cannot_take_over_a_more_privileged_account(
    clinic_a: Clinic, clinic_admin: User
) -> None:
    # given a superuser of the same clinic, and a colleague with a permission the clinic
    # admin lacks
    root = UserFactory(clinic=clinic_a, is_superuser=True)
    stronger = with_permissions(UserFactory(clinic=clinic_a), "audit.delete_auditevent")
    client = signed_in(clinic_admin)
    new_password = {"password1": "taken-over-1234", "password2": "taken-over-1234"}

    # when the clinic admin tries to set their passwords
    to_root = client.post(reverse("admin:auth_user_password_change", args=[root.pk]), new_password)
    to_stronger = client.post(
        reverse("admin:auth_user_password_change", args=[stronger.pk]), new_password
    )

    # then the superuser is not found, the stronger colleague refused, both passwords kept
    assert to_root.status_code == 404
    assert to_stronger.status_code == 403
    assert not User.objects.get(pk=root.pk).check_password("taken-over-1234")
    assert not User.objects.get(pk=stronger.pk).check_password("taken-over-1234")


def test_groups_and_the_audit_trail_are_out_of_reach_below_superuser(
    clinic_a: Clinic, audit_deleters: Group
) -> None:
    # given a clinic admin granted every permission on groups and audit events
    user = with_permissions(
        UserFactory(clinic=clinic_a, role=User.Role.CLINIC_ADMIN),
        "auth.view_group",
        "auth.change_group",
        "auth.delete_group",
        "audit.view_auditevent",
        "audit.delete_auditevent",
    )
    event = AuditEvent.objects.create(clinic=clinic_a, action="read", object_type="patient")
    client = signed_in(user)

    # then they can neither change a group's permissions nor delete an audit event
    group_page = client.get(reverse("admin:auth_group_change", args=[audit_deleters.pk]))
    assert group_page.status_code == 403
    assert (
        client.post(
            reverse("admin:auth_group_change", args=[audit_deleters.pk]),
            {"name": "mine", "permissions": list(Permission.objects.values_list("pk", flat=True))},
        ).status_code
        == 403
    )
    assert audit_deleters.permissions.count() == 1
    delete = client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
