"""Shared fixtures: a clinic, a practitioner and a patient (all synthetic)."""

from __future__ import annotations

import pytest

from clinic.models import Clinic, Patient, User
from tests.factories import ClinicFactory, PatientFactory, UserFactory


@pytest.fixture
def clinic_a() -> Clinic:
    return ClinicFactory(slug="clinic-a", name="Clinic A")


@pytest.fixture
def clinic_b() -> Clinic:
    return ClinicFactory(slug="clinic-b", name="Clinic B")


@pytest.fixture
def practitioner(clinic_a: Clinic) -> User:
    return UserFactory(clinic=clinic_a)


@pytest.fixture
def patient(clinic_a: Clinic) -> Patient:
    return PatientFactory(clinic=clinic_a)
