"""The clinic's record in the PDF: notes, review, acknowledgement of alarm features, and the
entered-in-error mark, from the context through a render to a real worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from clinic.models import Patient, User
from reports import pdf
from reports.context import (
    AlarmAcknowledgement,
    EnteredInError,
    ReportPatient,
    ReviewSignOff,
    report_context,
)
from reports.models import Report
from reports.selectors import report_context_for
from reports.services import report_render
from screening.models import AlarmAction, Intake, NoteRevision, Screening
from screening.samples import sample_document
from screening.services import intake_submit, screening_acknowledge_alarm, screening_review
from tests.factories import UserFactory
from tests.reports import test_worker
from tests.reports.builders import busy_result, full_document
from tests.reports.conftest import MakeScreening, celery_broker, report_of
from tests.reports.pdfs import flat, page_texts, reader_of, text_of

# The real-worker fixtures of test_worker.py, shared rather than copied.
worker_database = test_worker.worker_database
shared_redis = test_worker.shared_redis
workers = test_worker.workers

NOTES = "Discussed the food diary.\nReferral letter sent; review in six weeks."
ACK_NOTE = "Letter to the GP, copy to the patient."


def record_context(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "document": full_document(),
        "result": busy_result(),
        "patient": ReportPatient(name="Ada Example", birth_date="1971-05-02", external_id="EXT-7"),
        "clinic_name": "Gut Health Practice",
        "practitioner_notes": NOTES,
        "review": ReviewSignOff(reviewed_at="2026-11-26T09:05:00", reviewer="Dr Grace Hopper"),
        "alarm_acknowledgement": AlarmAcknowledgement(
            action=AlarmAction.REFERRED.label,
            note=ACK_NOTE,
            acknowledged_by="Dr Grace Hopper",
            acknowledged_at="2026-11-25T16:40:00",
        ),
    }
    arguments.update(overrides)
    return report_context(**arguments)


@pytest.fixture(scope="module")
def record_pdf() -> bytes:
    return pdf.render_pdf(record_context())


# The context


def test_it_carries_the_notes_the_reviewer_and_the_review_date() -> None:
    context = record_context()
    assert context["practitioner_notes"] == NOTES
    assert context["review"] == {
        "reviewed_on": "26 November 2026, 09:05",
        "reviewer": "Dr Grace Hopper",
    }


def test_it_carries_the_acknowledgement_with_its_label_note_name_and_date() -> None:
    assert record_context()["alarm"]["acknowledgement"] == {
        "action": "Referred to a doctor",
        "note": ACK_NOTE,
        "acknowledged_by": "Dr Grace Hopper",
        "acknowledged_on": "25 November 2026, 16:40",
    }


def test_it_carries_no_review_acknowledgement_or_mark_when_there_is_none() -> None:
    context = record_context(practitioner_notes="", review=None, alarm_acknowledgement=None)
    assert (context["review"], context["alarm"]["acknowledgement"]) == (None, None)
    assert context["entered_in_error"] is None


def test_it_carries_the_entered_in_error_mark_and_says_so_in_the_title() -> None:
    mark = EnteredInError(
        marked_at="2026-11-27T08:00:00", marked_by="Dr Grace Hopper", reason="Wrong patient."
    )
    context = record_context(entered_in_error=mark)
    assert context["entered_in_error"] == {
        "marked_on": "27 November 2026, 08:00",
        "marked_by": "Dr Grace Hopper",
        "reason": "Wrong patient.",
    }
    assert context["title"] == "Entered in error: Screening summary: Ada Example, 24 November 2026"


# The rendered PDF


def test_the_pdf_shows_the_notes_the_reviewer_and_the_review_date(record_pdf: bytes) -> None:
    text = flat(text_of(record_pdf))
    assert "Review Reviewed on 26 November 2026, 09:05 by Dr Grace Hopper" in text  # header
    notes = text.split("Practitioner's notes", 1)[1]
    assert "Discussed the food diary. Referral letter sent; review in six weeks." in notes
    assert "Reviewed on 26 November 2026, 09:05 by Dr Grace Hopper." in notes


def test_the_pdf_shows_the_acknowledgement_in_the_alarm_box(record_pdf: bytes) -> None:
    first_page = flat(page_texts(record_pdf)[0])
    alarm_box = first_page.split("Alarm features: refer first", 1)[1].split("Screening summary")[0]
    assert "Acknowledged: Referred to a doctor." in alarm_box
    assert ACK_NOTE in alarm_box
    assert "Recorded by Dr Grace Hopper on 25 November 2026, 16:40." in alarm_box
    assert "Not acknowledged yet" not in first_page


def test_the_pdf_says_when_alarm_features_are_not_acknowledged_yet() -> None:
    content = pdf.render_pdf(record_context(alarm_acknowledgement=None, review=None))
    first_page = flat(page_texts(content)[0])
    assert (
        "Not acknowledged yet: no one has recorded what was done about these alarm features."
        in first_page
    )
    assert first_page.index("Not acknowledged yet") < first_page.index("Screening summary")
    assert "Review Not reviewed yet" in first_page
    assert "Not marked reviewed yet." in flat(text_of(content))


def test_the_pdf_of_an_intake_entered_in_error_says_so_first_and_on_every_page() -> None:
    mark = EnteredInError(
        marked_at="2026-11-27T08:00:00", marked_by="Dr Grace Hopper", reason="Wrong patient."
    )
    content = pdf.render_pdf(record_context(entered_in_error=mark))
    pages = [flat(page) for page in page_texts(content)]
    assert pages[0].index("ENTERED IN ERROR: NOT PART OF THE PATIENT'S RECORD") < pages[0].index(
        "Alarm features: refer first"
    )
    assert (
        "This intake was marked entered in error on 27 November 2026, 08:00 by Dr Grace Hopper. "
        "Do not use this summary for the patient's care. Reason: Wrong patient." in pages[0]
    )
    assert all(
        page.endswith(f"ENTERED IN ERROR A screening, not a diagnosis. Page {n} of {len(pages)}")
        for n, page in enumerate(pages, start=1)
    )  # the running header
    assert reader_of(content).metadata.title.startswith("Entered in error: Screening summary")


def test_a_pdf_without_a_mark_says_nothing_of_entered_in_error(record_pdf: bytes) -> None:
    assert "entered in error" not in text_of(record_pdf).lower()


def test_the_command_lines_pdf_says_not_reviewed_and_has_no_notes_section() -> None:
    content = pdf.render_pdf(
        report_context(document=full_document(), result=busy_result(refer_first=False))
    )
    text = flat(text_of(content))
    assert "Review Not reviewed yet" in text
    assert "Practitioner's notes" not in text
    assert "acknowledged" not in text


# From the stored screening


@pytest.fixture
def reviewer(patient: Patient) -> User:
    return UserFactory(clinic=patient.clinic, first_name="Grace", last_name="Hopper")


@pytest.mark.django_db
def test_a_stored_screenings_context_carries_its_review_acknowledgement_and_mark(
    make_screening: MakeScreening, reviewer: User
) -> None:
    # given a screening reviewed, acknowledged and marked, its columns set directly
    screening = make_screening()
    reviewed_at = datetime(2026, 11, 26, 9, 5, 30, 123456, tzinfo=UTC)
    Screening.objects.filter(pk=screening.pk).update(
        practitioner_notes=NOTES,
        reviewed_at=reviewed_at,
        reviewed_by=reviewer,
        alarm_ack_action=AlarmAction.UNDER_CARE,
        alarm_ack_note=ACK_NOTE,
        alarm_ack_at=datetime(2026, 11, 25, 16, 40, tzinfo=UTC),
        alarm_ack_by=reviewer,
        alarm_ack_by_name="Dr G. Hopper",
        entered_in_error=True,
    )
    Intake.objects.filter(pk=screening.intake_id).update(
        entered_in_error_at=datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
        entered_in_error_by=reviewer,
        entered_in_error_reason="A test submission.",
    )
    # when its report's context is built
    context = report_context_for(report=report_of(screening))
    # then it carries each, labels from AlarmAction, times in the clinic's time zone
    assert settings.TIME_ZONE == "UTC"
    assert context["practitioner_notes"] == NOTES
    assert context["review"] == {
        "reviewed_on": "26 November 2026, 09:05",
        "reviewer": "Grace Hopper",
    }
    assert context["alarm"]["acknowledgement"] == {
        "action": AlarmAction.UNDER_CARE.label,
        "note": ACK_NOTE,
        "acknowledged_by": "Dr G. Hopper",
        "acknowledged_on": "25 November 2026, 16:40",
    }
    assert context["entered_in_error"] == {
        "marked_on": "27 November 2026, 08:00",
        "marked_by": "Grace Hopper",
        "reason": "A test submission.",
    }


@pytest.mark.django_db
def test_the_reviewer_is_named_as_when_the_review_was_saved(
    make_screening: MakeScreening, reviewer: User
) -> None:
    screening = make_screening()
    NoteRevision.objects.create(
        clinic_id=screening.clinic_id,
        screening=screening,
        notes=NOTES,
        saved_by=reviewer,
        saved_by_name="Dr Grace Murray",
        reviewed=True,
    )
    Screening.objects.filter(pk=screening.pk).update(
        reviewed_at=datetime(2026, 11, 26, 9, 5, tzinfo=UTC), reviewed_by=reviewer
    )
    assert report_context_for(report=report_of(screening))["review"]["reviewer"] == (
        "Dr Grace Murray"
    )


@pytest.mark.django_db
def test_the_times_are_shown_in_the_clinics_time_zone(
    make_screening: MakeScreening, reviewer: User, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    screening = make_screening()
    Screening.objects.filter(pk=screening.pk).update(
        reviewed_at=datetime(2026, 11, 26, 23, 30, tzinfo=UTC), reviewed_by=reviewer
    )
    review = report_context_for(report=report_of(screening))["review"]
    assert review["reviewed_on"] == "27 November 2026, 00:30"


@pytest.mark.django_db
def test_a_review_and_acknowledgement_saved_through_the_services_reach_the_rendered_pdf(
    make_screening: MakeScreening,
    reviewer: User,
    report_files: Path,
    published: list[tuple[Any, ...]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a refer-first screening whose first report is ready
    screening = make_screening()
    first = report_render(report=report_of(screening))
    assert first.status == Report.Status.READY
    # when the alarm is acknowledged and the review saved
    with django_capture_on_commit_callbacks(execute=True):
        screening_acknowledge_alarm(
            screening=screening, user=reviewer, action=AlarmAction.REFERRED, note=ACK_NOTE
        )
        screening_review(screening=screening, user=reviewer, notes=NOTES, reviewed=True)
    # then the report is queued again, and rendered it shows both
    again = report_of(screening)
    assert (again.pk, again.status) == (first.pk, Report.Status.QUEUED)
    assert published  # handed to the broker after the commit
    again = report_render(report=again)
    assert again.status == Report.Status.READY
    text = flat(text_of(Path(again.file.path).read_bytes()))
    assert "Discussed the food diary. Referral letter sent; review in six weeks." in text
    assert "Reviewed on" in text and "by Grace Hopper" in text
    assert f"Acknowledged: {AlarmAction.REFERRED.label}. {ACK_NOTE}" in text
    assert "Recorded by Grace Hopper on" in text


# End to end, with a real worker


@pytest.mark.services
def test_saving_a_review_leads_to_a_ready_pdf_containing_the_notes_and_the_reviewer(
    workers: Callable[..., test_worker.Worker],
    shared_redis: str,
    patient: Patient,
    reviewer: User,
    report_files: Path,
) -> None:
    # given a submitted intake whose report the worker has rendered
    workers(shared_redis)
    with celery_broker(shared_redis):
        screening = intake_submit(patient=patient, document=sample_document())
    first = test_worker.report_in(screening, Report.Status.READY, timeout=60)
    assert "Not reviewed yet" in flat(text_of(Path(first.file.path).read_bytes()))
    # when the practitioner saves a review
    with celery_broker(shared_redis):
        screening_review(screening=screening, user=reviewer, notes=NOTES, reviewed=True)
    # then the worker renders the report again, with the notes and the reviewer
    again = test_worker.wait_for(
        lambda: Report.objects.filter(
            pk=first.pk, status=Report.Status.READY, finished_at__gt=first.finished_at
        ).first(),
        timeout=60,
        what="the report to be ready again",
    )
    text = flat(text_of(Path(again.file.path).read_bytes()))
    assert "Discussed the food diary. Referral letter sent; review in six weeks." in text
    assert "Reviewed on" in text and "by Grace Hopper" in text
    assert again.sha256 != first.sha256


@pytest.mark.django_db
def test_a_review_saved_while_the_report_renders_still_reaches_the_pdf(
    make_screening: MakeScreening,
    reviewer: User,
    report_files: Path,
    published: list[tuple[Any, ...]],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a report whose render has read the screening before the review was saved
    screening = make_screening(result=busy_result(refer_first=False))
    render = pdf.render

    def review_during_render(context: dict[str, Any], **kwargs: Any) -> pdf.RenderedPdf:
        monkeypatch.setattr(pdf, "render", render)
        with django_capture_on_commit_callbacks(execute=True):
            screening_review(screening=screening, user=reviewer, notes=NOTES, reviewed=True)
        return render(context, **kwargs)

    monkeypatch.setattr(pdf, "render", review_during_render)
    report_render(report=report_of(screening))
    # when the task published by the review is delivered
    assert published
    report = report_render(report=report_of(screening))
    # then the PDF shows the review
    assert report.status == Report.Status.READY
    assert "by Grace Hopper" in flat(text_of(Path(report.file.path).read_bytes()))
