"""The two busiest requests, pinned: the screening list and the intake POST.

Their database round trips are counted (a regression shows as a failing count), and the
screening list's pages, cursors and timestamps are held to the filtered list and the detail.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, Patient
from clinic.services import api_client_revoke
from reports.models import Report
from screening.models import Intake, Screening
from screening.samples import sample_document
from tests.api_callers import intake_body
from tests.factories import PatientFactory, screening_for
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

# Statements that are not round trips of their own on every backend (SQLite's BEGIN is implicit).
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def data_statements(captured: CaptureQueriesContext) -> list[str]:
    return [sql for sql in statements(captured) if not sql.startswith(TRANSACTION_CONTROL)]


@pytest.fixture
def screenings(clinic_a: Clinic, clinic_b: Clinic) -> list[Screening]:
    patients = [PatientFactory(clinic=clinic_a) for _ in range(3)]
    made = [screening_for(patients[index % 3], sample_document()) for index in range(12)]
    screening_for(PatientFactory(clinic=clinic_b), sample_document())  # never listed for A
    return made


def warm(client: APIClient) -> None:
    """One request first, so the token's last use is recorded and not counted below."""
    assert client.get("/api/v1/instruments/").status_code == 200


# The screening list


def test_a_screening_list_page_is_three_statements(
    screenings: list[Screening], writer: APIClient
) -> None:
    warm(writer)
    with CaptureQueriesContext(connection) as captured:
        response = writer.get("/api/v1/screenings/?page_size=5")
    assert response.status_code == 200
    # the token, the page of rows, the page's audit event
    assert len(statements(captured)) == 3, statements(captured)
    assert len(response.json()["results"]) == 5


def test_a_page_after_a_cursor_is_three_statements(
    screenings: list[Screening], writer: APIClient
) -> None:
    warm(writer)
    next_link = writer.get("/api/v1/screenings/?page_size=5").json()["next"]
    with CaptureQueriesContext(connection) as captured:
        assert writer.get(next_link).status_code == 200
    assert len(statements(captured)) == 3, statements(captured)


def pages(client: APIClient, path: str) -> list[dict[str, Any]]:
    """Every page from `path` on, following `next`; then back again following `previous`."""
    forward = [client.get(path).json()]
    while forward[-1]["next"]:
        forward.append(client.get(forward[-1]["next"]).json())
    backward = [forward[-1]]
    while backward[-1]["previous"]:
        backward.append(client.get(backward[-1]["previous"]).json())
    return forward + backward


def ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["results"]]


def test_unfiltered_pages_match_filtered_pages_forward_and_back(
    screenings: list[Screening], clinic_a: Clinic, writer: APIClient
) -> None:
    # given the same list with a filter every row passes
    unfiltered = pages(writer, "/api/v1/screenings/?page_size=5")
    filtered = pages(writer, "/api/v1/screenings/?page_size=5&completed_after=1900-01-01")
    # then the pages hold the same rows in the same order, byte for byte
    assert [ids(page) for page in unfiltered] == [ids(page) for page in filtered]
    assert [page["results"] for page in unfiltered] == [page["results"] for page in filtered]
    expected = list(
        Screening.objects.filter(clinic=clinic_a).order_by("-id").values_list("id", flat=True)
    )
    assert [i for page in unfiltered[:3] for i in ids(page)] == expected
    assert ids(unfiltered[-1]) == expected[:5]  # back at the first page
    assert unfiltered[-1]["previous"] is None


