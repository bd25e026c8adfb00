"""Marking an intake entered in error: the dashboard's form, what the mark hides, what it keeps."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import Clinic, Patient, User
from reports.models import Report
from reports.selectors import report_context_for
from screening.models import Intake, Screening
from screening.samples import sample_document
from screening.services import intake_mark_entered_in_error
from tests.factories import PatientFactory, UserFactory, screening_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(practitioner: User) -> Client:
    client = Client()
    client.force_login(practitioner)
    return client


@pytest.fixture
def wrong(patient: Patient) -> Screening:
    """A screening submitted for the wrong patient, with alarm features (first in the queue)."""
    return screening_for(
        patient,
        sample_document(
            completed_on="2026-06-10",
            answers={"red_flags.blood_in_stool": True, "bloating.frequency": 4},
        ),
    )


def mark_url(screening: Screening) -> str:
    return reverse("dashboard:intake_entered_in_error", args=[screening.pk])


def page_of(client: Client, screening: Screening) -> str:
    return client.get(reverse("dashboard:screening", args=[screening.pk])).content.decode()


def row_counts() -> tuple[int, int, int]:
    return Intake.objects.count(), Screening.objects.count(), Report.objects.count()


def test_it_marks_the_intake_through_the_dashboard(
    signed_in: Client, practitioner: User, wrong: Screening
) -> None:
    # given
    counts = row_counts()
    # when
    response = signed_in.post(mark_url(wrong), {"reason": "Wrong patient <b>selected</b>"})
    # then the intake and its screenings carry the mark, and nothing was deleted
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:screening", args=[wrong.pk])
    intake = Intake.objects.get(pk=wrong.intake_id)
    assert intake.entered_in_error_at is not None
    assert intake.entered_in_error_by == practitioner
    assert intake.entered_in_error_reason == "Wrong patient <b>selected</b>"
    assert list(Screening.objects.filter(intake=intake).values_list("entered_in_error", flat=True))
    assert all(Screening.objects.filter(intake=intake).values_list("entered_in_error", flat=True))
    assert row_counts() == counts
    # and the write is audited once, by ids only
    events = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_type="intake")
    assert [(e.object_id, e.user_id, e.detail) for e in events] == [
        (str(intake.pk), practitioner.pk, "marked entered in error")
    ]
    # and the screening still opens, with the mark at the top and the reason escaped
    page = page_of(signed_in, wrong)
    assert page.index("Entered in error") < page.index("<h1>")
    assert "Wrong patient &lt;b&gt;selected&lt;/b&gt;" in page
    assert practitioner.get_username() in page
    assert "Mark the intake as entered in error" not in page


def test_it_refuses_another_clinics_screening(signed_in: Client, clinic_b: Clinic) -> None:
    other = screening_for(PatientFactory(clinic=clinic_b))
    response = signed_in.post(mark_url(other), {"reason": "Test submission"})
    assert response.status_code == 404
    assert Intake.objects.get(pk=other.intake_id).entered_in_error_at is None
    assert not Screening.objects.get(pk=other.pk).entered_in_error


def test_it_shows_an_error_and_changes_nothing_without_a_reason(
    signed_in: Client, wrong: Screening
) -> None:
    response = signed_in.post(mark_url(wrong), {"reason": "   "}, follow=True)
    assert response.status_code == 200
    assert "Give the reason the intake was entered in error." in response.content.decode()
    assert Intake.objects.get(pk=wrong.intake_id).entered_in_error_at is None
    assert not Screening.objects.get(pk=wrong.pk).entered_in_error
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


def test_it_offers_the_form_only_on_an_unmarked_intake_and_only_by_post(
    signed_in: Client, wrong: Screening
) -> None:
    page = page_of(signed_in, wrong)
    assert "Mark the intake as entered in error" in page
    assert mark_url(wrong) in page
    assert signed_in.get(mark_url(wrong)).status_code == 405


def test_marking_twice_is_refused_with_a_clear_message(
    signed_in: Client, practitioner: User, wrong: Screening
) -> None:
    # given a marked intake
    intake_mark_entered_in_error(intake=wrong.intake, user=practitioner, reason="Test submission")
    first = Intake.objects.get(pk=wrong.intake_id)
    # when it is marked again, by the service or through the dashboard
    with pytest.raises(ValidationError) as refused:
        intake_mark_entered_in_error(intake=wrong.intake, user=practitioner, reason="Again")
    response = signed_in.post(mark_url(wrong), {"reason": "Again"}, follow=True)
    # then both are refused, naming the reason, and the first mark stands
    assert list(refused.value.message_dict) == ["reason"]
    assert "marked entered in error already" in response.content.decode()
    again = Intake.objects.get(pk=wrong.intake_id)
    assert (again.entered_in_error_at, again.entered_in_error_reason) == (
        first.entered_in_error_at,
        "Test submission",
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).count() == 1


def test_the_service_names_the_reason_when_it_is_blank_or_too_long(
    practitioner: User, wrong: Screening
) -> None:
    for reason in ("", " \n ", "x" * 501):
        with pytest.raises(ValidationError) as refused:
            intake_mark_entered_in_error(intake=wrong.intake, user=practitioner, reason=reason)
        assert list(refused.value.message_dict) == ["reason"]
    assert Intake.objects.get(pk=wrong.intake_id).entered_in_error_at is None


def test_it_leaves_the_review_queue(
    signed_in: Client, practitioner: User, wrong: Screening, patient: Patient
) -> None:
    kept = screening_for(patient, sample_document(completed_on="2026-01-10"))
    assert wrong in signed_in.get(reverse("dashboard:home")).context["to_review"]
    intake_mark_entered_in_error(intake=wrong.intake, user=practitioner, reason="Wrong patient")
    assert list(signed_in.get(reverse("dashboard:home")).context["to_review"]) == [kept]


def test_it_leaves_the_trend_and_stays_listed_greyed_out(
    signed_in: Client, practitioner: User, patient: Patient, wrong: Screening
) -> None:
    # given three screenings, the middle one entered in error
    screening_for(patient, sample_document(completed_on="2026-01-10"))
    screening_for(patient, sample_document(completed_on="2026-11-10"))
    intake_mark_entered_in_error(intake=wrong.intake, user=practitioner, reason="Wrong patient")
    # when the patient's page is read
    response = signed_in.get(reverse("dashboard:patient", args=[patient.pk]))
    # then the trend has two points, and the table all three, the marked one greyed out
    trend = response.context["trend"]
    assert [date["label"] for date in trend["dates"]] == ["2026-01-10", "2026-11-10"]
    assert all(len(line["dots"]) == 2 for line in trend["lines"])
    assert len(response.context["screenings"]) == 3
    page = response.content.decode()
    assert page.count('class="error-row"') == 1
    assert "Entered in error, not in the trend" in page
    assert "10 Jun 2026" in page


def test_the_next_screening_compares_with_the_one_before_the_mark(
    signed_in: Client, practitioner: User, patient: Patient, wrong: Screening
) -> None:
    # given a screening before the one in error and one after it, its PDF rendered already
    screening_for(patient, sample_document(completed_on="2026-01-10"))
    later = screening_for(patient, sample_document(completed_on="2026-11-10"))
    report = Report.objects.get(screening=later)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.READY)
    before = report_context_for(report=report)
    assert before["comparison"]["completed_on"] == "10 June 2026"
    # when the one in between is marked
    intake_mark_entered_in_error(intake=wrong.intake, user=practitioner, reason="Wrong patient")
    # then the PDF's context and the dashboard compare with the one before it
    assert report_context_for(report=report)["comparison"]["completed_on"] == "10 January 2026"
    page = signed_in.get(reverse("dashboard:screening", args=[later.pk]))
    assert page.context["summary"]["comparison"]["completed_on"] == "10 January 2026"
    # and the later PDF is rendered again
    assert Report.objects.get(pk=report.pk).status == Report.Status.QUEUED


def test_a_lone_screening_in_error_leaves_nothing_to_compare(
    practitioner: User, patient: Patient, wrong: Screening
) -> None:
    later = screening_for(patient, sample_document(completed_on="2026-11-10"))
    intake_mark_entered_in_error(intake=wrong.intake, user=practitioner, reason="Test submission")
    assert report_context_for(report=Report.objects.get(screening=later))["comparison"] is None


@pytest.mark.usefixtures("on_postgres")
def test_the_database_lets_exactly_the_mark_change_and_deletes_nothing(
    practitioner: User, wrong: Screening
) -> None:
    # given the mark, written through the service past the triggers
    intake = intake_mark_entered_in_error(
        intake=wrong.intake, user=practitioner, reason="Wrong patient"
    )
    assert Screening.objects.get(pk=wrong.pk).entered_in_error
    # then the stored columns of the intake and its screening stay read-only
    refused = [
        lambda: Intake.objects.filter(pk=intake.pk).update(source=Intake.Source.CLI),
        lambda: Intake.objects.filter(pk=intake.pk).update(document={}),
        lambda: Screening.objects.filter(pk=wrong.pk).update(overall="changed"),
        lambda: Screening.objects.filter(pk=wrong.pk).update(refer_first=False),
        lambda: Intake.objects.filter(pk=intake.pk).delete(),
        lambda: Screening.objects.filter(pk=wrong.pk).delete(),
    ]
    for statement in refused:
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    # and the marked columns are the ones it lets change
    assert Intake.objects.filter(pk=intake.pk).update(entered_in_error_reason="Test") == 1
    assert Screening.objects.filter(pk=wrong.pk).update(entered_in_error=False) == 1


def test_a_practitioner_of_the_clinic_is_named_by_full_name(
    signed_in: Client, wrong: Screening, clinic_a: Clinic
) -> None:
    colleague = UserFactory(clinic=clinic_a, first_name="Ada", last_name="Example")
    intake_mark_entered_in_error(intake=wrong.intake, user=colleague, reason="Test submission")
    assert "by Ada Example" in page_of(signed_in, wrong)
