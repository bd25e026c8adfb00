"""Only a superuser or a clinic admin of its clinic lets an API client erase patients, and only a
read-and-write client may be let."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from clinic.admin_staff import administers
from clinic.models import ApiClient, Clinic, User
from clinic.services import api_client_create
from tests.clinic.test_admin_changes_audit import changes_after, form_data, signed_in
from tests.factories import UserFactory, with_permissions

pytestmark = pytest.mark.django_db

CLIENT_PERMISSIONS = ("clinic.view_apiclient", "clinic.change_apiclient")


@pytest.fixture
def writer(clinic_a: Clinic) -> ApiClient:
    return api_client_create(
        clinic=clinic_a, name="Practice system", scope=ApiClient.Scope.READ_WRITE
    )[0]


@pytest.fixture
def clinic_admin(clinic_a: Clinic) -> User:
    user = UserFactory(clinic=clinic_a, role=User.Role.CLINIC_ADMIN)
    return with_permissions(user, *CLIENT_PERMISSIONS)


def change_url(client: ApiClient) -> str:
    return reverse("admin:clinic_apiclient_change", args=[client.pk])


@pytest.mark.parametrize("stored", [False, True])
def test_a_practitioner_allowed_to_change_clients_cannot_change_who_erases(
    stored: bool, practitioner: User, writer: ApiClient
) -> None:
    # given a practitioner someone gave the API client permissions to
    ApiClient.objects.filter(pk=writer.pk).update(can_erase=stored)
    browser = signed_in(with_permissions(practitioner, *CLIENT_PERMISSIONS))
    assert browser.get(change_url(writer)).context["adminform"].form["can_erase"].field.disabled
    data = {**form_data(browser, change_url(writer)), "name": "Practice system 2"}
    data.pop("can_erase", None)
    if not stored:
        data["can_erase"] = "on"

    # when they post the opposite of the stored value along with a change they may make
    response = browser.post(change_url(writer), data)

    # then the name changed, the privilege did not, and the trail names only the name
    assert response.status_code == 302
    assert ApiClient.objects.get(pk=writer.pk).can_erase is stored
    event = AuditEvent.objects.get(object_type="api_client", action=AuditEvent.Action.UPDATE)
    assert event.detail == "admin form: name"


def test_the_admins_save_keeps_the_stored_privilege_whatever_the_form_carried(
    practitioner: User, writer: ApiClient
) -> None:
    # given a request that got past the disabled field (the admin's second guard)
    request = RequestFactory().post(change_url(writer))
    request.user = practitioner
    writer.can_erase = True

    # when the API client admin saves it
    admin.site._registry[ApiClient].save_model(request, writer, form=None, change=True)

    # then the stored value stands
    assert ApiClient.objects.get(pk=writer.pk).can_erase is False


@pytest.mark.parametrize("who", ["clinic_admin", "superuser"])
def test_a_clinic_admin_of_the_clients_clinic_or_a_superuser_lets_it_erase(
    who: str, clinic_admin: User, writer: ApiClient
) -> None:
    staff = clinic_admin if who == "clinic_admin" else UserFactory(clinic=None, is_superuser=True)

    events = changes_after(signed_in(staff), change_url(writer), can_erase="on")

    assert ApiClient.objects.get(pk=writer.pk).can_erase
    assert [event.detail for event in events] == ["admin form: can_erase"]


def test_only_a_superuser_or_a_clinic_admin_of_that_clinic_administers_it(
    clinic_a: Clinic, clinic_b: Clinic
) -> None:
    admin_of_a = User(clinic=clinic_a, role=User.Role.CLINIC_ADMIN)
    practitioner_of_a = User(clinic=clinic_a, role=User.Role.PRACTITIONER)
    superuser = User(clinic=None, is_superuser=True)

    assert administers(admin_of_a, clinic_a.pk) and not administers(admin_of_a, clinic_b.pk)
    assert not administers(admin_of_a, None)
    assert not administers(practitioner_of_a, clinic_a.pk)
    assert administers(superuser, clinic_b.pk)


def test_a_read_only_client_cannot_be_allowed_to_erase(clinic_a: Clinic) -> None:
    reader = ApiClient(
        clinic=clinic_a, name="Reader", token_prefix="bik_", token_sha256="0" * 64, can_erase=True
    )

    with pytest.raises(ValidationError) as refused:
        reader.full_clean()

    assert list(refused.value.message_dict) == ["can_erase"]
    assert "read-and-write scope" in refused.value.message_dict["can_erase"][0]
    reader.scope = ApiClient.Scope.READ_WRITE
    reader.full_clean()


def test_a_client_allowed_to_erase_keeps_its_write_scope_until_a_clinic_admin_says_otherwise(
    practitioner: User, writer: ApiClient
) -> None:
    # given a client a clinic admin let erase, and a practitioner allowed to change clients
    ApiClient.objects.filter(pk=writer.pk).update(can_erase=True)
    browser = signed_in(with_permissions(practitioner, *CLIENT_PERMISSIONS))
    data = {**form_data(browser, change_url(writer)), "scope": ApiClient.Scope.READ}

    # when the practitioner makes it read-only
    response = browser.post(change_url(writer), data)

    # then the form is refused, naming the privilege, and nothing changed
    assert response.status_code == 200
    assert "read-and-write scope" in str(response.context["adminform"].form.errors["can_erase"])
    assert ApiClient.objects.get(pk=writer.pk).can_write


def test_a_clinic_admin_cannot_let_a_read_only_client_erase(
    clinic_admin: User, clinic_a: Clinic
) -> None:
    reader = api_client_create(clinic=clinic_a, name="Reader")[0]
    browser = signed_in(clinic_admin)
    data = {**form_data(browser, change_url(reader)), "can_erase": "on"}

    response = browser.post(change_url(reader), data)

    assert response.status_code == 200
    assert "can_erase" in response.context["adminform"].form.errors
    assert not ApiClient.objects.get(pk=reader.pk).can_erase
