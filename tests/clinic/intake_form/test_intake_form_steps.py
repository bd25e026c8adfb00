"""Moving through the intake form without JavaScript: drafts saved and resumed, back, steps
opening in order, change links from the review, and the wording of the welcome and red-flags
steps."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from clinic.models import Invitation, Patient
from tests.clinic.intake_form.filling import (
    ANSWERS,
    INSTRUMENT,
    STEP_SLUGS,
    fill_sections,
    section_post,
    start,
    url,
)

pytestmark = pytest.mark.django_db


def test_each_step_is_saved_as_a_draft_and_the_link_resumes_where_the_patient_stopped(
    client: Client, token: str, invitation: Invitation
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="skin")
    invitation.refresh_from_db()
    assert invitation.draft_step == STEP_SLUGS.index("skin")
    assert invitation.draft_answers["fatigue.sleep_hours"] == 8

    # when: the patient comes back later, on another device
    other_device = Client()
    response = other_device.get(url(token))

    # then: they land on the step they had reached, earlier answers kept
    assert response["Location"] == url(token, "skin")
    page = other_device.get(url(token, "fatigue")).content.decode()
    assert (
        'name="fatigue.sleep_hours" type="text" inputmode="numeric" autocomplete="off" '
        'spellcheck="false" value="8"' in page
    )
    assert re.search(
        r'value="3" checked>\s*<label class="choices__label" '
        r'for="q-fatigue-unrefreshed-3">',
        page,
    )


def test_back_saves_the_step_and_goes_to_the_previous_one(
    client: Client, token: str, invitation: Invitation
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="fatigue")

    response = client.post(url(token, "fatigue"), {"fatigue.unrefreshed": "2", "action": "back"})

    assert response["Location"] == url(token, "sensitivities")
    invitation.refresh_from_db()
    assert invitation.draft_answers["fatigue.unrefreshed"] == 2
    assert invitation.draft_step == STEP_SLUGS.index("sensitivities")
    assert client.get(url(token))["Location"] == url(token, "sensitivities")


def test_steps_open_in_order(client: Client, token: str) -> None:
    # before agreeing, only the welcome step opens
    assert client.get(url(token, "review"))["Location"] == url(token, "welcome")
    start(client, token)
    fill_sections(client, token, ANSWERS, until="skin")
    # the first incomplete step is as far as the link goes
    assert client.get(url(token, "review"))["Location"] == url(token, "skin")
    assert client.get(url(token, "bloating")).status_code == 200
    assert client.get(url(token, "no-such-step")).status_code == 404


def test_change_links_from_the_review_return_to_the_review(client: Client, token: str) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")

    page = client.get(url(token, "skin") + "?from=review").content.decode()
    assert "Save and go back to your answers" in page
    posted = section_post(INSTRUMENT.section("skin"), ANSWERS, **{"from": "review"})
    assert client.post(url(token, "skin"), posted)["Location"] == url(token, "review")


def test_the_first_step_shows_the_clinic_and_its_welcome_text(
    client: Client, token: str, patient: Patient
) -> None:
    patient.clinic.welcome_text = "Welcome to <our> practice.\n\nTake your time."
    patient.clinic.save()

    html = client.get(url(token, "welcome")).content.decode()

    assert "<p>Welcome to &lt;our&gt; practice.</p>\n\n<p>Take your time.</p>" in html
    assert patient.clinic.name in html
    assert "Step 1 of 12" in html


def test_the_red_flags_step_is_worded_calmly(client: Client, token: str) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="red-flags")

    html = client.get(url(token, "red-flags")).content.decode()

    assert "A yes does not mean something is wrong" in html
    assert "<title>Step 8 of 12: Important symptoms" in html
