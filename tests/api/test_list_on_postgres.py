"""How PostgreSQL stores and reads what the screening list sends, on every page it serves."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from rest_framework.test import APIClient

from clinic.models import Patient
from screening.models import Screening
from screening.samples import random_document, sample_document
from tests.factories import screening_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_postgres")]

# Below about 2 kB PostgreSQL stores a value as it is, without compressing it.
COMPRESSED_FROM = 2_100


def long_screening(patient: Patient) -> Screening:
    """A screening of a random intake whose result document is long enough to be compressed."""
    rng = random.Random(2026)
    patient.birth_date = None  # random intakes carry birth dates of their own
    patient.save()
    for _ in range(50):
        screening = screening_for(patient, random_document(rng))
        if len(screening.result_json) > COMPRESSED_FROM:
            return screening
    raise AssertionError("no random intake gave a long result document")


def test_result_documents_are_kept_in_the_row_and_compressed_with_lz4(patient: Patient) -> None:
    # given a screening whose document is long enough to be compressed
    screening = long_screening(patient)
    with connection.cursor() as cursor:
        # then both copies of the document are compressed with lz4; the text that lists send
        # stays in the row (MAIN), the JSON for queries may move out of it (EXTENDED)
        cursor.execute(
            "SELECT attname, attstorage, attcompression FROM pg_attribute "
            "WHERE attrelid = 'screening_screening'::regclass "
            "AND attname IN ('result', 'result_json') ORDER BY attname"
        )
        assert cursor.fetchall() == [("result", "x", "l"), ("result_json", "m", "l")]
        cursor.execute(
            "SELECT pg_column_compression(result_json) FROM screening_screening WHERE id = %s",
            [screening.pk],
        )
        assert cursor.fetchone() == ("lz4",)


def test_the_list_statement_is_prepared_after_its_fifth_run(
    patient: Patient, writer: APIClient
) -> None:
    # given
    screening_for(patient, sample_document())
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    # when the same page is asked for six times on one connection
    for _ in range(6):
        assert writer.get("/api/v1/screenings/?page_size=2").status_code == 200
    # then PostgreSQL holds the page's statement prepared: later requests skip its planning
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement LIKE 'SELECT %% FROM \"screening_screening\" WHERE %%'"
        )
        assert cursor.fetchone() == (1,)