@pytest.mark.parametrize(
    ("created_at", "reviewed_at", "written"),
    [
        (
            datetime(2026, 3, 1, 9, 30, 5, 120000, tzinfo=UTC),
            None,
            ("2026-03-01T09:30:05.120000Z", None),
        ),
        (
            datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC),
            datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=UTC),
            ("2026-03-01T09:30:05Z", "2026-03-02T23:59:59.999999Z"),
        ),
    ],
)
def test_list_timestamps_print_as_the_detail_prints_them(
    created_at: datetime,
    reviewed_at: datetime | None,
    written: tuple[str, str | None],
    screenings: list[Screening],
    writer: APIClient,
) -> None:
    # given the newest screening with timestamps whose fractions end in zeros, or have none
    # (stored when the clock said `created_at`: the column is read-only once stored)
    with time_machine.travel(created_at, tick=False):
        newest = screening_for(screenings[-1].patient, sample_document(completed_on="2026-02-01"))
    Screening.objects.filter(pk=newest.pk).update(reviewed_at=reviewed_at)
    # when it is read from the list and from the detail
    item = writer.get("/api/v1/screenings/?page_size=1").json()["results"][0]
    detail = writer.get(f"/api/v1/screenings/{newest.pk}/").json()
    # then both write the same UTC instant, the same way
    assert item["id"] == newest.pk
    assert (item["created_at"], item["reviewed_at"]) == written
    assert (detail["created_at"], detail["reviewed_at"]) == written


@pytest.mark.parametrize("position", ["abc", "-1", "1e3", "99999999999999999999"])
def test_a_forged_cursor_position_is_not_found(
    position: str, screenings: list[Screening], writer: APIClient
) -> None:
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    response = writer.get(f"/api/v1/screenings/?cursor={cursor}")
    assert response.status_code == 404


def test_the_list_is_audited_and_refused_after_revocation(
    screenings: list[Screening], writer: APIClient
) -> None:
    # given
    before = AuditEvent.objects.filter(action=AuditEvent.Action.LIST).count()
    assert writer.get("/api/v1/screenings/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LIST).count() == before + 1
    # when the client is revoked
    api_client_revoke(client=ApiClient.objects.get(name="practice-system"))
    # then its very next request is refused
    assert writer.get("/api/v1/screenings/").status_code == 401


# The intake POST


@pytest.mark.django_db(transaction=True)
def test_an_intake_post_writes_its_rows_in_one_transaction_of_seven_statements(
    patient: Patient, writer: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a request that is its own transaction, as in production (not a test's savepoint)
    from reports.tasks import report_render_task

    published: list[int] = []
    monkeypatch.setattr(report_render_task, "delay", published.append)
    warm(writer)
    # when
    with CaptureQueriesContext(connection) as captured:
        response = writer.post("/api/v1/intakes/", intake_body(patient), format="json")
    # then
    assert response.status_code == 201, response.content[:300]
    # the token, the patient, the intake, the screening, the clinic's webhook endpoints, the
    # report (the outbox row, marked as handed over), the audit event; after the commit, its
    # task is published and nothing more is written
    assert len(data_statements(captured)) == 7, statements(captured)
    assert not [sql for sql in statements(captured) if sql.startswith("UPDATE")]
    assert not [sql for sql in statements(captured) if sql.startswith("SAVEPOINT")]
    assert published == [Report.objects.get().pk]


def test_an_intake_post_commits_the_intake_with_its_audit_event(
    patient: Patient, writer: APIClient
) -> None:
    response = writer.post("/api/v1/intakes/", intake_body(patient), format="json")
    assert response.status_code == 201
    intake = Intake.objects.get(pk=response.json()["intake"])
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="intake", object_id=str(intake.pk)
    ).exists()
    assert Report.objects.filter(screening__intake=intake).count() == 1


def test_an_intake_post_records_its_webhook_delivery(
    patient: Patient, clinic_a: Clinic, writer: APIClient
) -> None:
    WebhookEndpoint.objects.create(clinic=clinic_a, url="https://hooks.example.org/x", secret="s")
    response = writer.post("/api/v1/intakes/", intake_body(patient), format="json")
    assert response.status_code == 201
    assert WebhookDelivery.objects.filter(event_type="screening.created").count() == 1


def test_an_invalid_intake_stores_nothing_and_names_every_problem(
    patient: Patient, writer: APIClient
) -> None:
    body = intake_body(patient)
    body["document"]["answers"]["bloating.after_water"] = 9
    body["document"]["answers"]["sleep.hours"] = -1
    response = writer.post("/api/v1/intakes/", body, format="json")
    assert response.status_code == 400
    fields = {error.get("field") for error in response.json()["errors"]}
    assert len(fields) >= 2, response.json()
    assert not Intake.objects.exists()
    assert not AuditEvent.objects.filter(object_type="intake").exists()
