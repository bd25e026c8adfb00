"""Shared fixtures: a clinic, a practitioner and a patient (all synthetic), and service guards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from api.throttling import counters_reset
from clinic.models import Clinic, Patient, User
from tests.factories import ClinicFactory, PatientFactory, UserFactory
from tests.services import redis_available, require_service

# Callers of the API (tokens, staff sessions) for the tests of every package that serves one.
pytest_plugins = ["tests.api_callers"]


@pytest.fixture(autouse=True)
def fresh_counters() -> Iterator[None]:
    """Request budgets and failed-link counts outlive a test's database: each test starts at 0."""
    counters_reset()
    yield
    counters_reset()


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


@pytest.fixture
def redis_url() -> str:
    """The Redis URL of this run (REDIS_URL); skips without Redis, fails on CI."""
    url = os.environ.get("REDIS_URL") or settings.REDIS_URL
    require_service("Redis", redis_available(url), f"no answer at {url}")
    return url


@pytest.fixture
def thirty_day_retention_minimum(settings: Any) -> None:
    """Retention examples keep 30 days: the default minimum (365 days) would raise them."""
    settings.RETENTION_MIN_DAYS = 30


@pytest.fixture
def on_postgres() -> None:
    """For tests of PostgreSQL behaviour; skips on another database, fails on CI."""
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        f"the tests run on {connection.vendor}; set DATABASE_URL=postgres://...",
    )
