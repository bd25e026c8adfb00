"""The second factor in Chromium: a staff member of a clinic requiring it enrols at their
first sign-in, then signs in again with a code from the app, creates new recovery codes on
their Second factor page and signs in with one of them; every page works under the
Content-Security-Policy (no violation) and axe-core finds nothing serious.

Drives Debian's Chromium through Playwright. Skips when Chromium or axe-core is missing, and
fails instead when CI=true.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import sync_playwright

from audit.models import AuditEvent
from clinic.models import Clinic, User
from tests.factories import UserFactory
from tests.services import require_service

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class Checks:
    """One page of Chromium, collecting CSP reports from the console and from the page."""

    def __init__(self, browser: Any) -> None:
        context = browser.new_context()
        context.add_init_script(LISTEN_FOR_VIOLATIONS)
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)
        self.console: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def page_done(self, name: str) -> None:
        page = self.page
        assert page.evaluate("() => window.__cspViolations") == [], name
        assert self.console == [], f"{name}: {self.console}"
        # Evaluated through the DevTools protocol, which the page's CSP does not govern.
        page.evaluate(AXE.read_text())
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help}));
            }"""
        )
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], f"{name}: {json.dumps(serious, indent=1)}"
        assert page.evaluate("() => window.__cspViolations") == [], name


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    require_service("chromium", CHROMIUM.exists(), f"{CHROMIUM} is not installed")
    require_service("axe-core", AXE.exists(), "axe-core is not installed: run `npm install`")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()
        # The ORM connection the test opened while Playwright's event loop ran belongs to that
        # loop's context: closed inside it, or it keeps the test database from being dropped.
        connections.close_all()


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(checks: Checks, base: str, user: User) -> None:
    page = checks.page
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_staff_enrol_sign_in_and_renew_recovery_codes_under_the_csp(
    chromium: Any, live_server: Any, clinic_a: Clinic
) -> None:
    # given: a practitioner of a clinic that requires the second factor
    Clinic.objects.filter(pk=clinic_a.pk).update(require_second_factor=True)
    user = UserFactory(clinic=clinic_a)
    base = live_server.url

    # when: they sign in for the first time
    first = Checks(chromium)
    sign_in(first, base, user)

    # then: they are sent to set up the app, with the key and its QR code
    first.page.wait_for_url("**/dashboard/accounts/second-factor/?next=*")
    assert first.page.locator("h1").inner_text() == "Set up sign-in codes"
    assert first.page.locator("img[src^='data:image/svg+xml']").is_visible()
    assert first.page.evaluate("() => document.querySelector('main img').naturalWidth") > 0
    first.page_done("enrol")

    # when: a wrong code, then the app's code
    first.page.fill("#id_code", "000000")
    first.page.get_by_role("button", name="Confirm").click()
    assert "This code is not right" in first.page.locator("#code-error").inner_text()
    first.page_done("enrol, wrong code")
    device = TOTPDevice.objects.get(user=user)
    # django-otp throttles a device for a second after a failure (a person takes longer).
    first.page.wait_for_timeout(1100)
    first.page.fill("#id_code", code_of(device))
    first.page.get_by_role("button", name="Confirm").click()

    # then: ten recovery codes, shown once, then the dashboard
    first.page.wait_for_selector("#recovery-codes li")
    assert first.page.locator("#recovery-codes li").count() == 10
    first.page_done("recovery codes")
    first.page.get_by_role("link", name="I have kept them: continue").click()
    first.page.wait_for_url(f"{base}/dashboard/")
    assert first.page.locator("main h1").first.is_visible()

    # when: they sign in again, in another browser
    second = Checks(chromium)
    sign_in(second, base, user)

    # then: a code is asked after the password, and the app's next code lets them in
    second.page.wait_for_url("**/dashboard/accounts/second-factor/verify/?next=*")
    second.page_done("verify")
    second.page.fill("#id_code", code_of(device, steps_ahead=1))
    second.page.get_by_role("button", name="Continue").click()
    second.page.wait_for_url(f"{base}/dashboard/")
    assert second.page.locator("main h1").first.is_visible()
    assert AuditEvent.objects.filter(
        user=user, object_type="second_factor", action=AuditEvent.Action.SIGN_IN
    ).exists()

    # when: they open their Second factor page and create new recovery codes
    second.page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Second factor"
    ).click()
    second.page.wait_for_url(f"{base}/dashboard/accounts/second-factor/manage/")
    assert second.page.locator("#codes-left").inner_text() == "10 of 10"
    second.page_done("second factor page")
    second.page.fill("#id_codes-password", "not the password")
    second.page.get_by_role("button", name="Create new recovery codes").click()
    assert "is not right" in second.page.locator("#codes-error").inner_text()
    second.page_done("second factor page, wrong password")
    second.page.fill("#id_codes-password", PASSWORD)
    second.page.get_by_role("button", name="Create new recovery codes").click()

    # then: ten new codes, shown once
    second.page.wait_for_selector("#recovery-codes li")
    new_codes = second.page.locator("#recovery-codes li").all_inner_texts()
    assert len(new_codes) == 10
    second.page_done("new recovery codes")
    second.page.get_by_role("link", name="I have kept them: continue").click()
    second.page.wait_for_url(f"{base}/dashboard/accounts/second-factor/manage/")

    # when: they sign in again with one of the new codes
    third = Checks(chromium)
    sign_in(third, base, user)
    third.page.wait_for_url("**/dashboard/accounts/second-factor/verify/?next=*")
    third.page.fill("#id_code", new_codes[0].strip())
    third.page.get_by_role("button", name="Continue").click()

    # then: they are in, the code is used up, and the page shows what is left
    third.page.wait_for_url(f"{base}/dashboard/")
    third.page.goto(f"{base}/dashboard/accounts/second-factor/manage/")
    assert third.page.locator("#codes-left").inner_text() == "9 of 10"
    third.page_done("second factor page after a recovery code")
    assert AuditEvent.objects.filter(
        user=user,
        object_type="second_factor",
        detail="second factor verified (recovery code)",
    ).exists()
