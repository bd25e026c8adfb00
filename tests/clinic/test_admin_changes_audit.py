"""Changes of clinics, staff, API clients and groups in the admin are audited: one event each,
on the chain of the row's clinic, naming the changed fields and never their values."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, User
from clinic.services import api_client_create
from tests.factories import UserFactory, with_permissions

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
PASSWORD = "another-synthetic-passphrase-7"


@pytest.fixture
def superuser() -> User:
    return UserFactory(clinic=None, is_superuser=True, username="root")


@pytest.fixture
def clinic_admin(clinic_a: Clinic) -> User:
    user = UserFactory(clinic=clinic_a, role=User.Role.CLINIC_ADMIN)
    return with_permissions(
        user, "clinic.view_clinic", "clinic.change_clinic", "clinic.view_user", "clinic.change_user"
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(client: Client, url: str) -> dict[str, Any]:
    """What the admin's form at `url` posts back unchanged (its fields' current values, and the
    hidden initial value of a field with a callable default, as the browser sends it)."""
    form = client.get(url).context["adminform"].form
    data: dict[str, Any] = {}
    for bound in form:
        value, widget = bound.value(), bound.field.widget
        if bound.field.disabled or value is None or value is False:
            continue
        names = [bound.html_name]
        if bound.field.show_hidden_initial:
            names.append(bound.html_initial_name)
        for name in names:
            if isinstance(widget, MultiWidget):
                parts = zip(widget.widgets, widget.decompress(value), strict=True)
                for index, (part_widget, part) in enumerate(parts):
                    data[f"{name}_{index}"] = part_widget.format_value(part) or ""
            else:
                data[name] = "on" if value is True else value
    return data


def changes_after(client: Client, url: str, **changed: Any) -> list[AuditEvent]:
    """Post the admin form at `url` with `changed` fields; the events it recorded."""
    data = {**form_data(client, url), **changed}
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(url, data)
    assert response.status_code == 302, getattr(response, "context_data", {}).get("errors")
    return list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def the_one(events: list[AuditEvent]) -> tuple[Any, ...]:
    assert len(events) == 1, [(event.object_type, event.detail) for event in events]
    event = events[0]
    return (event.clinic_id, event.user_id, event.action, event.object_type, event.object_id)


def test_a_superusers_change_of_the_retention_period_is_audited_on_the_clinics_chain(
    superuser: User, clinic_a: Clinic
) -> None:
    url = reverse("admin:clinic_clinic_change", args=[clinic_a.pk])

    events = changes_after(signed_in(superuser), url, retention_days="730")

    assert the_one(events) == (clinic_a.pk, superuser.pk, Action.UPDATE, "clinic", str(clinic_a.pk))
    assert events[0].detail == "admin form: retention_days"
    assert "730" not in events[0].detail


def test_a_clinic_admins_change_of_the_second_factor_requirement_is_audited(
    clinic_admin: User, clinic_a: Clinic
) -> None:
    url = reverse("admin:clinic_clinic_change", args=[clinic_a.pk])

    events = changes_after(signed_in(clinic_admin), url, require_second_factor="on")

    assert the_one(events) == (
        clinic_a.pk,
        clinic_admin.pk,
        Action.UPDATE,
        "clinic",
        str(clinic_a.pk),
    )
    assert events[0].detail == "admin form: require_second_factor"
    assert Clinic.objects.get(pk=clinic_a.pk).require_second_factor


def test_a_clinic_admins_change_of_a_users_role_is_audited_on_their_clinics_chain(
    clinic_admin: User, practitioner: User, clinic_a: Clinic
) -> None:
    url = reverse("admin:clinic_user_change", args=[practitioner.pk])

    events = changes_after(signed_in(clinic_admin), url, role=User.Role.CLINIC_ADMIN)

    assert the_one(events) == (
        clinic_a.pk,
        clinic_admin.pk,
        Action.UPDATE,
        "user",
        str(practitioner.pk),
    )
    assert events[0].detail == "admin form: role"
    assert User.objects.get(pk=practitioner.pk).is_clinic_admin


def test_a_superusers_change_of_privileges_names_the_fields(
    superuser: User, practitioner: User, clinic_a: Clinic
) -> None:
    group = Group.objects.create(name="auditors")
    url = reverse("admin:clinic_user_change", args=[practitioner.pk])

    events = changes_after(signed_in(superuser), url, is_superuser="on", groups=[group.pk])

    assert the_one(events)[:4] == (clinic_a.pk, superuser.pk, Action.UPDATE, "user")
    assert events[0].detail == "admin form: is_superuser, groups"


def test_an_api_clients_scope_change_is_audited(superuser: User, clinic_a: Clinic) -> None:
    client, _token = api_client_create(clinic=clinic_a, name="Practice system")
    url = reverse("admin:clinic_apiclient_change", args=[client.pk])

    events = changes_after(signed_in(superuser), url, scope=ApiClient.Scope.READ_WRITE)

    assert the_one(events) == (
        clinic_a.pk,
        superuser.pk,
        Action.UPDATE,
        "api_client",
        str(client.pk),
    )
    assert events[0].detail == "admin form: scope"
    assert ApiClient.objects.get(pk=client.pk).can_write


def test_a_user_moved_to_another_clinic_is_audited_on_both_clinics_chains(
    superuser: User, practitioner: User, clinic_a: Clinic, clinic_b: Clinic
) -> None:
    url = reverse("admin:clinic_user_change", args=[practitioner.pk])

    events = changes_after(signed_in(superuser), url, clinic=clinic_b.pk)

    assert [(event.clinic_id, event.action, event.object_id, event.detail) for event in events] == [
        (clinic_a.pk, Action.UPDATE, str(practitioner.pk), "admin form: clinic"),
        (clinic_b.pk, Action.UPDATE, str(practitioner.pk), "admin form: clinic"),
    ]
    assert {(event.user_id, event.object_type) for event in events} == {(superuser.pk, "user")}
    assert User.objects.get(pk=practitioner.pk).clinic_id == clinic_b.pk


def test_an_api_client_moved_to_another_clinic_is_audited_on_both_clinics_chains(
    superuser: User, clinic_a: Clinic, clinic_b: Clinic
) -> None:
    client, _token = api_client_create(clinic=clinic_a, name="Practice system")
    url = reverse("admin:clinic_apiclient_change", args=[client.pk])

    events = changes_after(signed_in(superuser), url, clinic=clinic_b.pk, name="Moved system")

    assert [(event.clinic_id, event.object_type, event.detail) for event in events] == [
        (clinic_a.pk, "api_client", "admin form: clinic, name"),
        (clinic_b.pk, "api_client", "admin form: clinic, name"),
    ]


def test_a_change_within_the_clinic_is_audited_on_its_chain_alone(
    clinic_admin: User, practitioner: User, clinic_a: Clinic, clinic_b: Clinic
) -> None:
    # given a clinic admin whose request names another clinic (the form has no such field)
    url = reverse("admin:clinic_user_change", args=[practitioner.pk])

    events = changes_after(signed_in(clinic_admin), url, clinic=clinic_b.pk, first_name="Ida")

    assert [(event.clinic_id, event.detail) for event in events] == [
        (clinic_a.pk, "admin form: first_name")
    ]
    assert User.objects.get(pk=practitioner.pk).clinic_id == clinic_a.pk


def test_a_password_set_in_the_admin_is_audited_without_the_password(
    clinic_admin: User, practitioner: User, clinic_a: Clinic
) -> None:
    url = reverse("admin:auth_user_password_change", args=[practitioner.pk])
    client = signed_in(clinic_admin)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    data = {"password1": PASSWORD, "password2": PASSWORD, "set_usable_password": "true"}

    response = client.post(url, data)

    assert response.status_code == 302
    events = list(AuditEvent.objects.filter(pk__gt=before or 0))
    assert the_one(events) == (
        clinic_a.pk,
        clinic_admin.pk,
        Action.UPDATE,
        "user",
        str(practitioner.pk),
    )
    assert events[0].detail == "admin form: password"
    assert User.objects.get(pk=practitioner.pk).check_password(PASSWORD)


def test_a_user_added_by_a_clinic_admin_is_audited_on_their_clinic(
    clinic_admin: User, clinic_a: Clinic
) -> None:
    with_permissions(clinic_admin, "clinic.add_user")
    data = {
        "username": "newcolleague",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "role": User.Role.PRACTITIONER,
        "is_active": "on",
    }

    response = signed_in(clinic_admin).post(reverse("admin:clinic_user_add"), data)

    assert response.status_code == 302
    added = User.objects.get(username="newcolleague")
    event = AuditEvent.objects.get(object_type="user", action=Action.CREATE)
    assert (event.clinic_id, event.user_id, event.object_id) == (
        clinic_a.pk,
        clinic_admin.pk,
        str(added.pk),
    )
    assert event.detail.startswith("admin form: username")
    assert PASSWORD not in event.detail


def test_a_groups_permissions_and_its_deletion_are_audited_without_a_clinic(
    superuser: User,
) -> None:
    group = Group.objects.create(name="report readers")
    client = signed_in(superuser)
    url = reverse("admin:auth_group_change", args=[group.pk])
    permission = Permission.objects.get(codename="view_report")

    changed = changes_after(client, url, permissions=[permission.pk])
    client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})

    assert the_one(changed) == (None, superuser.pk, Action.UPDATE, "group", str(group.pk))
    assert changed[0].detail == "admin form: permissions"
    assert not Group.objects.filter(pk=group.pk).exists()
    deleted = AuditEvent.objects.get(action=Action.DELETE)
    assert (deleted.clinic_id, deleted.object_type, deleted.object_id, deleted.detail) == (
        None,
        "group",
        str(group.pk),
        "admin: deleted",
    )


def test_api_clients_deleted_with_the_list_action_are_audited_each(
    superuser: User, clinic_a: Clinic, clinic_b: Clinic
) -> None:
    ours, _token = api_client_create(clinic=clinic_a, name="Old system")
    theirs, _token = api_client_create(clinic=clinic_b, name="Old system")
    selected = {"action": "delete_selected", "_selected_action": [ours.pk, theirs.pk]}

    signed_in(superuser).post(
        reverse("admin:clinic_apiclient_changelist"), {**selected, "post": "yes"}
    )

    assert not ApiClient.objects.exists()
    assert sorted(
        AuditEvent.objects.filter(action=Action.DELETE).values_list("clinic_id", "object_id")
    ) == sorted([(clinic_a.pk, str(ours.pk)), (clinic_b.pk, str(theirs.pk))])


def test_a_clinic_is_never_deleted_in_the_admin(superuser: User, clinic_a: Clinic) -> None:
    response = signed_in(superuser).get(reverse("admin:clinic_clinic_delete", args=[clinic_a.pk]))

    assert response.status_code == 403


def test_a_form_with_errors_records_nothing(superuser: User, clinic_a: Clinic) -> None:
    client = signed_in(superuser)
    url = reverse("admin:clinic_clinic_change", args=[clinic_a.pk])
    data = {**form_data(client, url), "retention_days": "1"}
    before = AuditEvent.objects.count()

    response = client.post(url, data)

    assert response.status_code == 200
    assert AuditEvent.objects.count() == before
