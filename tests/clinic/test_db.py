"""The hot-path statements of clinic/db.py agree with the ORM they stand in for."""

from __future__ import annotations

import datetime

import pytest

from clinic.db import row_in_clinic, row_insert, rows_matching
from clinic.models import Clinic, Patient, WebhookEndpoint
from reports.models import Report
from screening.samples import sample_document
from tests.factories import PatientFactory, screening_for

pytestmark = pytest.mark.django_db


def test_row_insert_stores_what_save_would_store(patient: Patient) -> None:
    screening = screening_for(patient, sample_document())
    Report.objects.filter(screening=screening).delete()
    inserted = row_insert(
        Report(clinic_id=patient.clinic_id, screening=screening, template_version="1")
    )
    saved = Report(clinic_id=patient.clinic_id, screening=screening, template_version="other")
    saved.save()

    columns = [field.attname for field in Report._meta.concrete_fields if field.attname != "id"]
    stored = Report.objects.values(*columns)
    first, second = stored.get(pk=inserted.pk), stored.get(pk=saved.pk)
    assert inserted.pk and not inserted._state.adding
    for column in columns:
        if column not in ("template_version", "created_at"):
            assert first[column] == second[column], column
    assert (first["template_version"], second["template_version"]) == ("1", "other")
    assert isinstance(first["created_at"], datetime.datetime)  # the field's default


def test_row_in_clinic_finds_a_row_of_the_clinic_only(clinic_a: Clinic, clinic_b: Clinic) -> None:
    mine = PatientFactory(clinic=clinic_a, birth_date=datetime.date(1980, 2, 29))
    theirs = PatientFactory(clinic=clinic_b)

    found = row_in_clinic(Patient, mine.pk, clinic_id=clinic_a.pk)

    assert found is not None
    assert [(f.attname, getattr(found, f.attname)) for f in Patient._meta.concrete_fields] == [
        (f.attname, getattr(Patient.objects.get(pk=mine.pk), f.attname))
        for f in Patient._meta.concrete_fields
    ]
    assert found.birth_date == datetime.date(1980, 2, 29)  # converted as the ORM converts it
    assert row_in_clinic(Patient, theirs.pk, clinic_id=clinic_a.pk) is None
    assert row_in_clinic(Patient, 10**12, clinic_id=clinic_a.pk) is None


def test_rows_matching_filters_on_every_column_given(clinic_a: Clinic, clinic_b: Clinic) -> None:
    def endpoint(clinic: Clinic, active: bool, events: list[str]) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(
            clinic=clinic,
            url="https://hooks.example.org/",
            secret="s",
            events=events,
            is_active=active,
        )

    wanted = endpoint(clinic_a, True, ["report.ready"])
    endpoint(clinic_a, False, [])
    endpoint(clinic_b, True, [])

    rows = rows_matching(WebhookEndpoint, ("id", "events"), clinic=clinic_a.pk, is_active=True)

    assert rows == [(wanted.pk, ["report.ready"])]  # the JSON column comes back as a list
