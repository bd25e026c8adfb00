"""Conditional questions on the patient form: the form keeps exactly the answers the validator
accepts, also along a chain of conditions, and places food-list problems from their fields."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from clinic.intake_form.steps import food_problem_target
from clinic.models import Invitation
from screening.instruments.definition import Instrument
from screening.samples import sample_document
from screening.validation import Problem, validate_intake
from tests.chained_conditions import FOODS_LEFT_OUT, RELIEF, TRIED, register_chained_version
from tests.clinic.intake_form.filling import ANSWERS, section_post

pytestmark = pytest.mark.django_db

CONDITIONAL = {RELIEF, FOODS_LEFT_OUT}


@pytest.fixture
def chained(monkeypatch: pytest.MonkeyPatch, invitation: Invitation) -> Instrument:
    """The chained version, and the invitation asks it."""
    instrument = register_chained_version(monkeypatch)
    invitation.version = instrument.version
    invitation.save(update_fields=["version"])
    return instrument


def step_url(token: str, step: str) -> str:
    return f"/intake/{token}/{step}/"


def not_enabled_by_the_validator(instrument: Instrument, answers: dict[str, Any]) -> set[str]:
    document = sample_document(instrument=instrument, answers=answers)
    problems = validate_intake(document, today=timezone.localdate())
    return {problem.item for problem in problems if problem.code == "not_enabled"}


@pytest.mark.parametrize(
    ("posted", "applying"),
    [
        # relief answered, but elimination not tried: relief and its follow-up do not apply
        ({TRIED: False, RELIEF: "lasting", FOODS_LEFT_OUT: "Dairy"}, set()),
        ({TRIED: True, RELIEF: "temporary", FOODS_LEFT_OUT: "Dairy"}, {RELIEF}),
        ({TRIED: True, RELIEF: "lasting", FOODS_LEFT_OUT: "Dairy"}, CONDITIONAL),
    ],
    ids=["chain-broken-at-its-start", "chain-broken-in-the-middle", "whole-chain-applies"],
)
def test_the_form_keeps_the_chained_answers_the_validator_accepts(
    client: Client,
    token: str,
    invitation: Invitation,
    chained: Instrument,
    posted: dict[str, Any],
    applying: set[str],
) -> None:
    # given: a patient past the first section of the chained version
    assert client.post(step_url(token, "welcome"), {"consent": "on"}).status_code == 302
    bloating = section_post(chained.section("bloating"), ANSWERS)
    assert client.post(step_url(token, "bloating"), bloating).status_code == 302

    # when: the step is sent as a browser without JavaScript sends it, every question answered
    answers = {**ANSWERS, **posted}
    response = client.post(
        step_url(token, "sensitivities"), section_post(chained.section("sensitivities"), answers)
    )

    # then: the step is complete, and the form kept what the validator accepts
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == step_url(token, "fatigue")
    invitation.refresh_from_db()
    kept = CONDITIONAL & set(invitation.draft_answers)
    posted_answers = {
        key: invitation.draft_answers.get(key, value) for key, value in posted.items()
    }
    refused = not_enabled_by_the_validator(chained, posted_answers)
    assert kept == CONDITIONAL - refused == applying


def test_the_review_lists_a_chained_question_only_when_its_chain_applies(
    client: Client, token: str, invitation: Invitation, chained: Instrument
) -> None:
    # given: every step answered, elimination tried with lasting relief, foods named
    answers = {**ANSWERS, RELIEF: "lasting", FOODS_LEFT_OUT: "Dairy"}
    assert client.post(step_url(token, "welcome"), {"consent": "on"}).status_code == 302
    for section in chained.sections:
        slug = section.id.replace("_", "-")
        assert client.post(step_url(token, slug), section_post(section, answers)).status_code == 302
    assert (
        "Which foods did you leave out?" in client.get(step_url(token, "review")).content.decode()
    )

    # when: the patient changes elimination to "no" from the review
    changed = {**answers, TRIED: False}
    post = section_post(chained.section("sensitivities"), changed, **{"from": "review"})
    response = client.post(step_url(token, "sensitivities"), post)

    # then: the review lists neither relief nor the foods left out, and the intake is valid
    assert response["Location"] == step_url(token, "review")
    html = client.get(step_url(token, "review")).content.decode()
    assert (
        "Which foods did you leave out?" not in html
        and "Did leaving those foods out help?" not in html
    )
    invitation.refresh_from_db()
    document = sample_document(instrument=chained, answers=invitation.draft_answers)
    assert validate_intake(document, today=timezone.localdate()) == []


@pytest.mark.parametrize(
    ("problem", "target"),
    [
        (
            Problem("sensitivities.foods", "out_of_range", "anything", 2, "onset_year"),
            (2, "onset_year"),
        ),
        (Problem("sensitivities.foods", "unknown_field", "anything", 0), (0, "food")),
        (Problem("sensitivities.foods", "too_many", "entry 3: onset_year"), None),
    ],
    ids=["a-field-of-an-entry", "an-entry-as-a-whole", "the-list-as-a-whole"],
)
def test_a_food_problem_is_placed_from_its_fields_not_its_message(
    problem: Problem, target: tuple[int, str] | None
) -> None:
    assert food_problem_target(problem) == target
