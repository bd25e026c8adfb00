"""Fixtures for the patient intake form: an invitation with its token, and a clean rate limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from clinic.models import Invitation, Patient
from clinic.services import invitation_create


@pytest.fixture(autouse=True)
def clean_rate_limit() -> Iterator[None]:
    # The failed-link counter lives in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def invitation_with_token(patient: Patient) -> tuple[Invitation, str]:
    return invitation_create(patient=patient)


@pytest.fixture
def token(invitation_with_token: tuple[Invitation, str]) -> str:
    return invitation_with_token[1]


@pytest.fixture
def invitation(invitation_with_token: tuple[Invitation, str]) -> Invitation:
    return invitation_with_token[0]
