"""Callers of the API for the tests of every package: two clinics, their clients and staff, and
callers acting as them (fixtures, loaded by tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.middleware.csrf import _get_new_csrf_string
from rest_framework.test import APIClient

from clinic.models import ApiClient, Clinic, Patient, User
from clinic.services import api_client_create
from screening.models import Screening
from screening.samples import sample_document
from tests.factories import PatientFactory, UserFactory, screening_for

ROLES = ("anonymous", "a_read", "a_write", "b_client", "practitioner_a", "practitioner_b")


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every host name resolves to a public address (no DNS on test machines)."""
    import socket

    def resolve(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr("webhooks.targets.socket.getaddrinfo", resolve)


@dataclass
class Tokens:
    a_read: str
    a_write: str
    b_client: str


@pytest.fixture
def tokens(clinic_a: Clinic, clinic_b: Clinic) -> Tokens:
    return Tokens(
        a_read=api_client_create(clinic=clinic_a, name="records", scope=ApiClient.Scope.READ)[1],
        a_write=api_client_create(
            clinic=clinic_a, name="practice-system", scope=ApiClient.Scope.READ_WRITE
        )[1],
        b_client=api_client_create(
            clinic=clinic_b, name="other-practice", scope=ApiClient.Scope.READ_WRITE
        )[1],
    )


@pytest.fixture
def practitioner_b(clinic_b: Clinic) -> User:
    return UserFactory(clinic=clinic_b)


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def staff_session(user: User) -> APIClient:
    """A signed-in dashboard user whose unsafe requests carry a valid CSRF token."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    csrf = _get_new_csrf_string()
    client.cookies["csrftoken"] = csrf
    client.defaults["HTTP_X_CSRFTOKEN"] = csrf
    return client


@pytest.fixture
def callers(tokens: Tokens, practitioner: User, practitioner_b: User) -> Callable[[str], APIClient]:
    def caller(role: str) -> APIClient:
        if role == "anonymous":
            return APIClient()
        if role in ("a_read", "a_write", "b_client"):
            return bearer(getattr(tokens, role))
        if role == "practitioner_a":
            return staff_session(practitioner)
        if role == "practitioner_b":
            return staff_session(practitioner_b)
        raise ValueError(role)

    return caller


@pytest.fixture
def writer(callers: Callable[[str], APIClient]) -> APIClient:
    """The read-write client of clinic A."""
    return callers("a_write")


@pytest.fixture
def screening_a(patient: Patient) -> Screening:
    return screening_for(
        patient,
        sample_document(
            answers={
                "bloating.after_water": 3,
                "bloating.persistent": 2,
                "red_flags.blood_in_stool": True,
            }
        ),
    )


@pytest.fixture
def patient_b(clinic_b: Clinic) -> Patient:
    return PatientFactory(clinic=clinic_b, external_id="B-0001")


def intake_body(patient: Patient, **document: Any) -> dict[str, Any]:
    return {"patient": patient.pk, "document": sample_document(**document)}
