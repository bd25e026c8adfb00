"""The number of database queries of a list request does not grow with the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from clinic.models import Clinic, Patient
from screening.models import Intake, Screening
from screening.samples import sample_document
from screening.services import intake_submit
from tests.factories import PatientFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

LIST_PATHS = [
    "/api/v1/screenings/",
    "/api/v1/screenings/?refer_first=false&overall=none",
    "/api/v1/intakes/",
    "/api/v1/patients/",
    "/api/v1/patients/?name=alex",
]


@pytest.fixture
def many_rows(clinic_a: Clinic) -> None:
    patients = [PatientFactory(clinic=clinic_a) for _ in range(10)]
    for index in range(110):
        intake_submit(patient=patients[index % 10], document=sample_document())
    PatientFactory.create_batch(100, clinic=clinic_a, given_name="Alex")


def queries_for(client: APIClient, path: str, page_size: int) -> int:
    separator = "&" if "?" in path else "?"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{path}{separator}page_size={page_size}")
    assert response.status_code == 200, response.content[:200]
    assert len(response.json()["results"]) == page_size
    return len(captured.captured_queries)


@pytest.mark.parametrize("path", LIST_PATHS)
def test_queries_do_not_grow_with_page_size(path: str, many_rows: None, writer: APIClient) -> None:
    # given a warm client (its token's last use already recorded)
    writer.get("/api/v1/instruments/")
    # when
    one = queries_for(writer, path, 1)
    hundred = queries_for(writer, path, 100)
    # then
    assert hundred == one
    assert one <= 5  # token, page, (prefetch), audit


def test_the_screening_list_reads_one_query_for_its_rows(
    many_rows: None, writer: APIClient, django_assert_max_num_queries: object
) -> None:
    writer.get("/api/v1/instruments/")
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        # the client's token, the page of rows, the audit rows in one insert
        writer.get("/api/v1/screenings/?page_size=100")


def test_webhook_deliveries_list_queries_do_not_grow(clinic_a: Clinic, writer: APIClient) -> None:
    endpoint = WebhookEndpoint.objects.create(
        clinic=clinic_a, url="https://hooks.example.org/x", secret="s"
    )
    import uuid

    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            clinic=clinic_a,
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event_type="screening.created",
            payload="{}",
        )
        for _ in range(100)
    )
    writer.get("/api/v1/instruments/")
    path = f"/api/v1/webhooks/{endpoint.pk}/deliveries/"
    assert queries_for(writer, path, 1) == queries_for(writer, path, 100)


def test_counts_are_on_the_rows_of_one_clinic(many_rows: None) -> None:
    assert Screening.objects.count() == 110
    assert Intake.objects.count() == 110
    assert Patient.objects.count() == 110
