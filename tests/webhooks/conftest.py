"""Fixtures for webhook tests: plain HTTP to the loopback receiver allowed, and endpoints of a
clinic with the test secret."""

from __future__ import annotations

import pytest
from pytest_django import Settings as SettingsWrapper

from clinic.models import Clinic
from webhooks.models import WebhookEndpoint


@pytest.fixture
def local_hooks(settings: SettingsWrapper) -> None:
    # Plain HTTP to loopback is allowed only with DEBUG on: the receiver runs on 127.0.0.1.
    settings.DEBUG = True


def endpoint_for(clinic: Clinic, url: str, events: list[str] | None = None) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        clinic=clinic, url=url, secret="whsec_test-secret", events=events or []
    )
