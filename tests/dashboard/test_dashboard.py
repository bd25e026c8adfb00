"""The practitioner dashboard: sign-in, clinic scoping, audit, review, invitations, reports."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import Clinic, Invitation, Patient, User
from reports.models import Report
from screening.models import Screening
from screening.samples import sample_document
from tests.factories import PatientFactory, UserFactory, screening_for

pytestmark = pytest.mark.django_db

RED_FLAG = {"red_flags.blood_in_stool": True}


@pytest.fixture
def signed_in(practitioner: User) -> Client:
    client = Client()
    client.force_login(practitioner)
    return client


@pytest.fixture
def screening(patient: Patient) -> Screening:
    return screening_for(
        patient,
        sample_document(
            answers={**RED_FLAG, "history.main_concern": "<script>alert('x')</script> & more"}
        ),
    )


@pytest.fixture
def other_screening(clinic_b: Clinic) -> Screening:
    return screening_for(PatientFactory(clinic=clinic_b))


def urls_of(screening: Screening, report: Report | None = None) -> list[str]:
    urls = [
        reverse("dashboard:home"),
        reverse("dashboard:patients"),
        reverse("dashboard:patient", args=[screening.patient_id]),
        reverse("dashboard:screening", args=[screening.pk]),
    ]
    if report is not None:
        urls.append(reverse("dashboard:report_pdf", args=[report.pk]))
    return urls


def ready_report(screening: Screening) -> Report:
    report = Report.objects.get(screening=screening)
    report.file.save(f"test-{screening.pk}.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    report.status = Report.Status.READY
    report.page_count = 1
    report.size = 13
    report.save()
    return report


def test_every_page_needs_a_signed_in_user(screening: Screening) -> None:
    for url in urls_of(screening):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_clinic_sees_no_dashboard(screening: Screening) -> None:
    client = Client()
    client.force_login(UserFactory(clinic=None))
    assert client.get(reverse("dashboard:home")).status_code == 404


def test_another_clinics_rows_are_not_found(signed_in: Client, other_screening: Screening) -> None:
    # given a screening and a ready report of clinic B
    report = ready_report(other_screening)
    # when a practitioner of clinic A asks for them, then nothing is found
    for url in urls_of(other_screening, report)[2:]:
        assert signed_in.get(url).status_code == 404, url
    posts = [
        reverse("dashboard:patient_invite", args=[other_screening.patient_id]),
        reverse("dashboard:screening_review", args=[other_screening.pk]),
        reverse("dashboard:report_regenerate", args=[other_screening.pk]),
    ]
    for url in posts:
        assert signed_in.post(url, {"notes": "x", "reviewed": "on"}).status_code == 404, url
    assert not Invitation.objects.filter(patient_id=other_screening.patient_id).exists()
    other_screening.refresh_from_db()
    assert other_screening.reviewed_at is None


def test_lists_show_only_the_own_clinic(
    signed_in: Client, screening: Screening, other_screening: Screening
) -> None:
    for url in (reverse("dashboard:home"), reverse("dashboard:patients")):
        page = signed_in.get(url).content.decode()
        assert screening.patient.external_id in page or screening.patient.family_name in page
        assert other_screening.patient.external_id not in page
        assert other_screening.patient.family_name not in page


def test_the_screening_page_leads_with_alarm_features_and_escapes_free_text(
    signed_in: Client, screening: Screening
) -> None:
    page = signed_in.get(reverse("dashboard:screening", args=[screening.pk])).content.decode()
    alarm = page.index("Alarm features reported")
    assert alarm < page.index("<h1>")
    assert "Blood in the stool or black stools" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page


def test_pages_are_never_cached(signed_in: Client, screening: Screening) -> None:
    for url in urls_of(screening):
        assert "no-store" in signed_in.get(url)["Cache-Control"], url


def test_every_read_is_audited(signed_in: Client, practitioner: User, screening: Screening) -> None:
    # given a ready report
    report = ready_report(screening)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # when every page is opened
    for url in urls_of(screening, report):
        assert signed_in.get(url).status_code == 200, url
    # then each read is recorded for the user's clinic
    new = AuditEvent.objects.filter(id__gt=before)
    events = list(new.order_by("id").values_list("action", "object_type"))
    assert events == [
        ("list", "screening"),
        ("list", "patient"),
        ("read", "patient"),
        ("read", "screening"),
        ("download", "report"),
    ]
    assert set(new.values_list("user", "clinic")) == {(practitioner.pk, practitioner.clinic_id)}


def test_the_report_downloads_as_pdf(signed_in: Client, screening: Screening) -> None:
    report = ready_report(screening)
    response = signed_in.get(reverse("dashboard:report_pdf", args=[report.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_report_not_ready_is_not_found(signed_in: Client, screening: Screening) -> None:
    report = Report.objects.get(screening=screening)
    assert signed_in.get(reverse("dashboard:report_pdf", args=[report.pk])).status_code == 404


def test_review_saves_notes_and_leaves_the_queue(
    signed_in: Client, practitioner: User, screening: Screening
) -> None:
    # given the screening waits for review
    assert (
        screening.patient.family_name in signed_in.get(reverse("dashboard:home")).content.decode()
    )
    # and its alarm features were acknowledged
    signed_in.post(
        reverse("dashboard:screening_alarm_ack", args=[screening.pk]), {"action": "referred"}
    )
    # when the practitioner saves a review
    response = signed_in.post(
        reverse("dashboard:screening_review", args=[screening.pk]),
        {"notes": "Discussed fibre.", "reviewed": "on"},
    )
    # then the notes are stored and the screening leaves the queue
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.practitioner_notes == "Discussed fibre."
    assert screening.reviewed_by == practitioner and screening.reviewed_at is not None
    assert (
        screening.patient.family_name
        not in signed_in.get(reverse("dashboard:home")).content.decode()
    )


def test_invite_shows_the_link_once_and_emails_it(signed_in: Client, patient: Patient) -> None:
    patient.email = "patient@example.org"
    patient.save()
    response = signed_in.post(
        reverse("dashboard:patient_invite", args=[patient.pk]), {"send_email": "1"}
    )
    assert response.status_code == 200
    link = response.context["link"]
    assert "/intake/" in link
    invitation = Invitation.objects.get(patient=patient)
    assert link.rstrip("/").rsplit("/", 1)[-1] not in invitation.token_sha256
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body
    # the link opens the patient's form
    opened = Client().get(link.replace("http://testserver", ""), follow=True)
    assert opened.status_code == 200
    assert patient.clinic.name in opened.content.decode()


def test_adding_a_patient_keeps_external_ids_unique_per_clinic(
    signed_in: Client, patient: Patient, clinic_b: Clinic
) -> None:
    PatientFactory(clinic=clinic_b, external_id="SHARED-1")
    fields = {"given_name": "Ada", "family_name": "Example", "external_id": "SHARED-1"}
    response = signed_in.post(reverse("dashboard:patient_add"), fields)
    assert response.status_code == 302
    assert Patient.objects.filter(external_id="SHARED-1").count() == 2
    duplicate = {**fields, "external_id": patient.external_id}
    response = signed_in.post(reverse("dashboard:patient_add"), duplicate)
    assert response.status_code == 400
    assert "already has this identifier" in response.content.decode()


def test_the_patient_page_charts_screenings_over_time(signed_in: Client, patient: Patient) -> None:
    screening_for(patient, sample_document(completed_on="2026-01-10"))
    screening_for(
        patient,
        sample_document(completed_on="2026-06-10", answers={"bloating.frequency": 4}),
    )
    page = signed_in.get(reverse("dashboard:patient", args=[patient.pk])).content.decode()
    assert page.count("<polyline") == 6
    assert "2026-01-10" not in page or "10 Jan 2026" in page
    assert "10 Jun 2026" in page and "10 Jan 2026" in page


def test_sign_in_leads_to_the_review_queue(practitioner: User) -> None:
    client = Client()
    response = client.post(
        reverse("login"),
        {"username": practitioner.username, "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
