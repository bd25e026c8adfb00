"""Every kind of page works in Chromium under the Content-Security-Policy, and none reports a
violation: the dashboard, the patient form (with and without JavaScript), the API docs (Swagger
UI renders its operations) and the admin.

Drives Debian's Chromium through Playwright, with the CSP enforced (never bypassed). Skips when
Chromium is missing, and fails instead when CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from playwright.sync_api import sync_playwright

from clinic.models import Patient, User
from clinic.services import invitation_create
from screening.models import Screening
from screening.samples import sample_document
from tests.factories import UserFactory, screening_for

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

# Recorded in the page before any of its own scripts run (an init script is not subject to
# the page's CSP): every `securitypolicyviolation` event of the document.
LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`
  );
});
"""


class Browser:
    """One Chromium; each context collects the CSP reports of its pages from two sources: the
    console (also without JavaScript) and the `securitypolicyviolation` events."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.console: list[str] = []

    def page(self, *, javascript: bool = True, session: str | None = None, url: str = "") -> Any:
        context = self.browser.new_context(java_script_enabled=javascript)
        if session:
            context.add_cookies([{"name": "sessionid", "value": session, "url": url}])
        context.add_init_script(LISTEN_FOR_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", self._console)
        return page

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def assert_no_violation(self, page: Any, name: str) -> None:
        events = page.evaluate("() => window.__cspViolations") if self._has_js(page) else []
        assert events == [], f"{name}: {events}"
        assert self.console == [], f"{name}: {self.console}"

    @staticmethod
    def _has_js(page: Any) -> bool:
        # page.evaluate runs through the DevTools protocol even where the page's own scripts are
        # disabled; the listener, though, was only installed where they run.
        return bool(page.evaluate("() => Array.isArray(window.__cspViolations)"))


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is not installed (required on CI)")
        pytest.skip(f"{CHROMIUM} is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls stay
    # synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield Browser(browser)
        browser.close()
        # See tests/clinic/intake_form/test_intake_browser.py: the ORM connection opened while
        # Playwright ran in this thread would keep the test database from being dropped. It
        # belongs to the event loop's context, so it is closed inside it.
        connections.close_all()


@pytest.fixture
def clinic_admin(patient: Patient) -> User:
    # A superuser of the clinic: the admin shows it every page without assigning permissions.
    return UserFactory(clinic=patient.clinic, role=User.Role.CLINIC_ADMIN, is_superuser=True)


@pytest.fixture
def screening(patient: Patient) -> Screening:
    return screening_for(patient, sample_document(answers={"red_flags.blood_in_stool": True}))


def session_of(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_the_dashboard_api_docs_and_admin_work_under_the_csp(
    chromium: Browser, live_server: Any, clinic_admin: User, screening: Screening
) -> None:
    # given: a signed-in clinic admin with a patient and a screening with alarm features
    base = live_server.url
    page = chromium.page(session=session_of(clinic_admin), url=base)
    pages = {
        "home": ("/dashboard/", "main h1"),
        "patients": ("/dashboard/patients/", "main h1"),
        "patient": (f"/dashboard/patients/{screening.intake.patient_id}/", "main h1"),
        "screening": (f"/dashboard/screenings/{screening.pk}/", "main h1"),
        "admin": ("/admin/", "#content h1"),
        "admin patients": ("/admin/clinic/patient/", "#content h1"),
        "admin patient": (
            f"/admin/clinic/patient/{screening.intake.patient_id}/change/",
            "#content h1",
        ),
    }

    for name, (path, heading) in pages.items():
        # when: each page is opened
        response = page.goto(base + path)

        # then: it answers, shows its content with its styles, and reports no violation
        assert response.status == 200, name
        assert "Content-Security-Policy" in response.headers or "content-security-policy" in (
            response.headers
        )
        assert page.locator(heading).first.is_visible(), name
        chromium.assert_no_violation(page, name)

    # the dashboard's stylesheet applied (a file, not inline): the skip link is moved off-screen
    page.goto(base + "/dashboard/")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.skip')).position") in (
        "absolute",
        "fixed",
    )

    # the API docs: Swagger UI starts from its script file and renders the operations
    page.goto(base + "/api/docs/")
    page.wait_for_selector(".opblock", state="visible")
    assert page.locator(".opblock").count() > 10
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body", state="visible")
    chromium.assert_no_violation(page, "api docs")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_patient_form_works_under_the_csp(
    chromium: Browser, live_server: Any, patient: Patient, javascript: bool
) -> None:
    # given: a patient's private link
    _invitation, token = invitation_create(patient=patient)
    page = chromium.page(javascript=javascript)

    # when: the patient agrees and starts
    response = page.goto(f"{live_server.url}/intake/{token}/")
    assert response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    chromium.assert_no_violation(page, "welcome")
    page.check("#consent")
    page.get_by_role("button", name="Start").click()

    # then: the first step of questions shows, styled, with no violation
    page.wait_for_url(f"**/intake/{token}/*/")
    assert page.locator(".progress__text").inner_text() == "Step 2 of 12"
    assert page.evaluate("() => document.styleSheets.length") >= 1
    chromium.assert_no_violation(page, "first step")
