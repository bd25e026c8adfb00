"""The audit trail in the API: who may read it, its filters, its CSV export, the schema."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, User
from clinic.services import api_client_create
from tests.api_callers import bearer, staff_session
from tests.audit.trail_samples import Trail, trail_of

pytestmark = pytest.mark.django_db

LIST = reverse("api:audit-event-list")
EXPORT = reverse("api:audit-event-export")


@pytest.fixture
def trail(clinic_a: Clinic, clinic_b: Clinic, practitioner: User) -> Trail:
    return trail_of(clinic_a, clinic_b, practitioner)


def listed(client: APIClient, **filters: Any) -> list[int]:
    response = client.get(LIST, filters)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_clinic_admin_lists_the_clinic_events_only_newest_first(trail: Trail) -> None:
    ids = listed(staff_session(trail.admin), page_size=100)
    own = set(AuditEvent.objects.filter(clinic=trail.admin.clinic).values_list("id", flat=True))
    assert set(ids) == own - {AuditEvent.objects.latest("id").pk}
    assert ids == sorted(ids, reverse=True)
    assert trail.foreign_event.pk not in ids


def test_a_read_write_client_may_read_the_trail_and_its_read_is_audited(
    trail: Trail, clinic_a: Clinic
) -> None:
    writer, token = api_client_create(
        clinic=clinic_a, name="records", scope=ApiClient.Scope.READ_WRITE
    )
    ids = listed(bearer(token), action="update")
    event = AuditEvent.objects.latest("id")
    assert ids == [trail.other_events[1].pk]
    assert (event.action, event.object_type, event.api_client) == ("list", "audit_event", writer)
    assert event.detail == f"action=update 1 rows: ids {trail.other_events[1].pk}"


def test_practitioners_and_read_only_clients_are_refused(trail: Trail, clinic_a: Clinic) -> None:
    reader = bearer(api_client_create(clinic=clinic_a, name="r", scope=ApiClient.Scope.READ)[1])
    for client in (staff_session(trail.practitioner), reader):
        assert client.get(LIST).status_code == 403
        assert client.get(EXPORT).status_code == 403
    assert APIClient().get(LIST).status_code == 401
    assert not AuditEvent.objects.filter(object_type="audit_event").exists()


def test_each_filter_narrows_the_list(trail: Trail) -> None:
    client = staff_session(trail.admin)
    by_patient = set(listed(client, patient=trail.patient.external_id, page_size=100))
    assert {event.pk for event in trail.patient_events} <= by_patient
    assert not by_patient & {event.pk for event in trail.other_events}
    assert listed(client, api_client=trail.client.pk) == [trail.patient_events[3].pk]
    assert trail.patient_events[0].pk not in listed(client, user=trail.admin.pk)
    assert listed(client, action="update") == [trail.other_events[1].pk]
    assert listed(client, date_from="2026-03-01", date_to="2026-03-02") == [
        event.pk for event in reversed(trail.patient_events[:3])
    ]


def test_a_wrong_filter_is_refused_naming_the_field(trail: Trail, clinic_b: Clinic) -> None:
    client = staff_session(trail.admin)
    foreign_client = api_client_create(clinic=clinic_b, name="other")[0]
    errors = client.get(LIST, {"api_client": foreign_client.pk}).json()["errors"]
    assert [error["field"] for error in errors] == ["api_client"]
    assert client.get(LIST, {"date_from": "soon"}).status_code == 400
    assert client.get(LIST, {"action": "purge"}).status_code == 400


def test_the_export_holds_the_filtered_rows_neutralised_and_is_audited(trail: Trail) -> None:
    # given
    client = staff_session(trail.admin)
    # when
    response = client.get(EXPORT, {"date_from": "2026-03-09"}, HTTP_ACCEPT="text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    # then
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    expected = AuditEvent.objects.filter(
        clinic=trail.admin.clinic, at__date__gte="2026-03-09", id__lt=export.pk
    ).order_by("-id")
    assert [int(row["id"]) for row in rows] == [event.pk for event in expected]
    by_id = {int(row["id"]): row for row in rows}
    assert by_id[trail.other_events[1].pk]["detail"] == '\'=HYPERLINK("http://example.org")'
    assert by_id[trail.patient_events[3].pk]["api_client"] == "'=practice-system"
    assert (export.user, export.object_type) == (trail.admin, "audit_event")
    assert export.detail == "csv date_from=2026-03-09"


def test_the_schema_documents_the_list_its_filters_and_the_export(trail: Trail) -> None:
    schema = staff_session(trail.admin).get(reverse("api:schema"), {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/audit-events/"]["get"]
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {"patient", "user", "api_client", "action", "date_from", "date_to", "cursor"} <= names
    export = schema["paths"]["/api/v1/audit-events/export/"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]
