"""The admin keeps no log of its own (Django's LogEntry, django_admin_log): the audit trail is the
one record of what staff did there, so no name stays in "Recent actions" or a history page."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from clinic.admin_log import WithoutAdminLog
from clinic.models import ApiClient, Clinic, Patient, User
from clinic.services import api_client_create
from reports.models import Report
from tests.factories import PatientFactory, UserFactory, with_permissions

pytestmark = pytest.mark.django_db

PROJECT_PACKAGES = {"clinic", "audit", "screening", "reports", "webhooks", "notifications", "api"}
PATIENT_PERMISSIONS = ("clinic.add_patient", "clinic.change_patient", "clinic.view_patient")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_admin_of_the_project_writes_no_log_entry() -> None:
    ours = {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if type(model_admin).__module__.split(".")[0] in PROJECT_PACKAGES
    }

    assert Patient in ours and Clinic in ours and User in ours
    for model, model_admin in ours.items():
        assert isinstance(model_admin, WithoutAdminLog), model.__name__


@pytest.mark.parametrize(
    "changelist",
    [
        "/admin/otp_totp/totpdevice/",
        "/admin/otp_static/staticdevice/",
        "/admin/axes/accessattempt/",
        "/admin/axes/accesslog/",
        "/admin/axes/accessfailurelog/",
    ],
)
def test_the_libraries_device_and_sign_in_admins_are_not_offered(changelist: str) -> None:
    # Devices change through the audited reset; sign-in records are neither scoped nor audited.
    superuser = UserFactory(clinic=None, is_superuser=True, username="root")

    response = signed_in(superuser).get(changelist)

    assert response.status_code == 404
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert not registered & {"otp_totp.totpdevice", "otp_static.staticdevice", "axes.accesslog"}


def test_adding_and_changing_a_patient_in_the_admin_leaves_no_log_entry_and_no_name(
    clinic_a: Clinic, practitioner: User
) -> None:
    # given a practitioner who may add and change patients in the admin
    client = signed_in(with_permissions(practitioner, *PATIENT_PERMISSIONS))
    data = {"clinic": clinic_a.pk, "external_id": "L1", "given_name": "Io", "family_name": "Vane"}

    # when they add a patient, then rename them (each form leads to the list, where a one-time
    # confirmation names the patient)
    changelist = [(reverse("admin:clinic_patient_changelist"), 302)]
    added = client.post(reverse("admin:clinic_patient_add"), data, follow=True)
    assert added.redirect_chain == changelist
    patient = Patient.objects.get(external_id="L1")
    change = reverse("admin:clinic_patient_change", args=[patient.pk])
    changed = client.post(change, {**data, "family_name": "Wren"}, follow=True)
    assert changed.redirect_chain == changelist

    # then Django's log has no row, the index names neither name, and the audit trail has both
    assert not LogEntry.objects.exists()
    index = client.get(reverse("admin:index")).content
    assert b"Vane" not in index and b"Wren" not in index
    assert list(
        AuditEvent.objects.filter(object_type="patient", object_id=str(patient.pk))
        .exclude(action=AuditEvent.Action.READ)
        .values_list("action", flat=True)
        .order_by("id")
    ) == [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]


def test_a_password_set_in_the_user_admin_leaves_no_log_entry(practitioner: User) -> None:
    superuser = UserFactory(clinic=None, is_superuser=True, username="root")
    page = reverse("admin:auth_user_password_change", args=[practitioner.pk])
    password = "another-synthetic-passphrase-7"

    response = signed_in(superuser).post(page, {"password1": password, "password2": password})

    assert response.status_code == 302
    assert not LogEntry.objects.exists()


def test_a_history_page_lists_no_entry_and_links_to_the_objects_audit_trail(
    practitioner: User, patient: Patient
) -> None:
    staff = with_permissions(practitioner, "clinic.view_patient", "audit.view_auditevent")
    client = signed_in(staff)
    client.get(reverse("admin:clinic_patient_change", args=[patient.pk]))

    page = client.get(reverse("admin:clinic_patient_history", args=[patient.pk]))

    trail = f"{reverse('admin:audit_auditevent_changelist')}?object_type=patient&object_id="
    assert page.status_code == 200
    assert f'href="{escape(trail)}{patient.pk}"'.encode() in page.content
    assert page.context_data["action_list"].paginator.count == 0
    listed = client.get(f"{trail}{patient.pk}").context_data["cl"].result_list
    assert {(event.object_type, event.object_id) for event in listed} == {
        ("patient", str(patient.pk))
    }
    assert {event.detail for event in listed} >= {"admin change page", "admin history"}


@pytest.mark.parametrize(
    ("model", "object_type"),
    [(User, "user"), (Clinic, "clinic"), (Group, "group"), (ApiClient, "api_client")],
)
def test_the_history_of_staff_and_settings_links_to_their_changes_and_keeps_earlier_entries(
    model: type[Model], object_type: str, practitioner: User, clinic_a: Clinic
) -> None:
    # given an object of each kind whose changes are audited, and an entry Django's admin
    # wrote about it before the project stopped writing them
    objects = {
        User: lambda: practitioner,
        Clinic: lambda: clinic_a,
        Group: lambda: Group.objects.create(name="auditors"),
        ApiClient: lambda: api_client_create(clinic=clinic_a, name="Practice system")[0],
    }
    shown = objects[model]()
    superuser = UserFactory(clinic=None, is_superuser=True, username="root")
    LogEntry.objects.create(
        user=superuser,
        content_type=ContentType.objects.get_for_model(model),
        object_id=str(shown.pk),
        object_repr="earlier",
        action_flag=CHANGE,
        change_message="Changed role.",
    )
    browser = signed_in(superuser)
    before = AuditEvent.objects.count()

    # when a superuser opens its history page
    history = f"admin:{model._meta.app_label}_{model._meta.model_name}_history"
    page = browser.get(reverse(history, args=[shown.pk]))

    # then it lists the earlier entry, links to its changes in the audit trail, and (reads of
    # staff and settings are not audited) records nothing
    trail = f"{reverse('admin:audit_auditevent_changelist')}?object_type={object_type}&object_id="
    assert page.status_code == 200
    assert f'href="{escape(trail)}{shown.pk}"'.encode() in page.content
    assert page.context_data["action_list"].paginator.count == 1
    assert AuditEvent.objects.count() == before


def test_a_history_page_links_no_trail_the_user_may_not_see(
    practitioner: User, patient: Patient
) -> None:
    client = signed_in(with_permissions(practitioner, "clinic.view_patient"))

    page = client.get(reverse("admin:clinic_patient_history", args=[patient.pk]))

    assert page.status_code == 200
    assert b"audit trail" not in page.content


def test_the_migration_deletes_the_log_entries_about_patient_data_and_keeps_the_others(
    practitioner: User, clinic_a: Clinic
) -> None:
    # given rows Django's admin wrote before: about a (synthetic) patient and a screening's
    # report, and about a clinic's settings, a staff member's privileges and a group
    named = PatientFactory(clinic=clinic_a, family_name="Oldlog")
    group = Group.objects.create(name="auditors")

    def logged(model: type[Model], object_id: Any, text: str) -> LogEntry:
        return LogEntry.objects.create(
            user=practitioner,
            content_type=ContentType.objects.get_for_model(model),
            object_id=str(object_id),
            object_repr=text,
            action_flag=CHANGE,
        )

    logged(Patient, named.pk, str(named))
    logged(Report, 1, "Report 1 of screening 1 (ready)")
    kept = {
        logged(Clinic, clinic_a.pk, str(clinic_a)).pk,
        logged(User, practitioner.pk, practitioner.username).pk,
        logged(Group, group.pk, group.name).pk,
    }
    migration = importlib.import_module("clinic.migrations.0010_admin_log_entries_deleted")

    # when the migration runs
    migration.admin_log_entries_delete(apps, None)

    # then the history of staff, settings and privileges stays, and no row names the patient
    assert set(LogEntry.objects.values_list("pk", flat=True)) == kept
    assert not LogEntry.objects.filter(object_repr__contains="Oldlog").exists()


def test_the_confirmation_naming_a_patient_stays_on_the_server(
    clinic_a: Clinic, practitioner: User
) -> None:
    # given a practitioner who may add patients in the admin
    client = signed_in(with_permissions(practitioner, *PATIENT_PERMISSIONS))
    data = {"clinic": clinic_a.pk, "external_id": "L2", "given_name": "Ada", "family_name": "Quill"}

    # when they add one (the admin confirms "The patient ... was added successfully")
    response = client.post(reverse("admin:clinic_patient_add"), data)

    # then the confirmation is kept in the session, not in a cookie the browser holds
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert b"Quill" in client.get(reverse("admin:clinic_patient_changelist")).content
