"""Checking the answers of each intake form step without JavaScript: errors linked with every
value kept, ranges and years, food rows, conditional and all-or-none questions, and tampered
fields ignored."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from clinic.models import Invitation
from tests.clinic.intake_form.filling import (
    ANSWERS,
    FOODS,
    INSTRUMENT,
    STEP_SLUGS,
    fill_sections,
    food_post,
    section_post,
    start,
    summary_links,
    url,
)

pytestmark = pytest.mark.django_db


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
