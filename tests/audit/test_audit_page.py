"""The clinic admin's audit trail page in the dashboard: scoping, filters, the CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import Clinic, User
from reports.models import Report
from tests.audit.trail_samples import Trail, record, trail_of
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("dashboard:audit_events")
EXPORT = reverse("dashboard:audit_events_csv")


@pytest.fixture
def trail(clinic_a: Clinic, clinic_b: Clinic, practitioner: User) -> Trail:
    return trail_of(clinic_a, clinic_b, practitioner)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown(response: object) -> set[int]:
    return {event.pk for event in response.context["page"]}  # type: ignore[attr-defined]


def csv_rows(response: object) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(text)))


def test_a_clinic_admin_sees_the_clinic_events_only_newest_first(trail: Trail) -> None:
    response = signed_in(trail.admin).get(PAGE)
    assert response.status_code == 200
    ids = [event.pk for event in response.context["page"]]
    own = set(AuditEvent.objects.filter(clinic=trail.admin.clinic).values_list("id", flat=True))
    assert set(ids) == own - {AuditEvent.objects.latest("id").pk}  # (but the page's own event)
    assert trail.foreign_event.pk not in ids
    assert ids == sorted(ids, reverse=True)


def test_the_page_is_linked_in_the_nav_for_clinic_admins_only(trail: Trail) -> None:
    assert PAGE.encode() in signed_in(trail.admin).get(reverse("dashboard:patients")).content
    assert (
        PAGE.encode()
        not in signed_in(trail.practitioner).get(reverse("dashboard:patients")).content
    )


def test_a_practitioner_is_refused_the_page_and_the_export(trail: Trail) -> None:
    client = signed_in(trail.practitioner)
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(object_type="audit_event").exists()


def test_reading_the_page_is_audited_with_its_rows_and_filters(trail: Trail) -> None:
    response = signed_in(trail.admin).get(PAGE, {"action": "update"})
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.user) == ("list", "audit_event", trail.admin)
    assert event.detail.startswith("action=update 1 rows: ids ")
    assert shown(response) == {trail.other_events[1].pk}


def test_the_patient_filter_finds_the_events_of_the_patient_and_its_records(trail: Trail) -> None:
    report = Report.objects.filter(screening=trail.screening).first()
    if report is not None:
        trail.patient_events.append(record(trail.admin.clinic, "download", "report", report.pk))
    client = signed_in(trail.admin)
    by_external_id = shown(client.get(PAGE, {"patient": trail.patient.external_id}))
    by_id = shown(client.get(PAGE, {"patient": str(trail.patient.pk)}))
    assert by_external_id == by_id
    assert {event.pk for event in trail.patient_events} <= by_external_id
    assert not by_external_id & {event.pk for event in trail.other_events}
    assert trail.foreign_event.pk not in by_external_id


def test_another_clinics_patient_matches_nothing(trail: Trail, clinic_b: Clinic) -> None:
    stranger = PatientFactory(clinic=clinic_b, external_id="EXT-STRANGER")
    assert shown(signed_in(trail.admin).get(PAGE, {"patient": stranger.external_id})) == set()


def test_the_user_action_and_date_filters_narrow_the_list(trail: Trail) -> None:
    client = signed_in(trail.admin)
    by_client = shown(client.get(PAGE, {"api_client": trail.client.pk}))
    by_admin = shown(client.get(PAGE, {"user": trail.admin.pk}))
    updates = shown(client.get(PAGE, {"action": "update"}))
    day_one = shown(client.get(PAGE, {"date_from": "2026-03-01", "date_to": "2026-03-02"}))
    assert by_client == {trail.patient_events[3].pk}
    assert trail.other_events[0].pk in by_admin and trail.patient_events[0].pk not in by_admin
    assert updates == {trail.other_events[1].pk}
    assert day_one == {event.pk for event in trail.patient_events[:3]}


def test_a_user_of_another_clinic_is_refused_by_name(trail: Trail, clinic_b: Clinic) -> None:
    stranger = UserFactory(clinic=clinic_b)
    response = signed_in(trail.admin).get(PAGE, {"user": stranger.pk})
    assert response.status_code == 200
    assert "user" in response.context["filter"].form.errors
    assert shown(response) == set()


def test_the_export_holds_the_filtered_rows_neutralised_and_is_audited(trail: Trail) -> None:
    # given
    client = signed_in(trail.admin)
    # when
    response = client.get(EXPORT, {"date_from": "2026-03-09", "date_to": "2026-03-09"})
    rows = csv_rows(response)
    # then
    assert response["Content-Type"].startswith("text/csv")
    expected = [trail.other_events[1], trail.other_events[0], trail.patient_events[3]]
    assert [int(row["id"]) for row in rows] == [event.pk for event in expected]
    assert rows[0]["detail"] == '\'=HYPERLINK("http://example.org")'
    assert rows[2]["api_client"] == "'=practice-system"
    assert rows[1]["user"] == trail.admin.username
    assert rows[0]["hash"] == trail.other_events[1].hash
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (export.user, export.object_type) == (trail.admin, "audit_event")
    assert export.detail == "csv date_from=2026-03-09 date_to=2026-03-09"
