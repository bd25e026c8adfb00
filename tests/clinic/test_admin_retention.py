"""A clinic's retention period has a minimum (`RETENTION_MIN_DAYS`): the daily sweep erases the
patients past the period, so a period of 0 or 1 day would erase them all."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from clinic.models import Clinic
from tests.clinic.test_admin_changes_audit import form_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def retention_posted(clinic: Clinic, days: str) -> tuple[int, list[str]]:
    """A superuser saves the clinic's form with `days`: the status and the field's errors."""
    client = Client()
    client.force_login(UserFactory(clinic=None, is_superuser=True))
    url = reverse("admin:clinic_clinic_change", args=[clinic.pk])
    response = client.post(url, {**form_data(client, url), "retention_days": days})
    errors = response.context["adminform"].form.errors if response.status_code == 200 else {}
    return response.status_code, list(errors.get("retention_days", []))


@pytest.mark.parametrize("days", ["0", "1", "364"])
def test_the_admin_refuses_a_retention_period_under_the_minimum_naming_the_field(
    clinic_a: Clinic, days: str
) -> None:
    status, errors = retention_posted(clinic_a, days)

    assert status == 200
    assert errors == [
        "Retention days must be at least 365 (RETENTION_MIN_DAYS), or empty to keep records "
        "until the practice removes them."
    ]
    assert Clinic.objects.get(pk=clinic_a.pk).retention_days is None


@pytest.mark.parametrize(("days", "kept"), [("365", 365), ("", None)])
def test_the_admin_saves_the_minimum_or_no_period(
    clinic_a: Clinic, days: str, kept: int | None
) -> None:
    Clinic.objects.filter(pk=clinic_a.pk).update(retention_days=400)

    status, _errors = retention_posted(clinic_a, days)

    assert status == 302
    assert Clinic.objects.get(pk=clinic_a.pk).retention_days == kept


@override_settings(RETENTION_MIN_DAYS=30)
def test_the_minimum_is_the_setting(clinic_a: Clinic) -> None:
    assert retention_posted(clinic_a, "29")[0] == 200
    assert retention_posted(clinic_a, "30")[0] == 302


def test_the_model_refuses_a_period_under_the_minimum(clinic_a: Clinic) -> None:
    clinic_a.retention_days = 1

    with pytest.raises(ValidationError) as refused:
        clinic_a.full_clean()

    assert list(refused.value.message_dict) == ["retention_days"]


def test_a_period_over_a_century_is_refused_too(clinic_a: Clinic) -> None:
    # a period the sweep could not turn into a date (it would overflow) never gets stored
    assert retention_posted(clinic_a, "36501")[0] == 200
    assert retention_posted(clinic_a, "36500")[0] == 302
    clinic_a.retention_days = 10_000_000

    with pytest.raises(ValidationError) as refused:
        clinic_a.full_clean()

    assert [error.code for error in refused.value.error_dict["retention_days"]] == [
        "retention_days_max"
    ]
