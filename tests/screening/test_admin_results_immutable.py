"""The admin shows intakes, screenings and note revisions, and changes or deletes none of them."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse

from clinic.models import Clinic, Patient, User
from screening.models import Intake, NoteRevision, Screening
from tests.factories import PatientFactory, UserFactory, screening_for, with_permissions

pytestmark = pytest.mark.django_db

# Every permission Django has on these models: the admin still shows them read-only.
GRANTED = [
    f"screening.{verb}_{model}"
    for verb in ("view", "add", "change", "delete")
    for model in ("intake", "screening", "noterevision")
]


@pytest.fixture(params=["practitioner", "clinic_admin", "superuser"])
def staff(request: pytest.FixtureRequest, clinic_a: Clinic) -> User:
    if request.param == "superuser":
        return UserFactory(clinic=None, is_superuser=True)
    return with_permissions(UserFactory(clinic=clinic_a, role=request.param), *GRANTED)


@pytest.fixture
def stored(patient: Patient, practitioner: User) -> dict[type[models.Model], models.Model]:
    """One stored intake, its screening and a note revision, each with a twin to point to."""
    screening = screening_for(patient)
    twin = screening_for(PatientFactory(clinic=patient.clinic))
    revision = NoteRevision.objects.create(
        clinic=patient.clinic,
        screening=screening,
        notes="Discussed diet.",
        saved_by=practitioner,
        saved_by_name="A. Practitioner",
        reviewed=False,
    )
    return {
        Intake: screening.intake,
        Screening: screening,
        NoteRevision: revision,
        Patient: twin.patient,
        models.Model: twin,  # the twin screening, for relations to other rows
    }


def row_of(obj: models.Model) -> dict[str, Any]:
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


def form_value(field: models.Field[Any, Any], value: Any) -> dict[str, Any]:
    """The admin form's POST entries for `field` holding `value`."""
    name = field.name
    if value is None:
        return {name: "", f"{name}_0": "", f"{name}_1": ""}
    if isinstance(field, models.DateTimeField):
        return {f"{name}_0": value.strftime("%Y-%m-%d"), f"{name}_1": value.strftime("%H:%M:%S")}
    if isinstance(field, models.DateField):
        return {name: value.isoformat()}
    if isinstance(field, models.BooleanField):
        return {name: "on"} if value else {}
    if isinstance(field, models.JSONField):
        return {name: json.dumps(value)}
    return {name: str(value)}


def tampered(
    field: models.Field[Any, Any], value: Any, stored: dict[Any, Any], staff: User, other: Clinic
) -> Any:
    """Another valid value for `field`: what a crafted POST would set."""
    if isinstance(field, models.ForeignKey):
        return {
            Clinic: other.pk,
            Patient: stored[Patient].pk,
            Intake: stored[models.Model].intake_id,
            Screening: stored[models.Model].pk,
            User: staff.pk,
        }[field.related_model]
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateTimeField):
        return datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
    if isinstance(field, models.DateField):
        return datetime.date(2001, 2, 3)
    if isinstance(field, models.JSONField):
        return {"tampered": True}
    if isinstance(field, models.PositiveSmallIntegerField):
        return value + 1
    if field.choices:
        return next(choice for choice, _ in field.choices if choice != value)
    return "0" * 64 if field.name.endswith("sha256") else "tampered"


def stored_form(obj: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in type(obj)._meta.concrete_fields:
        if not field.primary_key:
            data |= form_value(field, getattr(obj, field.attname))
    return data


@pytest.mark.parametrize("model", [Intake, Screening, NoteRevision])
def test_no_one_changes_a_stored_record_through_the_admin(
    model: type[models.Model], staff: User, stored: dict[Any, Any], clinic_b: Clinic
) -> None:
    # given a stored record, and a signed-in staff member granted every permission on it
    obj = stored[model]
    client = Client()
    client.force_login(staff)
    url = reverse(f"admin:screening_{model._meta.model_name}_change", args=[obj.pk])
    before = row_of(obj)
    assert client.get(url).status_code == 200  # shown

    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        # when a complete form with one field tampered with is posted
        value = getattr(obj, field.attname)
        new_value = tampered(field, value, stored, staff, clinic_b)
        response = client.post(url, stored_form(obj) | form_value(field, new_value))

        # then it is refused, and the row is as it was
        assert response.status_code == 403, field.name
        assert row_of(obj) == before, field.name


@pytest.mark.parametrize("model", [Intake, Screening, NoteRevision])
def test_no_one_adds_or_deletes_a_stored_record_through_the_admin(
    model: type[models.Model], staff: User, stored: dict[Any, Any]
) -> None:
    # given
    obj = stored[model]
    client = Client()
    client.force_login(staff)
    name = model._meta.model_name
    changelist_url = reverse(f"admin:screening_{name}_changelist")

    # when the delete page, the bulk delete action and the add page are asked for
    delete_page = client.get(reverse(f"admin:screening_{name}_delete", args=[obj.pk]))
    delete_post = client.post(
        reverse(f"admin:screening_{name}_delete", args=[obj.pk]), {"post": "yes"}
    )
    changelist = client.get(changelist_url)
    bulk = client.post(
        changelist_url,
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    add_page = client.get(reverse(f"admin:screening_{name}_add"))

    # then deleting and adding are refused, the list offers no action, and the row stays
    assert delete_page.status_code == delete_post.status_code == add_page.status_code == 403
    assert changelist.status_code == 200
    assert changelist.context["action_form"] is None
    assert b"delete_selected" not in changelist.content
    assert bulk.status_code in (200, 302)
    assert model._default_manager.filter(pk=obj.pk).exists()
