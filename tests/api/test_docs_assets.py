"""The API docs page loads Swagger UI from the app's own static files, never from a CDN."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from clinic.models import User

pytestmark = pytest.mark.django_db


def test_the_docs_page_references_only_its_own_assets(practitioner: User) -> None:
    client = Client()
    client.force_login(practitioner)
    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui" in source for source in sources)
    for source in sources:
        assert source.startswith("/"), source
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/").split("?")[0]), source
