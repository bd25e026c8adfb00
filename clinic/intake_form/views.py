"""Pages of the patient intake form, one URL per step under the private invitation link.

Every page is private: no caching, no referrer (the token is in the path), not indexed.
The draft is saved on every post, so a closed tab or a lost connection loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic.intake_form.forms import (
    ConsentForm,
    FoodRows,
    SectionForm,
    food_row_contexts,
    question_contexts,
)
from clinic.intake_form.guard import (
    client_address,
    link_failure_record,
    link_failures_exceeded,
    private_page,
)
from clinic.intake_form.steps import (
    REVIEW,
    SECTION_NOTES,
    Step,
    StepErrors,
    draft_document,
    field_id,
    food_field_id,
    food_problem_message,
    food_problem_target,
    furthest_reachable,
    intake_steps,
    problem_message,
    problems_by_step,
    review_sections,
    step_by_slug,
)
from clinic.intake_form.submission import invitation_submit
from clinic.models import Invitation
from clinic.services import invitation_by_token, invitation_draft_save
from screening.instruments import get_instrument
from screening.instruments.definition import Instrument, Item, ItemType
from screening.validation import IntakeInvalid, Problem, item_enablement

MAX_TOKEN_LENGTH = 100


@dataclass
class Draft:
    """An invitation's draft with everything derived from it for one request."""

    invitation: Invitation
    token: str  # from the URL; never stored, needed for the links on the page
    instrument: Instrument
    steps: tuple[Step, ...]
    answers: dict[str, Any]
    today: date
    problems: dict[int, list[Problem]]
    furthest: int

    @classmethod
    def of(cls, invitation: Invitation, token: str, answers: dict[str, Any] | None = None) -> Draft:
        instrument = get_instrument(invitation.instrument, invitation.version)
        steps = intake_steps(instrument)
        answers = dict(invitation.draft_answers if answers is None else answers)
        today = timezone.localdate()
        document = draft_document(
            instrument=instrument,
            answers=answers,
            today=today,
        )
        problems = problems_by_step(steps, document, today=today)
        started = invitation.draft_saved_at is not None
        furthest = furthest_reachable(steps, problems, started=started)
        return cls(invitation, token, instrument, steps, answers, today, problems, furthest)

    def url(self, step: Step) -> str:
        return reverse("intake:step", kwargs={"token": self.token, "step": step.slug})


def _link_problem(
    request: HttpRequest, reason: str, *, status: int, invitation: Invitation | None = None
) -> HttpResponse:
    context = {"reason": reason, "clinic": invitation.clinic if invitation else None}
    return render(request, "clinic/intake/link_problem.html", context, status=status)


