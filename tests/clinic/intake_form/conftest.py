"""Fixtures for the patient intake form: an invitation with its token."""

from __future__ import annotations

import pytest

from clinic.models import Invitation, Patient
from clinic.services import invitation_create


@pytest.fixture
def invitation_with_token(patient: Patient) -> tuple[Invitation, str]:
    return invitation_create(patient=patient)


@pytest.fixture
def token(invitation_with_token: tuple[Invitation, str]) -> str:
    return invitation_with_token[1]


@pytest.fixture
def invitation(invitation_with_token: tuple[Invitation, str]) -> Invitation:
    return invitation_with_token[0]
