"""Sending the intake form without JavaScript: the whole form stored as one scored intake,
alike with an API intake, stored once however often it is sent, and never when the answers
no longer pass."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clinic.intake_form.submission import invitation_submit
from clinic.models import Invitation, Patient
from screening.models import Intake, Screening
from screening.scoring import score_intake
from screening.services import intake_submit
from tests.clinic.intake_form.filling import (
    ANSWERS,
    INSTRUMENT,
    fill_sections,
    section_post,
    start,
    summary_links,
    url,
)

pytestmark = pytest.mark.django_db


def test_the_whole_form_without_javascript_stores_one_scored_intake(
    client: Client, token: str, invitation: Invitation, patient: Patient
) -> None:
    # given: the link from the email
    response = client.get(url(token))
    assert response.status_code == 302
    assert response["Location"] == url(token, "welcome")

    # when: the welcome step is sent without agreeing
    response = client.post(url(token, "welcome"), {})
    # then: an error summary links to the checkbox
    html = response.content.decode()
    assert 'role="alert"' in html
    assert summary_links(html) == [
        ("#consent", "Agreement: Tick the box to say you agree, so that you can start")
    ]
    assert "<title>Error: Step 1 of 12: Welcome" in html

    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")

    # the review step shows every answer (free text escaped) with links to change it
    response = client.get(url(token, "review"))
    html = response.content.decode()
    assert "Step 12 of 12" in html
    assert "Bloating &lt;b&gt;after&lt;/b&gt; meals &amp; always tired" in html
    assert "<b>after</b>" not in html
    assert "Buckwheat, since 2019, never fine" in html
    assert f'href="{url(token, "sensitivities")}?from=review#foods"' in html
    assert (
        html.count(">Change<")
        == sum(
            1 for item in INSTRUMENT.iter_items() if item.id != "sensitivities.elimination_relief"
        )
        + 1
    )

    # when: the answers are sent
    response = client.post(url(token, "review"), {"action": "submit"})
    assert response.status_code == 302
    assert response["Location"] == url(token, "thanks")
    thanks = client.get(response["Location"]).content.decode()
    assert "What happens next" in thanks
    assert "multi_domain" not in thanks and "pattern" not in thanks

    # then: one intake from the form, scored exactly as the engine scores its document
    intake = Intake.objects.get()
    assert intake.source == Intake.Source.FORM
    assert intake.patient == patient
    assert intake.document["answers"] == ANSWERS
    assert intake.document["completed_on"] == timezone.localdate().isoformat()
    assert intake.document["patient"] == {"birth_date": patient.birth_date.isoformat()}
    screening = Screening.objects.get(intake=intake)
    assert screening.result == score_intake(intake.document, INSTRUMENT)
    invitation.refresh_from_db()
    assert invitation.submitted_at is not None
    assert invitation.intake == intake
    assert invitation.draft_answers == {}


def test_a_form_intake_and_an_api_intake_of_the_same_answers_are_stored_alike(
    client: Client, token: str, patient: Patient
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")
    client.post(url(token, "review"), {"action": "submit"})
    form_intake = Intake.objects.get()

    api_screening = intake_submit(patient=patient, document=form_intake.document, source="api")

    assert api_screening.intake.document_sha256 == form_intake.document_sha256
    assert api_screening.result_json == Screening.objects.get(intake=form_intake).result_json


def test_submitting_twice_creates_one_intake_and_the_link_then_says_already_sent(
    client: Client, token: str
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")

    first = client.post(url(token, "review"), {"action": "submit"})
    second = client.post(url(token, "review"), {"action": "submit"})

    assert Intake.objects.count() == 1
    assert first.status_code == 302
    assert "already sent your answers" in second.content.decode()
    for step in (None, "welcome", "bloating", "review"):
        page = client.get(url(token, step)).content.decode()
        assert "You have already sent your answers" in page
    # a post to a step after submission changes nothing
    client.post(url(token, "bloating"), section_post(INSTRUMENT.sections[0], {}))
    assert Invitation.objects.get().draft_answers == {}


def test_a_second_submission_through_the_service_returns_the_first_intake(
    client: Client, token: str, invitation: Invitation
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")
    invitation.refresh_from_db()

    first = invitation_submit(invitation=invitation)
    stale = Invitation.objects.get(pk=invitation.pk)
    stale.submitted_at = None  # as read by a second request before the first committed
    second = invitation_submit(invitation=stale)

    assert first == second
    assert Intake.objects.count() == 1


def test_a_submitted_draft_that_became_invalid_is_not_stored(
    client: Client, token: str, invitation: Invitation
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")
    # a draft that no longer validates (as if edited in two tabs): required answer gone
    answers = dict(Invitation.objects.get().draft_answers)
    del answers["bloating.frequency"]
    Invitation.objects.filter(pk=invitation.pk).update(draft_answers=answers)

    response = client.get(url(token, "review"))
    assert response["Location"] == url(token, "bloating")
    assert Intake.objects.count() == 0


def test_problems_found_only_on_submission_are_listed_on_the_review_step(
    client: Client, token: str, patient: Patient
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")
    # a birth date the practice mistyped into the future: no step asks it, the review says so
    patient.birth_date = timezone.localdate() + timedelta(days=1)
    patient.save()

    response = client.post(url(token, "review"), {"action": "submit"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert summary_links(html)[0][0] == "#main-content"
    assert Intake.objects.count() == 0
