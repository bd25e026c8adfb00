"""The patient intake form without JavaScript (Django's test client): every step, errors,
drafts, resuming, submitting once, and the guards around the private link."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from clinic.models import Invitation, Patient
from clinic.services import invitation_create
from screening.models import Intake, Screening
from screening.scoring import score_intake
from screening.services import intake_submit
from tests.clinic.intake_form.filling import (
    ANSWERS,
    FOODS,
    INSTRUMENT,
    STEP_SLUGS,
    food_post,
    section_post,
)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def url(token: str, step: str | None = None) -> str:
    return f"/intake/{token}/" + (f"{step}/" if step else "")


def start(client: Client, token: str) -> None:
    response = client.post(url(token, "welcome"), {"consent": "on"})
    assert response.status_code == 302


def fill_sections(client: Client, token: str, answers: dict[str, Any], *, until: str) -> None:
    """Post every section step before `until` with the answers; each moves on."""
    for section, slug in zip(INSTRUMENT.sections, STEP_SLUGS[1:-1], strict=True):
        if slug == until:
            return
        response = client.post(url(token, slug), section_post(section, answers))
        assert response.status_code == 302, (slug, response.content.decode()[:3000])


def summary_links(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert block, "no error summary"
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', block.group(0))


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
    from clinic.intake_form.submission import invitation_submit

    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")
    invitation.refresh_from_db()

    first = invitation_submit(invitation=invitation)
    stale = Invitation.objects.get(pk=invitation.pk)
    stale.submitted_at = None  # as read by a second request before the first committed
    second = invitation_submit(invitation=stale)

    assert first == second
    assert Intake.objects.count() == 1


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


def test_a_validation_error_keeps_every_value_and_links_each_problem(
    client: Client, token: str, invitation: Invitation
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="fatigue")
    posted = section_post(INSTRUMENT.section("fatigue"), ANSWERS)
    posted["fatigue.sleep_hours"] = "eight"
    del posted["fatigue.effort"]

    response = client.post(url(token, "fatigue"), posted)

    html = response.content.decode()
    assert response.status_code == 200
    assert summary_links(html) == [
        ("#q-fatigue-effort", "Ordinary mental effort feels laboured: Choose an answer"),
        ("#q-fatigue-sleep_hours", "Usual hours of sleep: Enter a whole number, like 7"),
    ]
    assert 'value="eight"' in html
    assert re.search(
        r'value="3" checked>\s*<label class="choices__label" '
        r'for="q-fatigue-brain_fog-3">',
        html,
    )
    assert 'id="q-fatigue-effort"' in html
    assert 'aria-describedby="q-fatigue-sleep_hours-error q-fatigue-sleep_hours-unit"' in html
    # the answers that were fine are in the draft already; the patient stays on the step
    invitation.refresh_from_db()
    assert invitation.draft_answers["fatigue.brain_fog"] == 3
    assert invitation.draft_step == STEP_SLUGS.index("fatigue")
    assert client.get(url(token))["Location"] == url(token, "fatigue")

    # when fixed, the patient moves on
    posted["fatigue.sleep_hours"] = "8"
    posted["fatigue.effort"] = "2"
    assert client.post(url(token, "fatigue"), posted)["Location"] == url(token, "skin")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fatigue.sleep_hours", "99", "Enter a number from 0 to 16"),
        ("fatigue.sleep_hours", "-1", "Enter a number from 0 to 16"),
        ("fatigue.unrefreshed", "7", "Choose an answer"),
        ("fatigue.brain_fog", "true", "Choose an answer"),
    ],
)
def test_an_out_of_range_value_posted_directly_is_refused(
    client: Client, token: str, invitation: Invitation, field: str, value: str, message: str
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="fatigue")
    posted = section_post(INSTRUMENT.section("fatigue"), ANSWERS, **{field: value})

    response = client.post(url(token, "fatigue"), posted)

    assert response.status_code == 200
    assert message in response.content.decode()
    # the step does not count as done: the next step is out of reach
    assert client.get(url(token, "skin"))["Location"] == url(token, "fatigue")


def test_a_year_in_the_future_is_refused(client: Client, token: str) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="history")
    next_year = timezone.localdate().year + 1

    response = client.post(
        url(token, "history"), {"history.symptom_onset_year": str(next_year), "action": "continue"}
    )

    assert f"Enter a year from 1900 to {timezone.localdate().year}" in response.content.decode()


def test_food_rows_are_added_and_removed_with_buttons_keeping_what_was_typed(
    client: Client, token: str, invitation: Invitation
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="sensitivities")
    step = url(token, "sensitivities")

    # when: a row is added to an empty list
    response = client.post(step, {"action": "add_food", "sensitivities.list_growing": "2"})
    html = response.content.decode()
    # then: the step shows again with one blank row, focused; nothing else is lost
    assert response.status_code == 200
    assert 'id="food-0-food" name="food-0-food" autofocus' in html
    assert "Food 1" in html and "Food 2" not in html
    assert re.search(
        r'value="2" checked>\s*<label class="choices__label" '
        r'for="q-sensitivities-list_growing-2">',
        html,
    )

    # when: two rows are filled and a third added, then the first removed
    rows = food_post(FOODS[:2])
    client.post(step, {**rows, "action": "add_food"})
    response = client.post(
        step, {**rows, "food-2-food": "egg", "food-2-onset_year": "2023", "action": "remove_food:0"}
    )
    html = response.content.decode()

    # then: the remaining rows move up with their values
    assert (
        'id="food-0-name" name="food-0-name" type="text" autocomplete="off" value="Buckwheat"'
        in html
    )
    assert '<option value="egg" selected>' in html
    assert "Food 3" not in html
    invitation.refresh_from_db()
    # the incomplete row is kept in the draft as typed; the step is saved, not yet done
    assert invitation.draft_answers["sensitivities.foods"] == [
        FOODS[1],
        {"food": "egg", "onset_year": 2023},
    ]


def test_food_row_problems_point_at_the_row_and_field(client: Client, token: str) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="sensitivities")
    posted = section_post(INSTRUMENT.section("sensitivities"), ANSWERS)
    posted.update(
        {
            "food-1-name": "",  # "other" needs a name
            "food-2-food": "dairy",  # the same food twice
            "food-3-food": "soy",  # no year, no answer to "tolerated before"
            "food-3-onset_year": "",
            "food-4-food": "",  # a blank row is simply dropped
            "food-4-onset_year": "",
        }
    )

    html = client.post(url(token, "sensitivities"), posted).content.decode()

    assert summary_links(html) == [
        ("#food-1-name", "Food 2: Enter the name of the food"),
        ("#food-2-food", "Food 3: This food is already in your list"),
        ("#food-3-onset_year", f"Food 4: Enter a year from 1900 to {timezone.localdate().year}"),
        ("#food-3-previously_tolerated", "Food 4: Choose yes or no"),
    ]


def test_the_conditional_question_is_ignored_when_it_does_not_apply_and_required_when_it_does(
    client: Client, token: str, invitation: Invitation
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="sensitivities")
    section = INSTRUMENT.section("sensitivities")

    # not tried: a posted answer to "did it help" is dropped
    posted = section_post(
        section,
        {**ANSWERS, "sensitivities.elimination_tried": False},
    )
    assert posted["sensitivities.elimination_relief"] == "temporary"
    assert client.post(url(token, "sensitivities"), posted)["Location"] == url(token, "fatigue")
    invitation.refresh_from_db()
    assert "sensitivities.elimination_relief" not in invitation.draft_answers

    # tried, without saying whether it helped: required
    posted = section_post(section, ANSWERS)
    del posted["sensitivities.elimination_relief"]
    html = client.post(url(token, "sensitivities"), posted).content.decode()
    assert ("#q-sensitivities-elimination_relief", "Relief from elimination: Choose an answer") in (
        summary_links(html)
    )
    assert "Only answer this if you answered “Yes” to the question before." in html


def test_the_phq4_questions_are_answered_all_together_or_not_at_all(
    client: Client, token: str, invitation: Invitation
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="mood")
    section = INSTRUMENT.section("mood")
    posted = section_post(section, ANSWERS)
    for item_id in ("mood.phq_down", "mood.gad_nervous", "mood.gad_worry"):
        posted[item_id] = ""  # "Prefer not to answer"

    html = client.post(url(token, "mood"), posted).content.decode()
    assert len(summary_links(html)) == 3
    assert "Answer all four of these questions" in html

    for item_id in ("mood.phq_interest",):
        posted[item_id] = ""
    assert client.post(url(token, "mood"), posted)["Location"] == url(token, "immune")
    invitation.refresh_from_db()
    assert not any(key.startswith(("mood.phq", "mood.gad")) for key in invitation.draft_answers)


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


def test_tampered_hidden_and_extra_fields_are_ignored(
    client: Client, token: str, invitation: Invitation
) -> None:
    start(client, token)
    fill_sections(client, token, ANSWERS, until="sensitivities")
    posted = section_post(INSTRUMENT.section("sensitivities"), ANSWERS)
    posted.update(
        {
            "from": "https://evil.example/",  # only "review" means anything
            "red_flags.blood_in_stool": "yes",  # a question of another step
            "sensitivities.unknown": "1",  # no such question
            "food-x-food": "egg",  # not a row
        }
    )

    response = client.post(url(token, "sensitivities"), posted)

    assert response["Location"] == url(token, "fatigue")
    invitation.refresh_from_db()
    assert "red_flags.blood_in_stool" not in invitation.draft_answers
    assert "sensitivities.unknown" not in invitation.draft_answers
    assert invitation.draft_answers["sensitivities.foods"] == FOODS

    # a tampered row button and an absurd row number change nothing and break nothing
    for action in ("remove_food:abc", "remove_food:99", "remove_food:-1"):
        response = client.post(url(token, "sensitivities"), {**posted, "action": action})
        assert response.status_code == 200
    too_many = {f"food-{n}-food": "other" for n in range(0, 500)}
    response = client.post(url(token, "sensitivities"), {**too_many, "action": "add_food"})
    assert response.content.decode().count('class="food-row"') == 30


def test_a_post_without_the_csrf_token_is_refused(token: str) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get(url(token, "welcome")).status_code == 200
    response = client.post(url(token, "welcome"), {"consent": "on"})
    assert response.status_code == 403


def test_every_form_page_is_private(client: Client, token: str, patient: Patient) -> None:
    pages = [client.get(url(token, "welcome"))]
    start(client, token)
    pages += [client.get(url(token, "bloating")), client.get(url(token, "no-such-step"))]
    pages.append(client.get(url("wrong-token-0000000000000000000000")))
    for response in pages:
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "same-origin"
        html = response.content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert patient.family_name not in html and patient.given_name not in title
        assert token not in title


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


def test_an_expired_link_shows_a_friendly_page(client: Client, patient: Patient) -> None:
    invitation, token = invitation_create(patient=patient)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(url(token))

    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has expired" in html
    assert patient.clinic.name in html


def test_the_link_expires_after_the_configured_days(
    client: Client, patient: Patient, settings: Any
) -> None:
    settings.INVITATION_TTL_DAYS = 3
    invitation, _ = invitation_create(patient=patient)
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - timedelta(days=3)) < timedelta(seconds=1)


def test_an_unknown_link_shows_a_friendly_page(client: Client) -> None:
    response = client.get(url("a" * 43))
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert client.get(url("a" * 500, "welcome")).status_code == 404


def test_wrong_links_are_rate_limited_per_client_address(
    client: Client, token: str, settings: Any
) -> None:
    settings.INTAKE_LINK_FAILURE_LIMIT = 5
    for attempt in range(5):
        assert client.get(url(f"guess-{attempt}")).status_code == 404

    # then: further wrong links wait, from that address only; a right link never waits
    response = client.get(url("guess-again", "welcome"))
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.content.decode()
    assert client.get(url(token, "welcome")).status_code == 200
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert elsewhere.get(url("guess-elsewhere", "welcome")).status_code == 404


def test_a_token_is_stored_only_as_its_hash(token: str, invitation: Invitation) -> None:
    assert len(token) >= 43  # 32 random bytes: 256 bits
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())


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


def test_another_patient_is_unaffected(client: Client, token: str, clinic_a: Any) -> None:
    other = PatientFactory(clinic=clinic_a)
    _, other_token = invitation_create(patient=other)
    start(client, token)
    fill_sections(client, token, ANSWERS, until="review")

    assert client.get(url(other_token))["Location"] == url(other_token, "welcome")


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
