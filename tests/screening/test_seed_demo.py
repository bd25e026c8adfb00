"""`manage.py seed_demo`: a demo clinic with a practitioner and synthetic screenings, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clinic.models import Clinic, Patient, User
from screening.management.commands.seed_demo import DEMO_PATIENTS
from screening.models import Intake, Screening

pytestmark = pytest.mark.django_db

EXPECTED_INTAKES = sum(len(demo.intakes) for demo in DEMO_PATIENTS)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "clinics": Clinic.objects.count(),
        "users": User.objects.count(),
        "patients": Patient.objects.count(),
        "intakes": Intake.objects.count(),
        "screenings": Screening.objects.count(),
    }


def test_it_creates_the_demo_clinic_practitioner_and_patients() -> None:
    output = seed("--password", "riverside-demo-2026")

    clinic = Clinic.objects.get(slug="demo")
    assert clinic.name == "Riverside Gut Health"
    user = User.objects.get(username="demo")
    assert user.clinic == clinic
    assert user.is_staff
    assert not user.is_superuser
    assert user.check_password("riverside-demo-2026")
    assert user.has_perm("clinic.view_patient")
    assert user.has_perm("screening.view_screening")
    assert "username: demo" in output
    assert "password: riverside-demo-2026" in output
    assert "/admin/" in output
    assert sorted(clinic.patients.values_list("external_id", flat=True)) == [
        f"DEMO-{n:03d}" for n in range(1, len(DEMO_PATIENTS) + 1)
    ]
    assert 6 <= len(DEMO_PATIENTS) <= 10
    assert counts()["screenings"] == EXPECTED_INTAKES
    assert set(Intake.objects.values_list("source", flat=True)) == {Intake.Source.DEMO}


def test_it_prints_a_generated_password_that_works() -> None:
    output = seed()

    password = next(
        line.split("password: ", 1)[1] for line in output.splitlines() if "password: " in line
    )
    assert len(password) >= 12
    assert User.objects.get(username="demo").check_password(password)


def test_the_demo_screenings_show_varied_results() -> None:
    seed()

    latest = {
        screening.patient.external_id: screening
        for screening in Screening.objects.select_related("patient").order_by("completed_on")
    }
    overalls = {screening.overall for screening in latest.values()}
    assert {"none", "isolated", "multi_domain"} <= overalls
    assert any(screening.refer_first for screening in latest.values())
    assert any(not screening.refer_first for screening in latest.values())
    red_flags = {code for s in latest.values() for code in s.result["red_flags"]}
    assert "onset_after_50" in red_flags
    assert any(screening.result["phq4"] for screening in Screening.objects.all())


def test_each_patient_has_one_to_three_intakes_oldest_first() -> None:
    seed()

    for patient in Patient.objects.all():
        dates = list(patient.intakes.order_by("id").values_list("completed_on", flat=True))
        assert 1 <= len(dates) <= 3
        assert dates == sorted(dates)
        assert len(set(dates)) == len(dates)


def test_running_twice_creates_nothing_twice() -> None:
    seed("--password", "first-password-1")
    before = counts()

    output = seed()

    assert counts() == before
    assert "password: unchanged" in output
    assert User.objects.get(username="demo").check_password("first-password-1")


def test_running_again_with_a_password_sets_it() -> None:
    seed("--password", "first-password-1")
    before = counts()

    seed("--password", "second-password-2")

    assert counts() == before
    assert User.objects.get(username="demo").check_password("second-password-2")