def _invitation_for(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    """The invitation of a link, or the friendly page saying why the link does not work.

    A valid link is always served; past the limit of failures, only the address's further
    unknown or expired links are refused.
    """
    invitation = invitation_by_token(token) if len(token) <= MAX_TOKEN_LENGTH else None
    expired = invitation is not None and (
        invitation.submitted_at is None and invitation.is_expired()
    )
    if invitation is not None and not expired:
        return invitation
    address = client_address(request)
    if link_failures_exceeded(address):
        return _link_problem(request, "too_many", status=429)
    link_failure_record(address)
    if invitation is None:
        return _link_problem(request, "unknown", status=404)
    return _link_problem(request, "expired", status=410, invitation=invitation)


@private_page
@require_http_methods(["GET"])
def intake_start(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email: resume where the patient stopped."""
    found = _invitation_for(request, token)
    if isinstance(found, HttpResponse):
        return found
    if found.submitted_at is not None:
        return render(request, "clinic/intake/submitted.html", {"clinic": found.clinic})
    draft = Draft.of(found, token)
    resume = min(found.draft_step, draft.furthest)
    return HttpResponseRedirect(draft.url(draft.steps[resume]))


@private_page
@require_http_methods(["GET"])
def intake_thanks(request: HttpRequest, token: str) -> HttpResponse:
    found = _invitation_for(request, token)
    if isinstance(found, HttpResponse):
        return found
    if found.submitted_at is None:
        return HttpResponseRedirect(reverse("intake:start", kwargs={"token": token}))
    return render(request, "clinic/intake/thanks.html", {"clinic": found.clinic})


@private_page
@require_http_methods(["GET", "POST"])
def intake_step(request: HttpRequest, token: str, step: str) -> HttpResponse:
    found = _invitation_for(request, token)
    if isinstance(found, HttpResponse):
        return found
    if found.submitted_at is not None:
        return render(request, "clinic/intake/submitted.html", {"clinic": found.clinic})
    draft = Draft.of(found, token)
    current = step_by_slug(draft.steps, step)
    if current is None:
        return _link_problem(request, "no_step", status=404, invitation=found)
    if current.index > draft.furthest:
        # Steps open in order: a step is reachable once every step before it is complete.
        return HttpResponseRedirect(draft.url(draft.steps[draft.furthest]))
    if current.section is None:
        handler = _welcome if current.index == 0 else _review
        return handler(request, draft, current)
    return _section(request, draft, current)


def _render_step(
    request: HttpRequest, draft: Draft, step: Step, errors: StepErrors, extra: dict[str, Any]
) -> HttpResponse:
    previous = draft.steps[step.index - 1] if step.index > 0 else None
    context = {
        "clinic": draft.invitation.clinic,
        "step": step,
        "step_count": len(draft.steps),
        "errors": errors,
        "action_url": draft.url(step),
        "previous_url": draft.url(previous) if previous else None,
        **extra,
    }
    return render(request, f"clinic/intake/{_template_for(step, draft)}.html", context)


def _template_for(step: Step, draft: Draft) -> str:
    if step.index == 0:
        return "welcome"
    if step.index == len(draft.steps) - 1:
        return "review"
    return "section"


# --- the welcome step ---------------------------------------------------------------------


def _welcome(request: HttpRequest, draft: Draft, step: Step) -> HttpResponse:
    started = draft.invitation.draft_saved_at is not None
    form = (
        ConsentForm(request.POST)
        if request.method == "POST"
        else ConsentForm(initial={"consent": started})
    )
    errors = StepErrors()
    if request.method == "POST":
        if form.is_valid():
            # The draft starts with the patient's consent: a saved draft means they agreed.
            invitation_draft_save(invitation=draft.invitation, answers=draft.answers, step=1)
            return HttpResponseRedirect(draft.url(draft.steps[1]))
        errors.add("consent", "consent", "Agreement", str(form.errors["consent"][0]))
    context = {
        "consent_checked": started or bool(request.POST.get("consent")),
        "expires_on": draft.invitation.expires_at.date(),
        "section_count": len(draft.steps) - 2,
    }
    return _render_step(request, draft, step, errors, context)


# --- a section step -----------------------------------------------------------------------


def _food_item(step: Step) -> Item | None:
    assert step.section is not None
    return next((i for i in step.section.items if i.type is ItemType.FOOD_LIST), None)


def _section(request: HttpRequest, draft: Draft, step: Step) -> HttpResponse:
    assert step.section is not None
    food_item = _food_item(step)
    from_review = request.GET.get("from") == REVIEW or request.POST.get("from") == REVIEW
    if request.method != "POST":
        form = SectionForm(step.section, draft.answers)
        rows = FoodRows(food_item, entries=draft.answers.get(food_item.id)) if food_item else None
        return _render_section(request, draft, step, form, rows, StepErrors(), from_review)

    form = SectionForm(step.section, draft.answers, data=request.POST)
    rows = FoodRows(food_item, data=request.POST) if food_item else None
    action = request.POST.get("action", "continue")
    focus_row = None
    if rows is not None and action == "add_food":
        rows.add_blank()
        focus_row = len(rows.forms) - 1
    elif rows is not None and action.startswith("remove_food:"):
        index = action.removeprefix("remove_food:")
        if index.isdigit() and int(index) < len(rows.forms):
            rows.remove(int(index))

    answers = _merged_answers(draft, step, form, rows)
    if action == "back":
        previous = draft.steps[step.index - 1]
        invitation_draft_save(invitation=draft.invitation, answers=answers, step=previous.index)
        return HttpResponseRedirect(draft.url(previous))
    if action != "continue":  # adding or removing a food row: save, and show the step again
        invitation_draft_save(invitation=draft.invitation, answers=answers, step=step.index)
        return _render_section(
            request, draft, step, form, rows, StepErrors(), from_review, focus_row
        )

    updated = Draft.of(draft.invitation, draft.token, answers)
    errors = _section_errors(updated, step, form, rows)
    if errors:
        invitation_draft_save(invitation=draft.invitation, answers=answers, step=step.index)
        return _render_section(request, updated, step, form, rows, errors, from_review)
    following = draft.steps[-1] if from_review else draft.steps[step.index + 1]
    invitation_draft_save(invitation=draft.invitation, answers=answers, step=following.index)
    return HttpResponseRedirect(draft.url(following))


def _merged_answers(
    draft: Draft, step: Step, form: SectionForm, rows: FoodRows | None
) -> dict[str, Any]:
    """The draft with this step's posted answers on top; empty and inapplicable ones removed."""
    assert step.section is not None
    answers = dict(draft.answers)
    posted = form.answers()
    if rows is not None:
        posted[rows.item.id] = rows.entries()[0]
    for item_id, value in posted.items():
        if value is None or (value == [] and item_id != (rows.item.id if rows else None)):
            answers.pop(item_id, None)
        else:
            answers[item_id] = value
    enabled = item_enablement(draft.instrument, answers)
    for item in step.section.items:
        if not enabled[item.id]:
            answers.pop(item.id, None)  # the rule ignores an answer that does not apply
    return answers


def _section_errors(
    draft: Draft, step: Step, form: SectionForm, rows: FoodRows | None
) -> StepErrors:
    """Type errors of the posted fields, then the instrument's problems, in page order."""
    assert step.section is not None
    errors = StepErrors()
    type_errors = form.type_errors()
    problems: dict[str, list[Problem]] = {}
    for problem in draft.problems.get(step.index, []):
        problems.setdefault(problem.item, []).append(problem)
    for item in step.section.items:
        if item.type is ItemType.FOOD_LIST and rows is not None:
            _food_errors(draft, rows, problems.get(item.id, []), errors)
            continue
        anchor = field_id(item.id)
        if item.id in type_errors:
            errors.add(item.id, anchor, item.short_label, type_errors[item.id])
        for problem in problems.get(item.id, []):
            errors.add(
                item.id, anchor, item.short_label, problem_message(item, problem, draft.today)
            )
    return errors


def _food_errors(draft: Draft, rows: FoodRows, problems: list[Problem], errors: StepErrors) -> None:
    type_errors = rows.type_errors()
    entry_rows = rows.entries()[1]
    by_field: dict[str, str] = {}
    for problem in problems:
        target = food_problem_target(problem)
        if target is None or target[0] >= len(entry_rows):
            by_field.setdefault("list", problem.message)
            continue
        row = entry_rows[target[0]]
        assert draft.instrument.food_list is not None  # a food-list item needs its constraints
        by_field.setdefault(
            food_field_id(row, target[1]),
            food_problem_message(problem, target[1], draft.today, draft.instrument.food_list),
        )
    if "list" in by_field:
        errors.add("foods", "add-food", "Foods", by_field["list"])
    for row in range(len(rows.forms)):
        for name in ("food", "name", "onset_year", "previously_tolerated"):
            key = food_field_id(row, name)
            message = type_errors.get(key) or by_field.get(key)
            if message:
                errors.add(key, key, f"Food {row + 1}", message)


def _render_section(
    request: HttpRequest,
    draft: Draft,
    step: Step,
    form: SectionForm,
    rows: FoodRows | None,
    errors: StepErrors,
    from_review: bool,
    focus_row: int | None = None,
) -> HttpResponse:
    assert step.section is not None
    context: dict[str, Any] = {
        "section": step.section,
        "note": SECTION_NOTES.get(step.section.id, ""),
        "questions": question_contexts(form, errors.inline),
        "from_review": from_review,
    }
    if rows is not None:
        context["food"] = {
            "item": rows.item,
            "rows": food_row_contexts(rows, errors.inline, focus_row),
            "can_add": len(rows.forms) < (rows.item.max_entries or 30),
            "position": next(
                n for n, i in enumerate(step.section.items) if i.type is ItemType.FOOD_LIST
            ),
        }
    return _render_step(request, draft, step, errors, context)


# --- the review step ----------------------------------------------------------------------


def _review(request: HttpRequest, draft: Draft, step: Step) -> HttpResponse:
    errors = StepErrors()
    if request.method == "POST":
        if request.POST.get("action") == "back":
            previous = draft.steps[step.index - 1]
            invitation_draft_save(
                invitation=draft.invitation, answers=draft.answers, step=previous.index
            )
            return HttpResponseRedirect(draft.url(previous))
        try:
            invitation_submit(invitation=draft.invitation)
        except IntakeInvalid as invalid:
            _review_errors(draft, invalid.problems, errors)
        else:
            return HttpResponseRedirect(reverse("intake:thanks", kwargs={"token": draft.token}))
    base = reverse("intake:start", kwargs={"token": draft.token})
    context = {"sections": review_sections(draft.instrument, draft.steps, draft.answers, base)}
    return _render_step(request, draft, step, errors, context)


def _review_errors(draft: Draft, problems: list[Problem], errors: StepErrors) -> None:
    """Problems found on submission (rare: each step was checked) link to their step."""
    for problem in problems:
        owner = next((s for s in draft.steps if problem.item in s.item_ids), None)
        if owner is None:
            errors.add(problem.item, "main-content", "Your answers", problem.message)
            continue
        item = draft.instrument.item(problem.item)
        href = f"{draft.url(owner)}?from={REVIEW}"
        message = problem_message(item, problem, draft.today)
        if problem.item not in errors.inline:
            errors.inline[problem.item] = message
            errors.summary.append((href, f"{item.short_label}: {message}"))
