"""Alarm features as a workflow: acknowledged before review, first in the queue, on record."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic.models import ApiClient, Patient, User
from clinic.services import api_client_create
from reports.models import Report
from screening.models import AlarmAction, NoteRevision, Screening
from screening.samples import sample_document
from screening.services import screening_acknowledge_alarm, screening_review
from tests.factories import PatientFactory, UserFactory, screening_for

pytestmark = pytest.mark.django_db

RED_FLAG = {"red_flags.weight_loss": True}


@pytest.fixture
def alarm(patient: Patient) -> Screening:
    return screening_for(patient, sample_document(answers=RED_FLAG))


@pytest.fixture
def quiet(clinic_a: object) -> Screening:
    return screening_for(PatientFactory(clinic=clinic_a))


@pytest.fixture
def signed_in(practitioner: User) -> Client:
    client = Client()
    client.force_login(practitioner)
    return client


def page_of(client: Client, screening: Screening) -> str:
    return client.get(reverse("dashboard:screening", args=[screening.pk])).content.decode()


def acknowledge(client: Client, screening: Screening, **form: str) -> None:
    response = client.post(reverse("dashboard:screening_alarm_ack", args=[screening.pk]), form)
    assert response.status_code == 302


def review(client: Client, screening: Screening, **form: str) -> None:
    response = client.post(reverse("dashboard:screening_review", args=[screening.pk]), form)
    assert response.status_code == 302


# Review waits for the acknowledgement


def test_review_is_refused_before_the_alarm_is_acknowledged(
    signed_in: Client, alarm: Screening, practitioner: User
) -> None:
    review(signed_in, alarm, notes="Looks fine.", reviewed="on")

    alarm.refresh_from_db()
    assert alarm.reviewed_at is None
    assert alarm.practitioner_notes == ""  # nothing of the refused save is kept
    assert not NoteRevision.objects.exists()
    page = signed_in.get(reverse("dashboard:screening", args=[alarm.pk])).content.decode()
    assert "record what was done about them before marking it reviewed" in page
    with pytest.raises(ValidationError) as refused:
        screening_review(screening=alarm, user=practitioner, notes="", reviewed=True)
    assert "reviewed" in refused.value.message_dict


def test_notes_can_be_saved_before_the_acknowledgement_without_filing_the_review(
    signed_in: Client, alarm: Screening
) -> None:
    review(signed_in, alarm, notes="Called the patient, waiting for the GP letter.")

    alarm.refresh_from_db()
    assert alarm.practitioner_notes == "Called the patient, waiting for the GP letter."
    assert alarm.reviewed_at is None


def test_an_acknowledged_alarm_can_be_reviewed(
    signed_in: Client, alarm: Screening, practitioner: User
) -> None:
    acknowledge(signed_in, alarm, action="referred", note="GP appointment on Friday.")
    review(signed_in, alarm, notes="Discussed the referral.", reviewed="on")

    alarm.refresh_from_db()
    assert (alarm.alarm_ack_action, alarm.alarm_ack_note) == (
        "referred",
        "GP appointment on Friday.",
    )
    assert alarm.alarm_ack_by == practitioner and alarm.alarm_ack_at is not None
    assert alarm.reviewed_by == practitioner and alarm.reviewed_at is not None


# The acknowledgement


def test_the_acknowledgement_is_shown_on_the_page_with_who_and_when(
    signed_in: Client, alarm: Screening, practitioner: User
) -> None:
    practitioner.first_name, practitioner.last_name = "Ada", "Lovelace"
    practitioner.save()
    assert "Not acknowledged yet" in page_of(signed_in, alarm)

    acknowledge(signed_in, alarm, action="other", note="Sent to A&E <b>today</b>")

    page = page_of(signed_in, alarm)
    assert "Not acknowledged yet" not in page
    assert "Other (described in the note)" in page
    assert "Sent to A&amp;E &lt;b&gt;today&lt;/b&gt;" in page  # free text is escaped
    assert "Ada Lovelace" in page


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"action": "other", "note": "  "}, "Describe what was done."),
        ({"action": "made_up"}, "Select a valid choice"),
        ({}, "This field is required"),
    ],
)
def test_an_incomplete_acknowledgement_is_refused_with_its_reason(
    signed_in: Client, alarm: Screening, form: dict[str, str], field: str
) -> None:
    acknowledge(signed_in, alarm, **form)

    alarm.refresh_from_db()
    assert alarm.alarm_ack_at is None
    assert field in page_of(signed_in, alarm)


def test_an_acknowledgement_is_recorded_once_and_only_for_alarm_features(
    alarm: Screening, quiet: Screening, practitioner: User
) -> None:
    screening_acknowledge_alarm(screening=alarm, user=practitioner, action=AlarmAction.DECLINED)
    first = Screening.objects.get(pk=alarm.pk).alarm_ack_at

    with pytest.raises(ValidationError, match="acknowledged already"):
        screening_acknowledge_alarm(screening=alarm, user=practitioner, action=AlarmAction.OTHER)
    with pytest.raises(ValidationError, match="no alarm features"):
        screening_acknowledge_alarm(screening=quiet, user=practitioner, action=AlarmAction.OTHER)
    assert Screening.objects.get(pk=alarm.pk).alarm_ack_at == first


def test_the_acknowledgement_is_audited_and_renders_the_pdf_again(
    alarm: Screening, practitioner: User
) -> None:
    report = Report.objects.get(screening=alarm)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.READY)

    screening_acknowledge_alarm(screening=alarm, user=practitioner, action=AlarmAction.UNDER_CARE)

    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).get()
    assert (event.object_type, event.object_id, event.user) == (
        "screening",
        str(alarm.pk),
        practitioner,
    )
    assert Report.objects.get(pk=report.pk).status == Report.Status.QUEUED


def test_the_api_shows_the_acknowledgement(alarm: Screening, practitioner: User) -> None:
    client = APIClient()
    token = api_client_create(clinic=alarm.clinic, name="records", scope=ApiClient.Scope.READ)[1]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    detail = f"/api/v1/screenings/{alarm.pk}/"
    assert client.get(detail).json()["alarm_acknowledgement"] is None

    screening_acknowledge_alarm(
        screening=alarm, user=practitioner, action=AlarmAction.REFERRED, note="GP on Friday"
    )

    acknowledgement = client.get(detail).json()["alarm_acknowledgement"]
    listed = client.get("/api/v1/screenings/").json()["results"][0]["alarm_acknowledgement"]
    assert acknowledgement == listed
    assert acknowledgement["action"] == "referred"
    assert acknowledgement["note"] == "GP on Friday"
    assert acknowledgement["by"] == practitioner.get_username()
    assert acknowledgement["at"].endswith("Z")


# The queue


def test_the_queue_shows_unacknowledged_alarms_first_with_their_age(
    signed_in: Client, patient: Patient, quiet: Screening, practitioner: User
) -> None:
    # given an alarm waiting for three days, an acknowledged alarm, and a screening without
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        waiting = screening_for(patient, sample_document(answers=RED_FLAG))
    acknowledged = screening_for(
        PatientFactory(clinic=patient.clinic), sample_document(answers=RED_FLAG)
    )
    screening_acknowledge_alarm(
        screening=acknowledged, user=practitioner, action=AlarmAction.REFERRED
    )
    # when the queue is shown
    page = signed_in.get(reverse("dashboard:home")).content.decode()
    # then the alarm nobody acknowledged comes first, with its age
    rows = [
        page.index(reverse("dashboard:screening", args=[screening.pk]) + '"')
        for screening in (waiting, acknowledged, quiet)
    ]
    assert rows == sorted(rows)
    assert "Alarm features: not yet acknowledged" in page
    assert "3\xa0days" in page


# Reviews


def test_mark_as_reviewed_is_not_ticked_by_default(signed_in: Client, quiet: Screening) -> None:
    page = page_of(signed_in, quiet)
    checkbox = page[page.index('name="reviewed"') - 80 : page.index('name="reviewed"') + 80]
    assert "checked" not in checkbox


def test_every_saved_review_is_kept_as_a_revision_and_audited(
    signed_in: Client, quiet: Screening, practitioner: User
) -> None:
    review(signed_in, quiet, notes="First thoughts.")
    review(signed_in, quiet, notes="Discussed fibre.", reviewed="on")

    revisions = list(NoteRevision.objects.order_by("saved_at", "id"))
    assert [(r.notes, r.reviewed, r.saved_by) for r in revisions] == [
        ("First thoughts.", False, practitioner),
        ("Discussed fibre.", True, practitioner),
    ]
    page = page_of(signed_in, quiet)
    assert "Earlier versions of the notes" in page and "First thoughts." in page
    updates = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_type="screening")
    assert updates.count() == 2


def test_saving_a_review_queues_the_pdf_again_and_the_page_follows_it(
    signed_in: Client, quiet: Screening
) -> None:
    report = Report.objects.get(screening=quiet)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.READY)

    review(signed_in, quiet, notes="Discussed fibre.", reviewed="on")

    assert Report.objects.get(pk=report.pk).status == Report.Status.QUEUED
    status = signed_in.get(reverse("dashboard:report_status", args=[quiet.pk])).json()
    assert status == {"status": "queued", "label": "Queued", "pdf": None}
    assert "report-status.js" in page_of(signed_in, quiet)


def test_the_report_state_is_only_for_the_own_clinic(quiet: Screening, clinic_b: object) -> None:
    other = Client()
    other.force_login(UserFactory(clinic=clinic_b))
    assert other.get(reverse("dashboard:report_status", args=[quiet.pk])).status_code == 404
