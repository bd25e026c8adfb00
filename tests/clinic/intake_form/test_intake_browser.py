"""The patient intake form in a real browser at phone size: every step, food rows added and
removed, an error fixed, leaving and resuming, submitting; axe-core on every page.

Drives Debian's Chromium through Playwright. Skips when Chromium or axe-core (`npm install`)
is missing, and fails instead when CI=true.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections

from clinic.models import Invitation, Patient
from clinic.services import invitation_create, invitation_draft_save
from screening.instruments.definition import ItemType, Section
from screening.models import Intake, Screening
from screening.scoring import score_intake
from tests.chained_conditions import FOODS_LEFT_OUT, RELIEF, TRIED, register_chained_version
from tests.clinic.intake_form.filling import ANSWERS, FOODS, INSTRUMENT, posted_value

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required on CI)")
    pytest.skip(reason)


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    _require(CHROMIUM.exists(), f"{CHROMIUM} is not installed")
    _require(AXE.exists(), "axe-core is not installed: run `npm install`")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        # axe-core is injected as a script tag, which the pages' CSP refuses: bypassed here
        # (tests/project/test_csp_browser.py checks the pages under the CSP).
        context = browser.new_context(viewport=PHONE, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # The connection the test's ORM calls opened while Playwright ran in this thread is not
        # found by the teardown at the end of the run, which then cannot drop the test
        # database ("1 other session"): closed here.
        connections.close_all()


class Checks:
    """Accessibility, width and screenshots of every page the patient sees."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.shots: list[str] = []
        self.axe: dict[str, list[dict[str, Any]]] = {}

    def page_done(self, name: str) -> None:
        page = self.page
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.map(n => n.target.join(" ")),
                }));
            }"""
        )
        self.axe[name] = violations
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], f"{name}: {json.dumps(serious, indent=1)}"
        path = SCREENSHOTS / f"intake-{len(self.shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(str(path.relative_to(ROOT)))
        page.set_viewport_size(NARROW)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        page.set_viewport_size(PHONE)
        assert widths[0] <= widths[1], f"{name}: horizontal scroll at 320 px ({widths})"
        title = page.title()
        assert "/intake/" not in title


def fill_section(page: Any, section: Section, answers: dict[str, Any]) -> None:
    for item in section.items:
        if item.id not in answers or item.type is ItemType.FOOD_LIST:
            continue
        value = answers[item.id]
        if item.type in (ItemType.INTEGER, ItemType.TEXT):
            page.fill(f"[name='{item.id}']", str(value))
        elif item.type is ItemType.MULTI_CHOICE:
            for code in value:
                page.check(f"input[name='{item.id}'][value='{code}']")
        else:
            page.check(f"input[name='{item.id}'][value='{posted_value(item.type, value)}']")


def fill_with_keyboard(page: Any, section: Section, answers: dict[str, Any]) -> None:
    """Radio groups only: Tab into each group, arrows to choose, Space for the first option."""
    for item in section.items:
        for _ in range(6):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.name") == item.id:
                break
        else:
            raise AssertionError(f"Tab never reached {item.id}")
        value = answers[item.id]
        if value == 0:
            page.keyboard.press("Space")
        for _ in range(value):
            page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Save and continue"
    page.keyboard.press("Enter")


def continue_(page: Any) -> None:
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()


def food_row(page: Any, row: int, entry: dict[str, Any]) -> None:
    page.select_option(f"#food-{row}-food", entry["food"])
    if entry["food"] == "other":
        page.fill(f"#food-{row}-name", entry["name"])
    page.fill(f"#food-{row}-onset_year", str(entry["onset_year"]))
    choice = "yes" if entry["previously_tolerated"] else "no"
    page.check(f"input[name='food-{row}-previously_tolerated'][value='{choice}']")


def add_food(page: Any) -> None:
    page.get_by_role("button", name="Add another food").click()
    page.wait_for_load_state()


def test_a_patient_completes_the_form_on_a_phone(
    page: Any, live_server: Any, patient: Patient
) -> None:
    # given: an invitation, opened from the email on a phone
    invitation, token = invitation_create(patient=patient)
    link = f"{live_server.url}/intake/{token}/"
    checks = Checks(page)
    page.goto(link)

    # the welcome step: the clinic, its welcome text, agreement required
    assert page.locator(".progress__text").inner_text() == "Step 1 of 12"
    assert patient.clinic.welcome_text in page.content()
    checks.page_done("welcome")
    page.get_by_role("button", name="Start").click()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    checks.page_done("welcome-error")
    page.get_by_role("link", name="Agreement: Tick the box").click()
    assert page.evaluate("() => document.activeElement.id") == "consent"
    page.keyboard.press("Space")
    page.get_by_role("button", name="Start").click()

    # bloating, with the keyboard only
    assert page.locator(".progress__text").inner_text() == "Step 2 of 12"
    checks.page_done("bloating")
    fill_with_keyboard(page, INSTRUMENT.section("bloating"), ANSWERS)

    # food sensitivities: rows added and removed, the conditional question revealed
    page.wait_for_url("**/sensitivities/")
    relief = page.locator("[data-show-when-name='sensitivities.elimination_tried']")
    assert relief.is_hidden()
    add_food(page)
    assert page.evaluate("() => document.activeElement.id") == "food-0-food"
    food_row(page, 0, FOODS[0])
    add_food(page)
    assert page.locator("#food-1-name").is_hidden()
    food_row(page, 1, FOODS[1])
    assert page.locator("#food-1-name").is_visible()
    add_food(page)
    food_row(page, 2, {"food": "egg", "onset_year": 2020, "previously_tolerated": False})
    page.get_by_role("button", name="Remove food 3").click()
    page.wait_for_load_state()
    assert page.locator(".food-row").count() == 2
    assert page.input_value("#food-1-name") == "Buckwheat"
    add_food(page)
    food_row(page, 2, FOODS[2])
    fill_section(page, INSTRUMENT.section("sensitivities"), ANSWERS)
    assert relief.is_visible()
    checks.page_done("sensitivities")
    # Enter in a field saves and continues; it does not press the first "Remove" button
    page.press("#food-2-onset_year", "Enter")
    page.wait_for_url("**/fatigue/")

    # fatigue: a validation error, then fixed
    fatigue = INSTRUMENT.section("fatigue")
    fill_section(page, fatigue, {**ANSWERS, "fatigue.sleep_hours": 99})
    continue_(page)
    assert page.title().startswith("Error: Step 4 of 12")
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    assert page.input_value("[name='fatigue.sleep_hours']") == "99"
    assert page.is_checked("input[name='fatigue.brain_fog'][value='3']")
    checks.page_done("fatigue-error")
    page.get_by_role("link", name="Usual hours of sleep: Enter a number from 0 to 16").click()
    assert page.evaluate("() => document.activeElement.name") == "fatigue.sleep_hours"
    page.fill("[name='fatigue.sleep_hours']", "8")
    checks.page_done("fatigue")
    continue_(page)

    for section_id in ("skin", "mood"):
        fill_section(page, INSTRUMENT.section(section_id), ANSWERS)
        checks.page_done(section_id)
        continue_(page)

    # leave, and come back later from the email link in a new browser session
    page.context.close()
    page = page.context.browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    checks.page = page
    page.goto(link)
    page.wait_for_url("**/immune/")
    assert page.locator(".progress__text").inner_text() == "Step 7 of 12"

    for section_id in ("immune", "red_flags", "factors", "support", "history"):
        fill_section(page, INSTRUMENT.section(section_id), ANSWERS)
        checks.page_done(section_id.replace("_", "-"))
        continue_(page)

    # review and send
    page.wait_for_url("**/review/")
    assert "Bloating <b>after</b> meals &amp; always tired" not in page.content()
    assert page.get_by_text("Bloating <b>after</b> meals & always tired").is_visible()
    checks.page_done("review")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/thanks/")
    checks.page_done("thanks")
    page.goto(link)
    assert page.get_by_role("heading", name="You have already sent your answers").is_visible()
    checks.page_done("already-sent")

    # then: exactly one intake, scored as `manage.py screen` scores the same document
    intake = Intake.objects.get()
    assert intake.source == Intake.Source.FORM
    assert intake.document["answers"] == ANSWERS
    screening = Screening.objects.get(intake=intake)
    assert screening.result == score_intake(intake.document, INSTRUMENT)
    document_path = SCREENSHOTS.parent / "browser-intake.json"
    document_path.write_text(json.dumps(intake.document))
    out = io.StringIO()
    call_command("screen", str(document_path), stdout=out)
    assert json.loads(out.getvalue()) == screening.result
    assert Invitation.objects.get().submitted_at is not None

    report = {"screenshots": checks.shots, "axe_violations": checks.axe}
    (SCREENSHOTS / "axe-report.json").write_text(json.dumps(report, indent=1))


def test_a_question_shows_only_while_its_whole_chain_of_conditions_holds(
    page: Any, live_server: Any, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the chained version, a patient at its food step
    chained = register_chained_version(monkeypatch)
    invitation, token = invitation_create(patient=patient)
    invitation.version = chained.version
    invitation.save(update_fields=["version"])
    bloating = {item.id: ANSWERS[item.id] for item in chained.section("bloating").items}
    invitation_draft_save(invitation=invitation, answers=bloating, step=2)
    page.goto(f"{live_server.url}/intake/{token}/sensitivities/")
    relief = page.locator(f"[data-show-when-name='{TRIED}']")
    foods_left_out = page.locator(f"[data-show-when-name='{RELIEF}']")

    # when: the chain holds, each question is shown
    page.check(f"input[name='{TRIED}'][value='yes']")
    page.check(f"input[name='{RELIEF}'][value='lasting']")
    assert relief.is_visible() and foods_left_out.is_visible()

    # when: elimination is changed to "no", relief keeps its ticked answer but does not apply
    page.check(f"input[name='{TRIED}'][value='no']")
    assert page.is_checked(f"input[name='{RELIEF}'][value='lasting']")
    # then: the question that depends on relief is hidden too, as the server will drop it
    assert relief.is_hidden() and foods_left_out.is_hidden()
    assert page.locator(f"[name='{FOODS_LEFT_OUT}']").is_hidden()

    # when: elimination is "yes" again, the whole chain shows again
    page.check(f"input[name='{TRIED}'][value='yes']")
    assert relief.is_visible() and foods_left_out.is_visible()
