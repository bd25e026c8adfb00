"""Idempotency-Key: a POST sent again with the same key answers as the first time and creates
nothing twice; the same key with another body is refused; a failed attempt leaves no key."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from rest_framework.test import APIClient

from api.models import IdempotencyKey
from clinic.models import Invitation, Patient
from screening.models import Intake, Screening
from screening.samples import sample_document
from tests.api_callers import bearer

pytestmark = pytest.mark.django_db


def intake_post(client: APIClient, patient: Patient, key: str | None, **answers: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = {"patient": patient.pk, "document": sample_document(answers=answers)}
    return client.post("/api/v1/intakes/", body, format="json", **headers)


def test_a_retried_intake_returns_the_first_screening_and_stores_one(
    writer: APIClient, patient: Patient
) -> None:
    first = intake_post(writer, patient, "retry-1")
    again = intake_post(writer, patient, "retry-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Intake.objects.count() == Screening.objects.count() == 1


def test_without_a_key_each_post_creates(writer: APIClient, patient: Patient) -> None:
    intake_post(writer, patient, None)
    intake_post(writer, patient, None)
    assert Intake.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(writer: APIClient, patient: Patient) -> None:
    intake_post(writer, patient, "k-2")
    response = intake_post(writer, patient, "k-2", **{"bloating.frequency": 4})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Intake.objects.count() == 1


def test_a_failed_request_leaves_the_key_free(writer: APIClient, patient: Patient) -> None:
    refused = intake_post(writer, patient, "k-3", **{"bloating.frequency": 9})
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    accepted = intake_post(writer, patient, "k-3")
    assert accepted.status_code == 201


def test_keys_belong_to_their_client(callers: Any, patient: Patient, tokens: Any) -> None:
    intake_post(callers("a_write"), patient, "shared-key")
    # The practitioner's request with the same key is their own: it creates.
    other = intake_post(callers("practitioner_a"), patient, "shared-key")
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert Intake.objects.count() == 2


def test_invitations_and_patients_are_idempotent_too(writer: APIClient, patient: Patient) -> None:
    for _ in range(2):
        invitation = writer.post(
            "/api/v1/invitations/", {"patient": patient.pk}, format="json", HTTP_IDEMPOTENCY_KEY="i"
        )
        created = writer.post(
            "/api/v1/patients/",
            {"external_id": "X-9", "given_name": "Ida", "family_name": "Vale"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="p",
        )
        assert invitation.status_code == created.status_code == 201
    assert Invitation.objects.count() == 1
    assert Patient.objects.filter(external_id="X-9").count() == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
def test_malformed_keys_are_refused(key: str, writer: APIClient, patient: Patient) -> None:
    response = writer.post(
        "/api/v1/intakes/",
        {"patient": patient.pk, "document": sample_document()},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Intake.objects.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_once(on_postgres: None, patient: Patient, tokens: Any) -> None:
    # given two requests with the same key racing each other
    results: list[int] = []
    barrier = threading.Barrier(2)

    def send() -> None:
        from django.db import connection

        try:
            client = bearer(tokens.a_write)
            barrier.wait()
            results.append(intake_post(client, patient, "race").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then both succeed with one intake between them
    assert sorted(results) == [201, 201]
    assert Intake.objects.count() == 1
