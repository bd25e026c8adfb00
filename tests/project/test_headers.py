"""Every response carries the security headers: the Content-Security-Policy without inline code,
the Permissions-Policy, and the rest of the OWASP secure-headers list."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.http import HttpResponseBase
from django.test import Client
from django.test.utils import override_settings

from clinic.models import User

pytestmark = pytest.mark.django_db

SECURE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")


def directives(response: HttpResponseBase) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def assert_secure_headers(response: HttpResponseBase) -> None:
    for header, value in SECURE_HEADERS.items():
        assert response.get(header) == value, header
    permissions = response["Permissions-Policy"]
    for feature in DENIED_FEATURES:
        assert f"{feature}=()" in permissions, feature
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert policy[directive] == ["'self'"], directive
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_a_dashboard_page_carries_the_csp_and_the_secure_headers(practitioner: User) -> None:
    client = Client()
    client.force_login(practitioner)

    response = client.get("/dashboard/")

    assert response.status_code == 200
    assert_secure_headers(response)


def test_the_sign_in_page_carries_them_without_a_session(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert_secure_headers(response)


def test_an_api_response_carries_them(practitioner: User) -> None:
    client = Client()
    client.force_login(practitioner)

    response = client.get("/api/v1/patients/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_secure_headers(response)


def test_an_api_refusal_carries_them(client: Client) -> None:
    response = client.get("/api/v1/patients/")

    assert response.status_code == 401
    assert_secure_headers(response)


def test_the_api_docs_load_their_start_script_as_a_file(practitioner: User) -> None:
    client = Client()
    client.force_login(practitioner)

    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    html = page.content.decode()
    assert "<style" not in html
    assert '<script src="/api/docs/?script="></script>' in html
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert_secure_headers(page)


@override_settings(WHITENOISE_USE_FINDERS=True)  # WhiteNoise serves them, as in production
def test_static_files_carry_the_resource_policy_and_nosniff() -> None:
    assert finders.find("dashboard/dashboard.css")

    response = Client().get("/static/dashboard/dashboard.css")

    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@override_settings(DEBUG=False)
def test_hsts_is_sent_over_https_in_production(practitioner: User) -> None:
    client = Client()
    client.force_login(practitioner)

    with override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True):
        response = client.get("/dashboard/", secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
